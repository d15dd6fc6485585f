package dev.berth.functions.route;

import com.sun.net.httpserver.HttpServer;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.Fixtures;
import dev.berth.emulator.ServedAlb;
import dev.berth.route.Router;
import dev.berth.route.RouterContract;
import dev.berth.route.UrlScheme;
import dev.berth.run.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Core's {@link RouterContract} against {@link AlbRouter}: moto's ELBv2 API, and the ALB data plane serving the
 * load balancer's HTTPS listener for real (TLS with the ACM certificate, host-header rules, forward to ip targets,
 * the default 404). The targets are backends on 127.0.0.1: moto does not check that an ip target lies in the
 * target group's VPC, and the data plane reaches the target's IP as given.
 */
class AlbRouterContractIT extends RouterContract {
    private static final String DOMAIN = "pods.example.com";
    private static final List<HttpServer> BACKENDS = new CopyOnWriteArrayList<>();
    private static ServedAlb alb;
    private static AlbRouter router;

    @BeforeAll
    static void serveAlb() {
        Emulator aws = Emulator.get();
        Fixtures.Network network = Fixtures.network(aws);
        alb = ServedAlb.create(aws, network, DOMAIN);
        router = new AlbRouter(aws.clients().elb(), new AlbRouter.Settings(network.vpcId(), List.of(alb.listenerArn()), DOMAIN, null));
    }

    @AfterAll
    static void stopBackends() {
        BACKENDS.forEach(backend -> backend.stop(0));
    }

    @Override
    protected Router router() {
        return router;
    }

    @Override
    protected UrlScheme urls() {
        return new UrlScheme(DOMAIN, 443);
    }

    @Override
    protected Endpoint startBackend(String body) throws IOException {
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        backend.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        backend.start();
        BACKENDS.add(backend);
        return new Endpoint("127.0.0.1", backend.getAddress().getPort());
    }

    @Override
    protected Reply get(String host) throws IOException {
        ServedAlb.Response response = alb.get(host);
        return new Reply(response.status(), response.body());
    }
}
