package dev.berth.local.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.local.net.LocalCa;
import dev.berth.pod.PodId;
import dev.berth.route.Route;
import dev.berth.route.Router;
import dev.berth.route.RouterContract;
import dev.berth.route.UrlScheme;
import dev.berth.run.Endpoint;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router over real TLS: a JDK client trusting only the generated CA, with hostname verification, reaching
 * {@code *.pods.localhost} through the resolver provider; backends are Vert.x HTTP servers on loopback.
 */
class VertxRouterIT extends RouterContract {
    private static final Duration SETTLE = Duration.ofSeconds(20);

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
    protected Router router() {
        return fixture.router();
    }

    @Override
    protected UrlScheme urls() {
        return fixture.router().urls();
    }

    @Override
    protected Endpoint startBackend(String body) throws Exception {
        return fixture.backends().start(body);
    }

    @Override
    protected Reply get(String host) throws Exception {
        HttpResponse<String> response = fixture.client().get(host, "/");
        return new Reply(response.statusCode(), response.body());
    }

    private PodId publish(Map<Integer, Endpoint> targets) {
        PodId pod = PodId.random();
        fixture.router().publish(new Route(pod, pod.value(), targets, false));
        return pod;
    }

    private static String host(PodId pod, int port) {
        return fixture.router().urls().host(pod.value(), port);
    }

