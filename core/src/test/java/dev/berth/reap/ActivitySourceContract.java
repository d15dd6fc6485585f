package dev.berth.reap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.pod.PodId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ActivitySource} shares: a pod's open connections are counted while open and
 * never below zero, and its last activity moves with requests and connections. Subclasses drive real
 * traffic; sources may count a close asynchronously, so the suite waits (up to {@link #settleTimeout()})
 * for counts to settle rather than asserting timing.
 */
public abstract class ActivitySourceContract {

    /** The source under test; its clock must be {@link #clock()}. */
    protected abstract ActivitySource source();

    /** The clock the source reads; tests advance it. */
    protected abstract MutableClock clock();

    /** Makes the pod reachable (for a router: publishes a route to a backend). */
    protected abstract void prepare(PodId pod) throws Exception;

    /** Opens a long-lived connection to the pod (such as a WebSocket) that stays open until closed. */
    protected abstract AutoCloseable openConnection(PodId pod) throws Exception;

    /** Completes one request to the pod. */
    protected abstract void request(PodId pod) throws Exception;

    protected Duration settleTimeout() {
        return Duration.ofSeconds(20);
    }

    @Test
    void activity_whenPodNeverSeen_isNone() {
        assertThat(source().activity(PodId.random())).isEqualTo(Activity.NONE);
    }

    @Test
    void activity_afterRequest_hasNoOpenConnectionAndLastActivityAtTheClock() throws Exception {
        PodId pod = PodId.random();
        prepare(pod);
        Instant now = clock().advance(Duration.ofSeconds(1));

        request(pod);

        awaitCondition(() -> source().activity(pod).openConnections() == 0);
        assertThat(source().activity(pod).lastActivity()).isEqualTo(now);
    }

    @Test
    void activity_whileConnectionOpen_countsIt_andAfterCloseCountsZero() throws Exception {
        PodId pod = PodId.random();
        prepare(pod);
        Instant opened = clock().advance(Duration.ofSeconds(1));

        AutoCloseable connection = openConnection(pod);
        awaitCondition(() -> source().activity(pod).openConnections() == 1);
        assertThat(source().activity(pod).lastActivity()).isEqualTo(opened);

        Instant closed = clock().advance(Duration.ofSeconds(30));
        connection.close();

        awaitCondition(() -> source().activity(pod).openConnections() == 0);
        assertThat(source().activity(pod).lastActivity()).isEqualTo(closed);
    }

    @Test
    void activity_withTwoConnections_countsEachUntilItCloses() throws Exception {
        PodId pod = PodId.random();
        prepare(pod);
        AutoCloseable first = openConnection(pod);
        AutoCloseable second = openConnection(pod);
        awaitCondition(() -> source().activity(pod).openConnections() == 2);

        first.close();
        awaitCondition(() -> source().activity(pod).openConnections() == 1);
        request(pod);
        // A proxy may finish its bookkeeping just after the client has the whole response: wait, then check.
        awaitCondition(() -> source().activity(pod).openConnections() <= 1);
        assertThat(source().activity(pod).openConnections()).isEqualTo(1);

        second.close();
        awaitCondition(() -> source().activity(pod).openConnections() == 0);
    }

    @Test
    void activity_ofOnePod_isNotCountedForAnother() throws Exception {
        PodId busy = PodId.random();
        PodId idle = PodId.random();
        prepare(busy);
        prepare(idle);

        try (AutoCloseable ignored = openConnection(busy)) {
            awaitCondition(() -> source().activity(busy).openConnections() == 1);
            assertThat(source().activity(idle).openConnections()).isZero();
        }
    }

    protected void awaitCondition(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + settleTimeout().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + settleTimeout());
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** A clock tests move by hand. Thread-safe. */
    public static final class MutableClock extends Clock {
        private volatile Instant now;

        public MutableClock(Instant start) {
            this.now = start;
        }

        /** Moves the clock forward and returns the new time. */
        public synchronized Instant advance(Duration by) {
            now = now.plus(by);
            return now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
