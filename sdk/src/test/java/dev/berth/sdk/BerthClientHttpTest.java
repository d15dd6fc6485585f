package dev.berth.sdk;

import dev.berth.template.Template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import dev.berth.NotFoundException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The client against a JDK HttpServer on loopback that records requests and answers what a test tells it. */
class BerthClientHttpTest {
    @TempDir
    Path home;

    private HttpServer server;
    private final List<Map<String, List<String>>> requests = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final Map<String, Object[]> answers = new ConcurrentHashMap<>();

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(Map.copyOf(exchange.getRequestHeaders()));
            bodies.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Object[] answer = answers.getOrDefault(exchange.getRequestURI().getPath(), new Object[] {404, "{\"message\":\"Not Found\"}"});
            byte[] body = ((String) answer[1]).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders((int) answer[0], body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/prod");
    }

    private BerthClient awsClient() {
        return BerthClient.builder().endpoint(base()).awsRegion("eu-west-1").home(home).environment(Map.of())
                .awsCredentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG")))
                .build();
    }

    private BerthClient tokenClient() {
        return BerthClient.builder().endpoint(base()).token("tok-123").home(home).environment(Map.of()).build();
    }

    @Test
    void awsEndpoint_signsWithSigV4ForExecuteApi_fromStaticCredentials() {
        answers.put("/prod/v1/pods", new Object[] {200, "{\"pods\":[]}"});

        try (BerthClient client = awsClient()) {
            assertThat(client.list(dev.berth.pod.PodStatus.RUNNING)).isEmpty();
        }

        Map<String, List<String>> headers = requests.getFirst();
        String authorization = headers.get("Authorization").getFirst();
        String date = headers.get("X-amz-date").getFirst();
        assertThat(authorization).matches("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/execute-api/aws4_request, "
                + "SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}");
        assertThat(authorization).contains("/" + date.substring(0, 8) + "/");
        assertThat(bodies.getFirst()).startsWith("GET /prod/v1/pods?status=RUNNING ");
    }

    @Test
    void awsSignature_coversTheBody_soDifferentBodiesSignDifferently() {
        answers.put("/prod/v1/deployments", new Object[] {400, "{\"error\":{\"code\":\"INVALID_SPEC\",\"message\":\"no\",\"field\":\"name\"}}"});

        try (BerthClient client = awsClient()) {
            for (String name : List.of("app-one", "app-two")) {
                assertThatThrownBy(() -> client.deploy(Pod.builder().name(name).entrypoint("sleep", "1").build()))
                        .isInstanceOf(InvalidSpecException.class);
            }
        }

        assertThat(requests).hasSize(2);
        String first = requests.get(0).get("Authorization").getFirst();
        String second = requests.get(1).get("Authorization").getFirst();
        assertThat(first.substring(first.indexOf("Signature="))).isNotEqualTo(second.substring(second.indexOf("Signature=")));
        assertThat(requests.get(0).get("Content-type")).containsExactly("application/json");
    }

    @Test
    void tokenEndpoint_sendsTheBearerToken() {
        answers.put("/prod/v1/pods", new Object[] {200, "{\"pods\":[]}"});

        try (BerthClient client = tokenClient()) {
            client.list();
        }

        assertThat(requests.getFirst().get("Authorization")).containsExactly("Bearer tok-123");
    }

