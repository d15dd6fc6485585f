package dev.berth.local.route;

import dev.berth.pod.PodId;
import dev.berth.reap.ActivitySource;
import dev.berth.reap.ActivitySourceContract;
import dev.berth.route.Route;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The router's connection counts obey the activity contract: WebSockets are the long-lived connections. */
class VertxRouterActivityIT extends ActivitySourceContract {
    @TempDir
    static Path home;
    static RouterFixture fixture;

    @BeforeAll
    static void startRouter() throws Exception {
        fixture = RouterFixture.start(home);
    }

    @AfterAll
    static void stopRouter() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Override
    protected ActivitySource source() {
        return fixture.router();
    }

    @Override
    protected MutableClock clock() {
        return fixture.clock();
    }

    @Override
    protected void prepare(PodId pod) throws Exception {
        fixture.router().publish(new Route(pod, pod.value(), Map.of(8080, fixture.backends().start("ok")), false));
    }

    @Override
    protected AutoCloseable openConnection(PodId pod) throws Exception {
        RouterClient.Socket socket = fixture.client().webSocket(fixture.router().urls().host(pod.value(), 8080));
        socket.roundTrip("open");
        return socket;
    }

    @Override
    protected void request(PodId pod) throws Exception {
        HttpResponse<String> response = fixture.client().get(fixture.router().urls().host(pod.value(), 8080), "/");
        if (response.statusCode() != 200) {
            throw new AssertionError("request to " + pod + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
