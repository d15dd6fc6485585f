package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth templates} and {@code berth run --template} as processes against a stand-in of the templates API
 * ({@code GET /v1/templates[/{name}]}, being added to the platform in parallel) reached through
 * {@code BERTH_ENDPOINT} and {@code BERTH_TOKEN}, as a remote platform would be.
 */
class CliTemplatesIT {
    private static final String SPEC = "{\"image\":{\"base\":\"busybox:latest\"},\"entrypoint\":[\"httpd\",\"-f\",\"-p\",\"8080\"],"
            + "\"ports\":[8080],\"env\":{\"FROM_TEMPLATE\":\"1\"},\"keepWarmSeconds\":300}";
    private static final String GPU_SPEC = SPEC.replace("\"keepWarmSeconds\"", "\"gpu\":\"any\",\"keepWarmSeconds\"");
    private static final String TEMPLATE = "{\"name\":\"web\",\"description\":\"A busybox web server\",\"spec\":" + SPEC + ",\"requiresGpu\":false}";

    @TempDir
    static Path home;

    private static HttpServer server;
    private static final List<String> requests = new CopyOnWriteArrayList<>();
    private static CliProcess berth;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization") + " " + body);
            String path = exchange.getRequestURI().getPath();
            int status = 200;
            String answer;
            if (path.equals("/v1/templates")) {
                answer = "{\"templates\":[" + TEMPLATE + ",{\"name\":\"gpu-lab\",\"description\":\"Needs a GPU\",\"spec\":" + GPU_SPEC
                        + ",\"requiresGpu\":true}]}";
            } else if (path.equals("/v1/templates/web")) {
                answer = TEMPLATE;
            } else if (path.startsWith("/v1/templates/")) {
                status = 404;
                answer = "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Unknown template 'webx'; available: gpu-lab, web\"}}";
            } else if (path.equals("/v1/pods") && exchange.getRequestMethod().equals("POST")) {
                status = 202;
                answer = "{\"id\":\"pabcdefghij1\",\"spec\":" + body + ",\"status\":\"PENDING\",\"imageId\":\"" + "a".repeat(64) + "\","
                        + "\"urls\":{\"9090\":\"https://pabcdefghij1-9090.pods.example.com/\"},\"createdAt\":\"2025-01-01T00:00:00Z\","
                        + "\"updatedAt\":\"2025-01-01T00:00:00Z\",\"version\":0,\"authToken\":\"tok/en+1\"}";
            } else {
                status = 404;
                answer = "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"No route\"}}";
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        berth = new CliProcess(home, Map.of("BERTH_ENDPOINT", "http://127.0.0.1:" + server.getAddress().getPort(), "BERTH_TOKEN", "t-1"));
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Test
    void templates_listsThem_asTableAndJson() {
        CliProcess.Result table = berth.run("templates");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        assertThat(table.out().lines().toList()).hasSize(3);
        assertThat(table.out()).contains("NAME", "web", "8080", "A busybox web server", "gpu-lab", "yes");

        CliProcess.Result json = berth.run("templates", "--output", "json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        JsonNode web = json.json().path("templates").get(0);
        assertThat(web.path("name").asText()).isEqualTo("web");
        assertThat(web.path("description").asText()).isEqualTo("A busybox web server");
        assertThat(web.path("requiresGpu").asBoolean()).isFalse();
        assertThat(web.path("spec").path("ports").get(0).asInt()).isEqualTo(8080);
        assertThat(json.json().path("templates").get(1).path("requiresGpu").asBoolean()).isTrue();
        assertThat(requests).anyMatch(r -> r.startsWith("GET /v1/templates Bearer t-1"));
    }

    @Test
    void runTemplate_appliesFlagsOnTheTemplatesSpec_andPrintsTheUrlWithItsToken() {
        CliProcess.Result run = berth.run("run", "--template", "web", "--port", "9090", "--entrypoint", "httpd -f -p 9090",
                "--env", "EXTRA=2", "--authorized", "--detach");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.lastLine()).isEqualTo("https://pabcdefghij1-9090.pods.example.com/?auth_token=tok%2Fen%2B1");
        String create = requests.stream().filter(r -> r.startsWith("POST /v1/pods")).findFirst().orElseThrow();
        JsonNode sent = PlatformHarness.read(create.substring(create.indexOf('{')));
        assertThat(sent.path("ports").toString()).isEqualTo("[9090]");
        assertThat(sent.path("entrypoint").toString()).isEqualTo("[\"httpd\",\"-f\",\"-p\",\"9090\"]");
        assertThat(sent.path("env").path("FROM_TEMPLATE").asText()).isEqualTo("1");
        assertThat(sent.path("env").path("EXTRA").asText()).isEqualTo("2");
        assertThat(sent.path("image").path("base").asText()).isEqualTo("busybox:latest");
        assertThat(sent.path("keepWarmSeconds").asInt()).isEqualTo(300);
        assertThat(sent.path("authorized").asBoolean()).isTrue();
    }

    @Test
    void runTemplate_unknownName_isRefusedNamingTheAvailableOnes_exit1() {
        CliProcess.Result run = berth.run("run", "--template", "webx", "--detach");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).contains("Unknown template 'webx'; available: gpu-lab, web");
    }
}
