package dev.berth.local.route;

import dev.berth.local.net.LocalCa;
import dev.berth.reap.ActivitySourceContract.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * A started router with what its tests need: the CA it was made from (under {@code home/tls}), the hand-moved clock
 * it reads, backends to route to, and a client trusting only that CA. Close to stop router and backends.
 */
record RouterFixture(LocalCa ca, MutableClock clock, VertxRouter router, TestBackends backends, RouterClient client)
        implements AutoCloseable {

    static RouterFixture start(Path home) throws Exception {
        LocalCa ca = LocalCa.open(home.resolve("tls"), LocalCa.DEFAULT_DOMAIN, Clock.systemUTC());
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        VertxRouter router = VertxRouter.builder(ca).port(0).clock(clock).build().start();
        return new RouterFixture(ca, clock, router, new TestBackends(), new RouterClient(ca, router.port()));
    }

    @Override
    public void close() throws Exception {
        try {
            router.close();
        } finally {
            backends.close();
        }
    }
}