    private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + SETTLE);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    @Test
    void get_passesHostThrough_andSetsForwardedHeaders() throws Exception {
        PodId pod = publish(Map.of(8080, fixture.backends().start("x")));

        HttpResponse<String> response = fixture.client().http.send(HttpRequest.newBuilder(fixture.client().uri(host(pod, 8080), "/headers?a=1"))
                .header("X-Custom", "kept").header("X-Forwarded-For", "10.1.2.3").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).as("ALPN offers http/1.1 only").isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.body().lines()).contains(
                "method=GET",
                "uri=/headers?a=1",
                "host=" + host(pod, 8080) + ":" + fixture.router().port(),
                "x-forwarded-for=10.1.2.3, 127.0.0.1",
                "x-forwarded-proto=https",
                "x-forwarded-host=" + host(pod, 8080) + ":" + fixture.router().port(),
                "x-custom=kept");
    }

    @Test
    void get_dropsResponseHeadersNamedInConnection() throws Exception {
        PodId pod = publish(Map.of(8080, fixture.backends().start("plain")));

        HttpResponse<String> response = fixture.client().get(host(pod, 8080), "/");

        assertThat(response.body()).isEqualTo("plain");
        assertThat(response.headers().firstValue("X-Hop")).isEmpty();
    }

    @Test
    void post_largeStreamedBody_reachesBackendWhole() throws Exception {
        PodId pod = publish(Map.of(8080, fixture.backends().start("x")));
        long size = 48L * 1024 * 1024 + 123;
        MessageDigest expected = TestBackends.sha256();
        InputStream source = new DigestInputStream(new PatternStream(size), expected);

        // ofInputStream has no length: the body goes chunked, end to end.
        HttpResponse<String> response = fixture.client().http.send(HttpRequest.newBuilder(fixture.client().uri(host(pod, 8080), "/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> source)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("bytes=" + size + " sha256=" + HexFormat.of().formatHex(expected.digest()));
    }

    @Test
    void post_withContentLength_reachesBackendWhole() throws Exception {
        PodId pod = publish(Map.of(8080, fixture.backends().start("x")));
        byte[] body = new PatternStream(3 * 1024 * 1024).readAllBytes();

        HttpResponse<String> response = fixture.client().http.send(HttpRequest.newBuilder(fixture.client().uri(host(pod, 8080), "/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("bytes=" + body.length + " sha256="
                + HexFormat.of().formatHex(TestBackends.sha256().digest(body)));
    }

    @Test
    void get_largeChunkedDownload_arrivesWhole() throws Exception {
        PodId pod = publish(Map.of(8080, fixture.backends().start("x")));
        long size = 64L * 1024 * 1024 + 7;

        HttpResponse<InputStream> response = fixture.client().http.send(HttpRequest.newBuilder(fixture.client().uri(host(pod, 8080), "/download?bytes=" + size))
                .build(), HttpResponse.BodyHandlers.ofInputStream());

        long count = 0;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                count += n;
            }
        }
        assertThat(count).isEqualTo(size);
    }

    @Test
    void sse_eventsArriveBeforeTheStreamEnds() throws Exception {
        fixture.backends().sseRelease = new CompletableFuture<>();
        PodId pod = publish(Map.of(8080, fixture.backends().start("x")));

        HttpResponse<InputStream> response = fixture.client().http.send(HttpRequest.newBuilder(fixture.client().uri(host(pod, 8080), "/sse")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            // The backend sends "two" only after we read "one": a buffering proxy would block here forever.
            assertThat(reader.readLine()).isEqualTo("data: one");
            assertThat(fixture.router().activity(pod).openConnections()).isEqualTo(1);
            fixture.backends().sseRelease.complete(null);
            assertThat(reader.readLine()).isEmpty();
            assertThat(reader.readLine()).isEqualTo("data: two");
        }
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        awaitCondition(() -> fixture.router().activity(pod).openConnections() == 0);
    }

    @Test
    void sse_whenClientGoesAway_countDropsToZero() throws Exception {
        fixture.backends().sseRelease = new CompletableFuture<>();
        PodId pod = publish(Map.of(8080, fixture.backends().start("x")));
        HttpClient ownClient = HttpClient.newBuilder().sslContext(fixture.ca().clientSslContext()).build();

        HttpResponse<InputStream> response = ownClient.send(HttpRequest.newBuilder(fixture.client().uri(host(pod, 8080), "/sse")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).isEqualTo("data: one");
        assertThat(fixture.router().activity(pod).openConnections()).isEqualTo(1);

        reader.close();
        ownClient.shutdownNow();

        awaitCondition(() -> fixture.router().activity(pod).openConnections() == 0);
        fixture.backends().sseRelease.complete(null);
    }

    @Test
    void webSocket_echoesThroughRouter_andCountsOneWhileOpen() throws Exception {
        PodId pod = publish(Map.of(8888, fixture.backends().start("x")));
        Instant opened = fixture.clock().advance(Duration.ofSeconds(5));

        RouterClient.Socket socket = fixture.client().webSocket(host(pod, 8888));
        assertThat(socket.roundTrip("hello")).isEqualTo("echo:hello");
        assertThat(socket.roundTrip("again")).isEqualTo("echo:again");
        assertThat(fixture.router().activity(pod).openConnections()).isEqualTo(1);
        assertThat(fixture.router().activity(pod).lastActivity()).isEqualTo(opened);

        Instant closedAt = fixture.clock().advance(Duration.ofMinutes(10));
        socket.close();

        assertThat(socket.closed.getNow("still open")).as("close handshake through the tunnel").isEqualTo("close 1000");
        awaitCondition(() -> fixture.router().activity(pod).openConnections() == 0);
        assertThat(fixture.router().activity(pod).lastActivity()).isEqualTo(closedAt);
    }

    @Test
    void webSocket_whenBackendDies_closesClientAndCountsZero() throws Exception {
        Endpoint backend = fixture.backends().start("x");
        PodId pod = publish(Map.of(8888, backend));
        RouterClient.Socket socket = fixture.client().webSocket(host(pod, 8888));
        assertThat(socket.roundTrip("hi")).isEqualTo("echo:hi");

        fixture.backends().stop(backend);

        assertThat(socket.closed.get(30, TimeUnit.SECONDS)).isNotNull();
        awaitCondition(() -> fixture.router().activity(pod).openConnections() == 0);
    }

    @Test
    void withdraw_closesOpenWebSocket_andHostAnswers404() throws Exception {
        PodId pod = publish(Map.of(8888, fixture.backends().start("x")));
        RouterClient.Socket socket = fixture.client().webSocket(host(pod, 8888));
        assertThat(socket.roundTrip("hi")).isEqualTo("echo:hi");

        fixture.router().withdraw(pod);

        assertThat(socket.closed.get(30, TimeUnit.SECONDS)).isNotNull();
        assertThat(fixture.router().activity(pod).openConnections()).isZero();
        HttpResponse<String> after = fixture.client().get(host(pod, 8888), "/");
        assertThat(after.statusCode()).isEqualTo(404);
    }

    @Test
    void requests_inFlightConcurrently_areCountedExactly_andReturnToZero() throws Exception {
        fixture.backends().holdRelease = new CompletableFuture<>();
        fixture.backends().held.set(0);
        PodId pod = publish(Map.of(8080, fixture.backends().start("x")));
        int n = 20;

        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            responses.add(fixture.client().http.sendAsync(HttpRequest.newBuilder(fixture.client().uri(host(pod, 8080), "/hold")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        awaitCondition(() -> fixture.backends().held.get() == n);
        assertThat(fixture.router().activity(pod).openConnections()).isEqualTo(n);

        fixture.backends().holdRelease.complete(null);
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(30, TimeUnit.SECONDS).body()).isEqualTo("released");
        }
        awaitCondition(() -> fixture.router().activity(pod).openConnections() == 0);
    }

    @Test
    void get_whenPodRefusesConnections_is502NamingThePort() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        PodId pod = publish(Map.of(8080, new Endpoint("127.0.0.1", closedPort)));

        HttpResponse<String> response = fixture.client().get(host(pod, 8080), "/");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("not accepting connections on port 8080").contains(pod.value());
        awaitCondition(() -> fixture.router().activity(pod).openConnections() == 0);
    }

    @Test
    void get_whenHostUnknown_is404ExplainingHowToListPods() throws Exception {
        HttpResponse<String> response = fixture.client().get("nosuchpod-8080.pods.localhost", "/");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("No pod answers at nosuchpod-8080.pods.localhost").contains("berth container list");
    }

    @Test
    void get_whenHostOutsideTheDomain_is404() throws Exception {
        HttpResponse<String> response = fixture.client().get("localhost", "/");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("berth container list");
    }

    @Test
    void get_whenPortNotPublished_is404NamingThePodsPorts() throws Exception {
        PodId pod = publish(Map.of(8080, fixture.backends().start("x"), 9000, fixture.backends().start("y")));

        HttpResponse<String> response = fixture.client().get(host(pod, 7000), "/");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("does not publish port 7000").contains("[8080, 9000]");
    }

    @Test
    void browser_getsAnHtmlErrorPage() throws Exception {
        HttpResponse<String> response = fixture.client().http.send(HttpRequest.newBuilder(fixture.client().uri("gone-1.pods.localhost", "/"))
                .header("Accept", "text/html,*/*").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(response.body()).startsWith("<!doctype html>").contains("gone-1.pods.localhost");
    }

    @Test
    void curl_withOnlyTheCaFile_getsThroughTheRouter() throws Exception {
        PodId pod = publish(Map.of(8080, fixture.backends().start("from-curl")));
        String url = "https://" + host(pod, 8080) + ":" + fixture.router().port() + "/";

        Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "30", "--cacert", fixture.ca().caCertificatePath().toString(),
                "--resolve", host(pod, 8080) + ":" + fixture.router().port() + ":127.0.0.1", "-w", "\n%{http_code} %{http_version}", url)
                .redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(curl.waitFor()).as(output).isZero();
        assertThat(output).isEqualTo("from-curl\n200 1.1");
    }

    @Test
    void restart_reusesTheCaFiles_soAClientTrustingTheOldCaStillConnects() throws Exception {
        Path dir = home.resolve("restart-tls");
        LocalCa first = LocalCa.open(dir, LocalCa.DEFAULT_DOMAIN, Clock.systemUTC());
        String caPem = Files.readString(first.caCertificatePath());
        Endpoint backend = fixture.backends().start("restarted");
        try (VertxRouter one = VertxRouter.builder(first).port(0).build().start()) {
            assertThat(one.port()).isPositive();
        }

        LocalCa second = LocalCa.open(dir, LocalCa.DEFAULT_DOMAIN, Clock.systemUTC());
        try (VertxRouter two = VertxRouter.builder(second).port(0).build().start()) {
            PodId pod = PodId.random();
            two.publish(new Route(pod, pod.value(), Map.of(8080, backend), false));
            HttpResponse<String> response = new RouterClient(first, two.port()).get(two.urls().host(pod.value(), 8080), "/");

            assertThat(response.body()).isEqualTo("restarted");
        }
        assertThat(Files.readString(second.caCertificatePath())).isEqualTo(caPem);
        for (String key : List.of("ca-key.pem", "router-key.pem")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key)))).isEqualTo("rw-------");
        }
    }

    @Test
    void routeMiss_holdsTheRequestUntilTheHandlerGivesARoute() throws Exception {
        CompletableFuture<Optional<Route>> starting = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        List<String> labels = new ArrayList<>();
        Endpoint backend = fixture.backends().start("woke-up");
        try (VertxRouter waking = VertxRouter.builder(fixture.ca()).port(0).routeMissHandler(label -> {
            labels.add(label);
            asked.countDown();
            return starting;
        }).build().start()) {
            RouterClient wakingClient = new RouterClient(fixture.ca(), waking.port());
            CompletableFuture<HttpResponse<String>> response = wakingClient.http.sendAsync(
                    HttpRequest.newBuilder(wakingClient.uri("notebook-8888.pods.localhost", "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(asked.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(response).isNotDone();

            PodId pod = PodId.random();
            Route route = new Route(pod, "notebook", Map.of(8888, backend), false);
            waking.publish(route);
            starting.complete(Optional.of(route));

            assertThat(response.get(30, TimeUnit.SECONDS).body()).isEqualTo("woke-up");
            assertThat(labels).containsExactly("notebook");
            awaitCondition(() -> waking.activity(pod).openConnections() == 0);
            assertThat(waking.activity(pod).lastActivity()).isNotNull();
        }
    }

    @Test
    void routeMiss_whenHandlerTakesTooLong_answers503WithRetryAfter() throws Exception {
        try (VertxRouter waking = VertxRouter.builder(fixture.ca()).port(0).routeMissTimeout(Duration.ofMillis(200))
                .routeMissHandler(label -> new CompletableFuture<>()).build().start()) {
            HttpResponse<String> response = new RouterClient(fixture.ca(), waking.port()).get("slow-8080.pods.localhost", "/");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(response.body()).contains("slow");
        }
    }

    @Test
    void routeMiss_whenHandlerFindsNothing_is404() throws Exception {
        try (VertxRouter waking = VertxRouter.builder(fixture.ca()).port(0)
                .routeMissHandler(label -> CompletableFuture.completedFuture(Optional.empty())).build().start()) {
            HttpResponse<String> response = new RouterClient(fixture.ca(), waking.port()).get("nothing-8080.pods.localhost", "/");

            assertThat(response.statusCode()).isEqualTo(404);
        }
    }

    /** A deterministic byte stream of a given length. */
    static final class PatternStream extends InputStream {
        private final long size;
        private long position;

        PatternStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            return position < size ? (int) (position++ * 31 % 251) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - position);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) (position++ * 31 % 251);
            }
            return n;
        }
    }
}