    @Test
    void errorJson_invalidSpec_becomesInvalidSpecExceptionWithField() {
        answers.put("/prod/v1/pods", new Object[] {400, "{\"error\":{\"code\":\"INVALID_SPEC\",\"message\":\"Invalid port 70000 at ports[0]; give …\",\"field\":\"ports[0]\"}}"});

        try (BerthClient client = tokenClient()) {
            assertThatThrownBy(() -> client.create(Pod.builder().entrypoint("sleep", "1").build()))
                    .isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                        assertThat(e.field()).isEqualTo("ports[0]");
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SPEC);
                    })
                    .hasMessage("Invalid port 70000 at ports[0]; give …");
        }
    }

    @Test
    void templates_readsNameDescriptionSpecAndGpuNeed() {
        answers.put("/prod/v1/templates", new Object[] {200, "{\"templates\":[{\"name\":\"jupyter\",\"description\":\"JupyterLab\","
                + "\"spec\":{\"image\":{\"pythonPackages\":[\"jupyterlab\"]},\"entrypoint\":[\"jupyter\",\"lab\"],\"ports\":[8888]},"
                + "\"requiresGpu\":false,\"addedLater\":1}]}"});

        try (BerthClient client = tokenClient()) {
            List<Template> templates = client.templates();

            assertThat(templates).hasSize(1);
            Template jupyter = templates.getFirst();
            assertThat(jupyter.name()).isEqualTo("jupyter");
            assertThat(jupyter.description()).isEqualTo("JupyterLab");
            assertThat(jupyter.requiresGpu()).isFalse();
            assertThat(jupyter.spec().ports()).containsExactly(8888);
            assertThat(jupyter.spec().entrypoint()).containsExactly("jupyter", "lab");
            assertThat(jupyter.spec().image().pythonPackages()).containsExactly("jupyterlab");
        }
    }

    @Test
    void template_unknownName_becomesNotFoundNamingTheAvailableOnes() {
        answers.put("/prod/v1/templates/jupyterx", new Object[] {404,
                "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Unknown template 'jupyterx'; available: jupyter, streamlit\"}}"});

        try (BerthClient client = tokenClient()) {
            assertThatThrownBy(() -> client.template("jupyterx")).isInstanceOf(NotFoundException.class)
                    .hasMessage("Unknown template 'jupyterx'; available: jupyter, streamlit");
        }
        assertThat(bodies.getFirst()).startsWith("GET /prod/v1/templates/jupyterx ");
    }

    @Test
    void errorJson_notFound_becomesNotFoundException() {
        answers.put("/prod/v1/pods/pabcdefghijk", new Object[] {404, "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"No pod 'pabcdefghijk'\"}}"});

        try (BerthClient client = tokenClient()) {
            assertThatThrownBy(() -> client.get("pabcdefghijk")).isInstanceOf(NotFoundException.class).hasMessage("No pod 'pabcdefghijk'");
        }
    }

    @Test
    void errorJson_otherClientCodes_keepCodeAndField() {
        answers.put("/prod/v1/pods", new Object[] {422, "{\"error\":{\"code\":\"UNSUPPORTED\",\"message\":\"no GPU runtime\",\"field\":\"gpu\"}}"});

        try (BerthClient client = tokenClient()) {
            assertThatThrownBy(() -> client.create(Pod.builder().entrypoint("sleep", "1").build()))
                    .isExactlyInstanceOf(BerthClientException.class)
                    .hasMessage("no GPU runtime")
                    .satisfies(e -> {
                        assertThat(((BerthClientException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED);
                        assertThat(((BerthClientException) e).field()).isEqualTo("gpu");
                    });
        }
    }

    @Test
    void errorJson_serverSide_becomesBerthServiceException() {
        answers.put("/prod/v1/deployments", new Object[] {503, "{\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"store busy\"}}"});

        try (BerthClient client = tokenClient()) {
            assertThatThrownBy(client::deployments).isInstanceOfSatisfying(BerthServiceException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE)).hasMessage("store busy");
        }
    }

    @Test
    void nonBerthError_apiGatewayForbidden_saysToCheckCredentials() {
        answers.put("/prod/v1/deployments", new Object[] {403, "{\"message\":\"Forbidden\"}"});

        try (BerthClient client = awsClient()) {
            assertThatThrownBy(client::deployments).isInstanceOfSatisfying(BerthClientException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN))
                    .hasMessageContaining("HTTP 403 from GET " + base() + "/v1/deployments: Forbidden")
                    .hasMessageContaining("execute-api:Invoke");
        }
    }

    @Test
    void unreachableEndpoint_isAServiceExceptionNamingTheEndpointSource() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (BerthClient client = BerthClient.builder().endpoint(URI.create("http://127.0.0.1:" + port)).token("t").home(home)
                .environment(Map.of()).build()) {
            assertThatThrownBy(client::list).isInstanceOfSatisfying(BerthServiceException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("nothing answers there").hasMessageContaining("the builder's endpoint");
        }
    }
}
