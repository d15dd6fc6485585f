package dev.berth.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.pod.PodId;
import dev.berth.reap.Activity;
import dev.berth.run.Endpoint;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The fake obeys the router contract; its "backends" are bodies keyed by made-up endpoints. */
class FakeRouterTest extends RouterContract {
    private final FakeRouter router = new FakeRouter();
    private final Map<Endpoint, String> backends = new ConcurrentHashMap<>();
    private final AtomicInteger nextPort = new AtomicInteger(20000);

    @Override
    protected Router router() {
        return router;
    }

    @Override
    protected UrlScheme urls() {
        return router.urls();
    }

    @Override
    protected Endpoint startBackend(String body) {
        Endpoint endpoint = new Endpoint("10.0.0.1", nextPort.getAndIncrement());
        backends.put(endpoint, body);
        return endpoint;
    }

    @Override
    protected Reply get(String host) {
        return router.resolve(host).map(e -> new Reply(200, backends.get(e))).orElse(new Reply(404, ""));
    }

    @Test
    void withdraw_keepsLastActivity_andDropsOpenConnections() {
        PodId pod = PodId.random();
        Instant at = Instant.parse("2025-01-01T00:00:00Z");
        router.setActivity(pod, new Activity(3, at));

        router.withdraw(pod);

        assertThat(router.activity(pod)).isEqualTo(new Activity(0, at));
        assertThat(router.withdrawals()).containsExactly(pod);
    }
}
