package dev.berth.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.RuleCondition;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetTypeEnum;

/**
 * The ALB data plane ({@code berth_dataplane/elbv2.py}) itself, through real TLS connections: routing by rules and
 * per request on a keep-alive connection, what reaches the target, ALB's own answers (502, 503, redirect, fixed
 * response), the WebSocket tunnel, and a deleted listener no longer serving.
 */
class AlbDataPlaneIT {
    private static final String DOMAIN = "alb.example.com";
    private static final List<AutoCloseable> BACKENDS = new CopyOnWriteArrayList<>();
    private static Emulator aws;
    private static ElasticLoadBalancingV2Client elb;
    private static Fixtures.Network network;
    private static ServedAlb alb;
    private static int priority = 1;

    @BeforeAll
    static void serveAlb() {
        aws = Emulator.get();
        elb = aws.clients().elb();
        network = Fixtures.network(aws);
        alb = ServedAlb.create(aws, network, DOMAIN);
    }

    @AfterAll
    static void stopBackends() throws Exception {
        for (AutoCloseable backend : BACKENDS) {
            backend.close();
        }
    }

    /** A backend that answers each request with its name, the X-Forwarded-* headers it got, and the request body. */
    private static Target echoBackend(String name) throws IOException {
        return echoBackend(name, "127.0.0.1");
    }

