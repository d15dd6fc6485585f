package dev.berth.local.route.internal;

import dev.berth.pod.PodId;
import dev.berth.reap.Activity;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The open exchanges of one pod and when it was last used. Each {@link Exchange} is counted exactly once
 * from {@link #open} to its (idempotent) close, so the count cannot drift or go negative.
 */
public final class PodTraffic {
    private final PodId podId;
    private final Clock clock;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicReference<Instant> lastActivity;
    private final Set<Exchange> live = ConcurrentHashMap.newKeySet();
    private volatile boolean withdrawn;

    public PodTraffic(PodId podId, Clock clock, Instant lastActivity) {
        this.podId = podId;
        this.clock = clock;
        this.lastActivity = new AtomicReference<>(lastActivity);
    }

    public PodId podId() {
        return podId;
    }

    public boolean withdrawn() {
        return withdrawn;
    }

    public Activity activity() {
        return new Activity(open.get(), lastActivity.get());
    }

    public Instant lastActivity() {
        return lastActivity.get();
    }

    /** Counts a new exchange; if the pod was withdrawn meanwhile, aborts it at once. */
    public void open(Exchange exchange) {
        open.incrementAndGet();
        live.add(exchange);
        touch();
        if (withdrawn) {
            exchange.abort();
        }
    }

    void closed(Exchange exchange) {
        live.remove(exchange);
        open.decrementAndGet();
        touch();
    }

    /** Marks the pod withdrawn and aborts every open exchange; their counts drop as they close. */
    public void withdraw() {
        withdrawn = true;
        for (Exchange exchange : live) {
            exchange.abort();
        }
    }

    public void touch() {
        Instant now = clock.instant();
        lastActivity.accumulateAndGet(now, (prev, next) -> prev == null || next.isAfter(prev) ? next : prev);
    }
}
