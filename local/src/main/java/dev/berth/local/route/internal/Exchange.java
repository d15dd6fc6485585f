package dev.berth.local.route.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One proxied request, and after a {@code 101} the stream it became. Counted by its {@link PodTraffic}
 * from open to {@link #close()}; {@link #abort()} tears down its connections, which in turn closes it.
 */
public final class Exchange {
    private final PodTraffic traffic;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable aborter = () -> { };

    public Exchange(PodTraffic traffic) {
        this.traffic = traffic;
    }

    /** What {@link #abort()} does: close the client connection or the piped sockets. */
    public void onAbort(Runnable aborter) {
        this.aborter = aborter;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Ends the count of this exchange; only the first call counts. */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            traffic.closed(this);
        }
    }

    /** Closes the exchange's connections (withdraw) and the exchange itself. */
    public void abort() {
        try {
            aborter.run();
        } finally {
            close();
        }
    }
}
