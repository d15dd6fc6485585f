package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Json;
import dev.berth.pod.PodSpec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The embedded platform end to end: real containers through the real Docker engine, fetched through their
 * HTTPS URLs with only the platform's generated CA trusted.
 */
class LocalPlatformIT {
    @TempDir
    static Path home;

    private static LocalPlatform platform;
    private static PlatformHarness.Client client;

    @BeforeAll
    static void start() {
        LocalConfig config = LocalConfig.fromEnv(Map.of()).withHome(PlatformHarness.newHome(home)).withPorts(0, 0);
        platform = LocalPlatform.start(config);
        client = new PlatformHarness.Client(platform.apiUri(), home, platform.ca().clientSslContext());
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            for (JsonNode pod : client.json("GET", "/v1/pods?status=PENDING,BUILDING,STARTING,RUNNING", null).path("pods")) {
                client.call("DELETE", "/v1/pods/" + pod.path("id").asText(), null);
            }
            platform.close();
            PlatformHarness.removeContainers(home);
        }
    }

    /** busybox httpd serving {@code $GREETING} on each port, written by the entrypoint itself. */
    private static PodSpec.Builder busyboxWeb(int... ports) {
        StringBuilder script = new StringBuilder();
        for (int port : ports) {
            script.append("mkdir -p /www/").append(port).append(" && echo \"$GREETING on ").append(port)
                    .append("\" > /www/").append(port).append("/index.html && httpd -p ").append(port).append(" -h /www/").append(port).append(" && ");
        }
        script.append("exec sleep 86400");
        return PodSpec.builder().image(ImageSpec.builder().base("busybox:latest").build())
                .entrypoint("sh", "-c", script.toString()).ports(ports);
    }

    private static String create(PodSpec spec) {
        return client.create(Json.write(spec)).path("id").asText();
    }

    @Test
    void podFromAnImage_answers200ThroughItsHttpsUrl_withEnvAndEntrypoint() {
        String id = create(busyboxWeb(8080).env("GREETING", "hello-from-env").build());

        JsonNode pod = client.awaitRunning(id);
        HttpResponse<String> response = client.get(client.url(pod, 8080));

        assertThat(client.url(pod, 8080)).isEqualTo("https://" + id + "-8080.pods.localhost:" + platform.routerPort() + "/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello-from-env on 8080\n");
        assertThat(response.sslSession()).isPresent();
    }

    @Test
    void podFromADockerfile_answers200() {
        ImageSpec image = ImageSpec.builder()
                .dockerfile("FROM busybox:latest\nCOPY index.html /www/index.html\n")
                .file("index.html", "built from a Dockerfile\n".getBytes(StandardCharsets.UTF_8))
                .build();
        String id = create(PodSpec.builder().image(image).entrypoint("httpd", "-f", "-p", "8000", "-h", "/www").ports(8000).build());

        JsonNode pod = client.awaitRunning(id);

        HttpResponse<String> response = client.get(client.url(pod, 8000));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("built from a Dockerfile\n");
    }

    @Test
    void twoPortsOfOnePod_getTwoUrls() {
        String id = create(busyboxWeb(8080, 9090).env("GREETING", "two").build());

        JsonNode pod = client.awaitRunning(id);

        assertThat(client.get(client.url(pod, 8080)).body()).isEqualTo("two on 8080\n");
        assertThat(client.get(client.url(pod, 9090)).body()).isEqualTo("two on 9090\n");
        assertThat(client.url(pod, 8080)).isNotEqualTo(client.url(pod, 9090));
    }

    @Test
    void webSocket_echoesThroughTheRouter_andAnOpenOneOutlivesKeepWarm_thenTheIdlePodIsReaped() throws Exception {
        String server = """
                import asyncio, websockets
                async def echo(ws):
                    async for message in ws:
                        await ws.send(message)
                async def main():
                    async with websockets.serve(echo, "0.0.0.0", 8765):
                        await asyncio.Future()
                asyncio.run(main())
                """;
        ImageSpec image = ImageSpec.builder().pythonPackages("websockets==13.1")
                .file("echo.py", server.getBytes(StandardCharsets.UTF_8)).build();
        int keepWarm = 3;
        String id = create(PodSpec.builder().image(image).entrypoint("python3", "/app/echo.py").ports(8765)
                .keepWarmSeconds(keepWarm).build());
        JsonNode pod = client.awaitRunning(id);
        URI wss = URI.create(client.url(pod, 8765).replace("https://", "wss://"));

        Messages messages = new Messages();
        WebSocket socket = client.pods.newWebSocketBuilder().buildAsync(wss, messages).get(30, TimeUnit.SECONDS);
        socket.sendText("hello through berth", true).get(10, TimeUnit.SECONDS);
        assertThat(messages.next().get(10, TimeUnit.SECONDS)).isEqualTo("hello through berth");

        PlatformHarness.sleep((keepWarm + 2) * 1000L);
        assertThat(client.pod(id).path("status").asText()).isEqualTo("RUNNING");
        socket.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertThat(messages.next().get(10, TimeUnit.SECONDS)).isEqualTo("still here");

        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        JsonNode reaped = client.awaitStatus(id, Duration.ofSeconds(keepWarm + 2), "STOPPED");
        assertThat(reaped.path("stopReason").asText()).as(reaped.toString()).isEqualTo("IDLE");
    }

    @Test
    void idlePod_isStoppedWithinKeepWarmPlusTwoSeconds_whileMinusOneIsNeverReaped() {
        String idle = create(busyboxWeb(8080).env("GREETING", "idle").keepWarmSeconds(2).build());
        String forever = create(busyboxWeb(8080).env("GREETING", "forever").keepWarmSeconds(-1).build());
        client.awaitRunning(forever);
        client.awaitRunning(idle);

        JsonNode reaped = client.awaitStatus(idle, Duration.ofSeconds(2 + 2), "STOPPED");
        PlatformHarness.sleep(3000);

        assertThat(reaped.path("stopReason").asText()).as(reaped.toString()).isEqualTo("IDLE");
        JsonNode kept = client.pod(forever);
        assertThat(kept.path("status").asText()).isEqualTo("RUNNING");
        assertThat(client.get(client.url(kept, 8080)).body()).isEqualTo("forever on 8080\n");
    }

    @Test
    void exitingEntrypoint_endsExitedWithItsCodeAndLogs() {
        String id = create(PodSpec.builder().image(ImageSpec.builder().base("busybox:latest").build())
                .entrypoint("sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 7").build());

        JsonNode pod = client.awaitStatus(id, Duration.ofMinutes(2), "STOPPED", "FAILED");

        assertThat(pod.path("stopReason").asText()).isEqualTo("EXITED");
        assertThat(pod.path("exitCode").asInt()).isEqualTo(7);
        String logs = client.call("GET", "/v1/pods/" + id + "/logs", null).body();
        assertThat(logs).contains("to-stdout").contains("to-stderr");
    }

    @Test
    void stop_isIdempotent_andRacingTheReaperEndsInOneStoppedRecord() throws Exception {
        String id = create(busyboxWeb(8080).env("GREETING", "race").keepWarmSeconds(1).build());
        JsonNode running = client.awaitRunning(id);
        PlatformHarness.sleep(900);

        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<HttpResponse<String>>> stops = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            stops.add(threads.submit(() -> client.call("DELETE", "/v1/pods/" + id, null)));
        }
        for (Future<HttpResponse<String>> stop : stops) {
            assertThat(stop.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        threads.shutdown();

        JsonNode end = client.awaitStatus(id, Duration.ofSeconds(30), "STOPPED");
        assertThat(end.path("stopReason").asText()).isIn("USER", "IDLE");
        long stopped = client.json("GET", "/v1/pods?status=STOPPED", null).path("pods").findValuesAsText("id").stream()
                .filter(id::equals).count();
        assertThat(stopped).isEqualTo(1);
        JsonNode again = client.json("DELETE", "/v1/pods/" + id, null);
        assertThat(again.path("version").asLong()).isEqualTo(end.path("version").asLong());
        assertThat(client.get(client.url(running, 8080)).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown image     | {"entrypoint":["x"],"image":{"base":"nosuch/image:1"}} | 400 | INVALID_SPEC   | image.base
            port 0            | {"entrypoint":["x"],"ports":[0]}                       | 400 | INVALID_SPEC   | ports[0]
            port 70000        | {"entrypoint":["x"],"ports":[70000]}                   | 400 | INVALID_SPEC   | ports[0]
            keep-warm -2      | {"entrypoint":["x"],"keepWarmSeconds":-2}              | 400 | INVALID_SPEC   | keepWarmSeconds
            empty entrypoint  | {"entrypoint":[]}                                      | 400 | INVALID_SPEC   | entrypoint
            invalid env name  | {"entrypoint":["x"],"env":{"A B":"1"}}                 | 400 | INVALID_SPEC   | env.A B
            malformed JSON    | {"entrypoint":                                         | 400 | MALFORMED_JSON |
            """)
    void badInput_getsA4xxNamingTheField_andCreatesNothing(String label, String body, int status, String code, String field) {
        int before = client.json("GET", "/v1/pods", null).path("pods").size();

        HttpResponse<String> response = client.call("POST", "/v1/pods", body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = PlatformHarness.read(response.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo(code);
        assertThat(error.path("message").asText()).isNotBlank();
        if (field != null) {
            assertThat(error.path("field").asText()).isEqualTo(field);
        }
        assertThat(client.json("GET", "/v1/pods", null).path("pods").size()).isEqualTo(before);
    }

    @Test
    void aOneMiBSpec_isRefusedWith413_andCreatesNothing() {
        int before = client.json("GET", "/v1/pods", null).path("pods").size();
        String big = "{\"entrypoint\":[\"x\"],\"env\":{\"BIG\":\"" + "a".repeat(1024 * 1024) + "\"}}";

        HttpResponse<String> response = client.call("POST", "/v1/pods", big);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(PlatformHarness.read(response.body()).path("error").path("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(client.json("GET", "/v1/pods", null).path("pods").size()).isEqualTo(before);
    }

    @Test
    void missingOrWrongToken_is401_andCreatesNothing() {
        int before = client.json("GET", "/v1/pods", null).path("pods").size();
        String spec = Json.write(busyboxWeb(8080).build());

        HttpResponse<String> missing = PlatformHarness.send(client.http, HttpRequest.newBuilder(client.api.resolve("/v1/pods"))
                .POST(HttpRequest.BodyPublishers.ofString(spec)).build());
        HttpResponse<String> wrong = PlatformHarness.send(client.http, HttpRequest.newBuilder(client.api.resolve("/v1/pods"))
                .header("Authorization", "Bearer not-the-token").POST(HttpRequest.BodyPublishers.ofString(spec)).build());

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(PlatformHarness.read(wrong.body()).path("error").path("code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(wrong.body()).doesNotContain(client.token);
        assertThat(client.json("GET", "/v1/pods", null).path("pods").size()).isEqualTo(before);
    }

    /** Collects text messages of a WebSocket, one future per message. */
    private static final class Messages implements WebSocket.Listener {
        private final List<CompletableFuture<String>> received = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private int taken;

        synchronized CompletableFuture<String> next() {
            while (received.size() <= taken) {
                received.add(new CompletableFuture<>());
            }
            return received.get(taken++);
        }

        @Override
        public synchronized CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                int index = (int) received.stream().filter(CompletableFuture::isDone).count();
                while (received.size() <= index) {
                    received.add(new CompletableFuture<>());
                }
                received.get(index).complete(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    static Instant now() {
        return Instant.now();
    }
}