    private static Target echoBackend(String name, String ip) throws IOException {
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getByName(ip), 0), 0);
        backend.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] answer = (name + " " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                    + " for=" + exchange.getRequestHeaders().getFirst("X-Forwarded-For")
                    + " proto=" + exchange.getRequestHeaders().getFirst("X-Forwarded-Proto")
                    + " port=" + exchange.getRequestHeaders().getFirst("X-Forwarded-Port")
                    + " body=" + body).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        backend.start();
        BACKENDS.add(() -> backend.stop(0));
        return new Target(ip, backend.getAddress().getPort());
    }

    /** An ip target: moto keys a target group's targets by IP alone, so two targets need two IPs. */
    private record Target(String ip, int port) {
    }

    private static String targetGroup(Target... targets) {
        String arn = elb.createTargetGroup(r -> r.name(Emulator.unique("dp")).protocol(ProtocolEnum.HTTP).port(80)
                .vpcId(network.vpcId()).targetType(TargetTypeEnum.IP)).targetGroups().get(0).targetGroupArn();
        for (Target target : targets) {
            elb.registerTargets(r -> r.targetGroupArn(arn).targets(t -> t.id(target.ip()).port(target.port())));
        }
        return arn;
    }

    private static synchronized void rule(RuleCondition condition, Action action) {
        int p = priority++;
        elb.createRule(r -> r.listenerArn(alb.listenerArn()).priority(p).conditions(condition).actions(action));
    }

    private static RuleCondition host(String pattern) {
        return RuleCondition.builder().field("host-header").hostHeaderConfig(h -> h.values(pattern)).build();
    }

    private static RuleCondition path(String pattern) {
        return RuleCondition.builder().field("path-pattern").pathPatternConfig(p -> p.values(pattern)).build();
    }

    private static Action forward(String targetGroup) {
        return Action.builder().type("forward").targetGroupArn(targetGroup).build();
    }

    private static String unique(String prefix) {
        return Emulator.unique(prefix) + "." + DOMAIN;
    }

    @Test
    void keepAlive_routesEachRequestByItsOwnHostHeader() throws IOException {
        String a = unique("a");
        String b = unique("b");
        rule(host(a), forward(targetGroup(echoBackend("A"))));
        rule(host(b), forward(targetGroup(echoBackend("B"))));

        List<ServedAlb.Response> responses = ServedAlb.responses(alb.raw(a,
                "GET /1 HTTP/1.1\r\nHost: " + a + "\r\n\r\n"
                        + "GET /2 HTTP/1.1\r\nHost: " + b.toUpperCase() + "\r\n\r\n"
                        + "GET /3 HTTP/1.1\r\nHost: " + unique("none") + "\r\nConnection: close\r\n\r\n"));

        assertThat(responses).extracting(ServedAlb.Response::status).containsExactly(200, 200, 404);
        assertThat(responses.get(0).body()).startsWith("A GET /1 ");
        assertThat(responses.get(1).body()).startsWith("B GET /2 ");
        assertThat(responses.get(2).body()).isEqualTo("No Berth pod at this address");
    }

    @Test
    void forward_addsForwardedHeadersAndPassesChunkedBodies() throws IOException {
        String host = unique("fwd");
        rule(host(host), forward(targetGroup(echoBackend("F"))));

        List<ServedAlb.Response> responses = ServedAlb.responses(alb.raw(host,
                "POST /in?x=1 HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 5\r\n\r\nhello"
                        + "POST /in HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        + "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));

        assertThat(responses).extracting(ServedAlb.Response::body).containsExactly(
                "F POST /in?x=1 for=127.0.0.1 proto=https port=443 body=hello",
                "F POST /in for=127.0.0.1 proto=https port=443 body=abcdefg");
    }

    @Test
    void forward_streamsTheResponse_beforeTheTargetHasFinished() throws Exception {
        java.util.concurrent.CountDownLatch firstPartSeen = new java.util.concurrent.CountDownLatch(1);
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        backend.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("first|".getBytes(StandardCharsets.UTF_8));
                out.flush();
                // The rest only once the client has the first part: a buffering proxy would never deliver it.
                if (firstPartSeen.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    out.write("second".getBytes(StandardCharsets.UTF_8));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        backend.start();
        BACKENDS.add(() -> backend.stop(0));
        String host = unique("stream");
        rule(host(host), forward(targetGroup(new Target("127.0.0.1", backend.getAddress().getPort()))));

        try (SSLSocket socket = alb.open(host)) {
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String head = readUntil(in, "first|\r\n");
            firstPartSeen.countDown();
            String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(head).startsWith("HTTP/1.1 200 ").containsIgnoringCase("transfer-encoding: chunked");
            assertThat(ServedAlb.responses(head + rest)).singleElement()
                    .satisfies(response -> assertThat(response.body()).isEqualTo("first|second"));
        }
    }

    @Test
    void forward_roundRobinsOverTheTargets() throws IOException {
        String host = unique("rr");
        rule(host(host), forward(targetGroup(echoBackend("one", "127.0.0.1"), echoBackend("two", "127.0.0.2"))));

        List<String> firstWords = List.of(alb.get(host).body(), alb.get(host).body(), alb.get(host).body(), alb.get(host).body())
                .stream().map(body -> body.split(" ")[0]).toList();

        assertThat(firstWords).containsExactlyInAnyOrder("one", "one", "two", "two");
    }

    @Test
    void forward_whenTargetRefuses_is502_andWhenNoTargetRegistered_is503() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String refused = unique("refused");
        String empty = unique("empty");
        rule(host(refused), forward(targetGroup(new Target("127.0.0.1", closedPort))));
        rule(host(empty), forward(targetGroup()));

        ServedAlb.Response badGateway = alb.get(refused);
        ServedAlb.Response unavailable = alb.get(empty);

        assertThat(badGateway.status()).isEqualTo(502);
        assertThat(badGateway.headers()).containsEntry("server", "awselb/2.0");
        assertThat(unavailable.status()).isEqualTo(503);
    }

    @Test
    void rules_matchWildcardHostsAndPathsByPriority_andAnswerFixedResponsesAndRedirects() throws IOException {
        String wild = Emulator.unique("w").substring(0, 6);
        rule(RuleCondition.builder().field("host-header").hostHeaderConfig(h -> h.values(wild + "-?x*." + DOMAIN)).build(),
                Action.builder().type("fixed-response").fixedResponseConfig(f -> f.statusCode("200").contentType("text/plain")
                        .messageBody("wildcard")).build());
        String site = unique("site");
        rule(path("/old/*"), Action.builder().type("redirect").redirectConfig(r -> r.path("/new/#{path}").statusCode("HTTP_302")).build());
        rule(host(site), Action.builder().type("fixed-response").fixedResponseConfig(f -> f.statusCode("200").contentType("text/plain")
                .messageBody("site")).build());

        assertThat(alb.get(wild.toUpperCase() + "-7xyz." + DOMAIN).body()).isEqualTo("wildcard");
        assertThat(alb.get(wild + "-7x." + DOMAIN).body()).isEqualTo("wildcard");
        assertThat(alb.get(wild + "-77x." + DOMAIN).status()).isEqualTo(404);
        assertThat(alb.get(site).body()).isEqualTo("site");
        ServedAlb.Response redirect = ServedAlb.responses(alb.raw(site,
                "GET /old/page?q=1 HTTP/1.1\r\nHost: " + site + "\r\nConnection: close\r\n\r\n")).get(0);
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.headers()).containsEntry("location", "https://" + site + "/new/old/page?q=1");
    }

    @Test
    void upgrade_whenTargetSwitchesProtocols_tunnelsBytesBothWays() throws Exception {
        ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        BACKENDS.add(target);
        Thread.ofVirtual().start(() -> {
            try (Socket connection = target.accept()) {
                BufferedReader head = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
                while (!head.readLine().isEmpty()) {
                    // the upgrade request's head
                }
                OutputStream out = connection.getOutputStream();
                out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                char[] ping = new char[4];
                head.read(ping);
                out.write(("echo:" + new String(ping)).getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String host = unique("ws");
        rule(host(host), forward(targetGroup(new Target("127.0.0.1", target.getLocalPort()))));

        try (SSLSocket socket = alb.open(host)) {
            socket.getOutputStream().write(("GET /socket HTTP/1.1\r\nHost: " + host + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            String switched = readUntil(in, "hello");
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.ISO_8859_1));
            String echoed = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(switched).startsWith("HTTP/1.1 101 ").endsWith("\r\n\r\nhello");
            assertThat(echoed).isEqualTo("echo:ping");
        }
    }

    @Test
    void deleteListener_stopsServingIt() throws IOException {
        ServedAlb doomed = ServedAlb.create(aws, network, DOMAIN);
        assertThat(doomed.get(unique("any")).status()).isEqualTo(404);

        elb.deleteListener(r -> r.listenerArn(doomed.listenerArn()));

        assertThatThrownBy(() -> doomed.get(unique("any"))).isInstanceOf(ConnectException.class);
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder text = new StringBuilder();
        while (!text.toString().endsWith(end)) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("Stream ended before '" + end + "': " + text);
            }
            text.append((char) c);
        }
        return text.toString();
    }
}
