package dev.berth.route;

import dev.berth.pod.PodId;
import dev.berth.reap.ActivitySource;
import dev.berth.reap.ActivitySourceContract;
import dev.berth.run.Endpoint;
import java.time.Instant;
import java.util.Map;

/** The fake router counts its simulated traffic as the activity contract requires of a real router. */
class FakeActivitySourceTest extends ActivitySourceContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final FakeRouter router = new FakeRouter(new UrlScheme("pods.localhost", 8443), clock);

    @Override
    protected ActivitySource source() {
        return router;
    }

    @Override
    protected MutableClock clock() {
        return clock;
    }

    @Override
    protected void prepare(PodId pod) {
        router.publish(new Route(pod, pod.value(), Map.of(8080, new Endpoint("10.0.0.1", 8080)), false));
    }

    @Override
    protected AutoCloseable openConnection(PodId pod) {
        return router.connect(host(pod)).orElseThrow(() -> new AssertionError("no route for " + host(pod)));
    }

    @Override
    protected void request(PodId pod) {
        router.request(host(pod)).orElseThrow(() -> new AssertionError("no route for " + host(pod)));
    }

    private String host(PodId pod) {
        return router.urls().host(pod.value(), 8080);
    }
}
