package dev.berth.local.route;

import dev.berth.local.net.LocalCa;
import dev.berth.pod.PodId;
import dev.berth.reap.ActivitySource;
import dev.berth.reap.ActivitySourceContract;
import dev.berth.route.Route;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The router's connection counts obey the activity contract: WebSockets are the long-lived connections. */
class VertxRouterActivityIT extends ActivitySourceContract {
    @TempDir
    static Path home;
    static LocalCa ca;
    static MutableClock clock;
    static VertxRouter router;
    static TestBackends backends;
    static RouterClient client;

    @BeforeAll
    static void startRouter() throws Exception {
        ca = LocalCa.open(home.resolve("tls"), LocalCa.DEFAULT_DOMAIN, Clock.systemUTC());
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        router = VertxRouter.builder(ca).port(0).clock(clock).build().start();
        backends = new TestBackends();
        client = new RouterClient(ca, router.port());
    }

    @AfterAll
    static void stopRouter() throws Exception {
        if (router != null) {
            router.close();
        }
        if (backends != null) {
            backends.close();
        }
    }

    @Override
    protected ActivitySource source() {
        return router;
    }

    @Override
    protected MutableClock clock() {
        return clock;
    }

    @Override
    protected void prepare(PodId pod) throws Exception {
        router.publish(new Route(pod, pod.value(), Map.of(8080, backends.start("ok")), false));
    }

    @Override
    protected AutoCloseable openConnection(PodId pod) throws Exception {
        RouterClient.Socket socket = client.webSocket(router.urls().host(pod.value(), 8080));
        socket.roundTrip("open");
        return socket;
    }

    @Override
    protected void request(PodId pod) throws Exception {
        HttpResponse<String> response = client.get(router.urls().host(pod.value(), 8080), "/");
        if (response.statusCode() != 200) {
            throw new AssertionError("request to " + pod + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
