package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.MutableClock;
import dev.berth.image.FakeImageBuilder;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Json;
import dev.berth.pod.InMemoryPodStore;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodQuery;
import dev.berth.pod.PodService;
import dev.berth.pod.PodSpec;
import dev.berth.reap.Activity;
import dev.berth.reap.ActivitySource;
import dev.berth.route.Route;
import dev.berth.route.Router;
import dev.berth.route.UrlScheme;
import dev.berth.run.FakePodRuntime;
import dev.berth.template.Template;
import dev.berth.template.TemplateCatalog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RestApiTest {
    private static final String VALID = """
            {"entrypoint":["python3","-m","http.server","8000"],"ports":[8000],"env":{"GREETING":"hi"}}""";

    private final InMemoryPodStore store = new InMemoryPodStore();
    private final PodEvents.Relay events = new PodEvents.Relay();
    private final FakeImageBuilder builder = new FakeImageBuilder(events, Set.of(ImageSpec.DEFAULT_BASE));
    private final FakePodRuntime runtime = new FakePodRuntime(events);
    private RestApi api;

    @BeforeEach
    void wire() {
        NoRouter router = new NoRouter();
        PodService service = new PodService(store, builder, runtime, router, router, new UrlScheme("pods.localhost", 8443),
                MutableClock.create(), Runnable::run);
        events.bind(service);
        api = new RestApi(service);
    }

    private static JsonNode json(ApiResponse response) throws Exception {
        return Json.MAPPER.readTree(response.body());
    }

    @Test
    void createPod_returns202WithIdStatusAndUrls() throws Exception {
        ApiResponse response = api.handle(ApiRequest.of("POST", "/v1/pods", VALID));

        assertThat(response.status()).isEqualTo(202);
        JsonNode pod = json(response);
        String id = pod.get("id").asText();
        assertThat(id).matches("p[a-z0-9]{11}");
        assertThat(pod.get("status").asText()).isEqualTo("PENDING");
        assertThat(pod.get("urls").get("8000").asText()).isEqualTo("https://" + id + "-8000.pods.localhost:8443/");
        assertThat(pod.get("spec").get("keepWarmSeconds").asInt()).isEqualTo(600);
        assertThat(pod.get("spec").get("env").get("GREETING").asText()).isEqualTo("hi");

        ApiResponse got = api.handle(ApiRequest.of("GET", "/v1/pods/" + id));
        assertThat(got.status()).isEqualTo(200);
        assertThat(json(got).get("status").asText()).isEqualTo("BUILDING");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            port 0              | {"entrypoint":["x"],"ports":[0]}                          | INVALID_SPEC   | ports[0]          | Invalid port 0
            port 70000          | {"entrypoint":["x"],"ports":[70000]}                      | INVALID_SPEC   | ports[0]          | between 1 and 65535
            keep-warm -2        | {"entrypoint":["x"],"keepWarmSeconds":-2}                 | INVALID_SPEC   | keepWarmSeconds   | use -1
            empty entrypoint    | {"entrypoint":[],"ports":[8000]}                          | INVALID_SPEC   | entrypoint        | entrypoint is empty
            missing entrypoint  | {"ports":[8000]}                                          | INVALID_SPEC   | entrypoint        | entrypoint is empty
            invalid env name    | {"entrypoint":["x"],"env":{"1BAD":"v"}}                   | INVALID_SPEC   | env.1BAD          | Invalid environment variable name '1BAD'
            unknown image       | {"entrypoint":["x"],"image":{"base":"nosuch:1"}}          | INVALID_SPEC   | image.base        | nosuch:1
            bad image reference | {"entrypoint":["x"],"image":{"base":"Not An Image"}}      | INVALID_SPEC   | image.base        | Invalid image.base
            unknown field       | {"entrypoint":["x"],"keepWarm":5}                         | INVALID_SPEC   | keepWarm          | Unknown field 'keepWarm'
            wrong type          | {"entrypoint":["x"],"ports":["eighty"]}                   | INVALID_SPEC   | ports[0]          | expected an integer
            malformed JSON      | {"entrypoint":["x"                                        | MALFORMED_JSON |                   | Malformed JSON
            not an object       | [1,2]                                                     | INVALID_SPEC   |                   | expected a JSON object
            name on a pod       | {"entrypoint":["x"],"name":"app"}                         | INVALID_SPEC   | name              | deploy
            bad gpu             | {"entrypoint":["x"],"gpu":"GTX"}                          | INVALID_SPEC   | gpu               | Unknown gpu 'GTX'
            """)
    void createPod_withBadInput_answers400NamingFieldAndCreatesNothing(String label, String body, String code, String field,
                                                                      String message) throws Exception {
        ApiResponse response = api.handle(ApiRequest.of("POST", "/v1/pods", body));

        assertThat(response.status()).as(response.bodyText()).isEqualTo(400);
        JsonNode error = json(response).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).contains(message);
        if (field == null) {
            assertThat(error.has("field")).isFalse();
        } else {
            assertThat(error.get("field").asText()).isEqualTo(field);
        }
        assertThat(store.list(PodQuery.all())).isEmpty();
        assertThat(builder.buildsStarted()).isZero();
    }

    @Test
    void createPod_withA1MiBSpec_answers413AndCreatesNothing() throws Exception {
        String big = "{\"entrypoint\":[\"x\"],\"env\":{\"BIG\":\"" + "a".repeat(1024 * 1024) + "\"}}";

        ApiResponse response = api.handle(ApiRequest.of("POST", "/v1/pods", big));

        assertThat(response.status()).isEqualTo(413);
        assertThat(json(response).get("error").get("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(store.list(PodQuery.all())).isEmpty();
    }

    @Test
    void createPod_withEmptyBody_saysWhatToSend() throws Exception {
        ApiResponse response = api.handle(ApiRequest.of("POST", "/v1/pods", ""));

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).get("error").get("message").asText()).contains("send a pod spec");
    }

    @Test
    void deletePod_isIdempotentAndRecordsUser() throws Exception {
        String id = json(api.handle(ApiRequest.of("POST", "/v1/pods", VALID))).get("id").asText();

        ApiResponse first = api.handle(ApiRequest.of("DELETE", "/v1/pods/" + id));
        ApiResponse second = api.handle(ApiRequest.of("DELETE", "/v1/pods/" + id));

        assertThat(first.status()).isEqualTo(200);
        assertThat(json(first).get("status").asText()).isEqualTo("STOPPED");
        assertThat(json(first).get("stopReason").asText()).isEqualTo("USER");
        assertThat(second.status()).isEqualTo(200);
        assertThat(json(second).get("version").asLong()).isEqualTo(json(first).get("version").asLong());
    }

    @Test
    void listPods_filtersByStatus_andRejectsAnUnknownStatus() throws Exception {
        api.handle(ApiRequest.of("POST", "/v1/pods", VALID));
        String stopped = json(api.handle(ApiRequest.of("POST", "/v1/pods", VALID))).get("id").asText();
        api.handle(ApiRequest.of("DELETE", "/v1/pods/" + stopped));

        ApiResponse onlyStopped = api.handle(new ApiRequest("GET", "/v1/pods", Map.of("status", List.of("stopped")), null));
        ApiResponse bad = api.handle(new ApiRequest("GET", "/v1/pods", Map.of("status", List.of("ASLEEP")), null));

        assertThat(json(onlyStopped).get("pods")).hasSize(1);
        assertThat(json(onlyStopped).get("pods").get(0).get("id").asText()).isEqualTo(stopped);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(json(bad).get("error").get("field").asText()).isEqualTo("status");
    }

    @Test
    void getPod_unknownOrMalformedId_is404() throws Exception {
        assertThat(api.handle(ApiRequest.of("GET", "/v1/pods/p00000000000")).status()).isEqualTo(404);
        ApiResponse malformed = api.handle(ApiRequest.of("GET", "/v1/pods/nope"));
        assertThat(malformed.status()).isEqualTo(404);
        assertThat(json(malformed).get("error").get("message").asText()).contains("'nope'");
    }

    @Test
    void logs_ofAnExitedPod_areText_andFollowStreams() throws Exception {
        builder.preBuilt(ImageSpec.defaults());
        String id = json(api.handle(ApiRequest.of("POST", "/v1/pods", VALID))).get("id").asText();
        runtime.exit(dev.berth.pod.PodId.of(id), 0, "hello", "bye");

        ApiResponse logs = api.handle(ApiRequest.of("GET", "/v1/pods/" + id + "/logs"));
        ApiResponse follow = api.handle(new ApiRequest("GET", "/v1/pods/" + id + "/logs", Map.of("follow", List.of("true")), null));

        assertThat(logs.bodyText()).isEqualTo("hello\nbye\n");
        assertThat(follow.isStreaming()).isTrue();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        follow.streaming().writeTo(out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello\nbye\n");
    }

    @Test
    void deployments_createListGetStartStopDelete() throws Exception {
        builder.preBuilt(ImageSpec.defaults());
        String spec = "{\"name\":\"web\",\"entrypoint\":[\"x\"],\"ports\":[8000]}";

        JsonNode created = json(api.handle(ApiRequest.of("POST", "/v1/deployments", spec)));
        assertThat(created.get("urls").get("8000").asText()).isEqualTo("https://web-8000.pods.localhost:8443/");
        assertThat(created.get("pod").get("deployment").asText()).isEqualTo("web");

        assertThat(json(api.handle(ApiRequest.of("GET", "/v1/deployments"))).get("deployments")).hasSize(1);
        JsonNode stopped = json(api.handle(ApiRequest.of("POST", "/v1/deployments/web/stop")));
        assertThat(stopped.get("pod").get("status").asText()).isEqualTo("STOPPED");
        JsonNode started = json(api.handle(ApiRequest.of("POST", "/v1/deployments/web/start")));
        assertThat(started.get("pod").get("status").asText()).isEqualTo("STARTING");
        assertThat(started.get("pod").get("id").asText()).isNotEqualTo(created.get("pod").get("id").asText());

        assertThat(api.handle(ApiRequest.of("DELETE", "/v1/deployments/web")).status()).isEqualTo(204);
        assertThat(api.handle(ApiRequest.of("GET", "/v1/deployments/web")).status()).isEqualTo(404);
    }

    @Test
    void images_showBuildStatus_and404ForUnknown() throws Exception {
        JsonNode pod = json(api.handle(ApiRequest.of("POST", "/v1/pods", VALID)));

        ApiResponse image = api.handle(ApiRequest.of("GET", "/v1/images/" + pod.get("imageId").asText()));
        ApiResponse unknown = api.handle(ApiRequest.of("GET", "/v1/images/" + "0".repeat(64)));

        assertThat(json(image).get("status").asText()).isEqualTo("BUILDING");
        assertThat(unknown.status()).isEqualTo(404);
    }

    @Test
    void health_openApi_unknownRoute_andWrongMethod() throws Exception {
        assertThat(json(api.handle(ApiRequest.of("GET", "/v1/health"))).get("status").asText()).isEqualTo("ok");
        JsonNode openApi = json(api.handle(ApiRequest.of("GET", "/v1/openapi.json")));
        assertThat(openApi.get("openapi").asText()).startsWith("3.");
        assertThat(openApi.get("paths").has("/v1/pods/{id}/logs")).isTrue();
        assertThat(openApi.get("paths").has("/v1/templates")).isTrue();
        assertThat(openApi.get("paths").has("/v1/templates/{name}")).isTrue();
        assertThat(openApi.at("/components/schemas/PodSpec/properties").has("readOnlyRootFilesystem")).isTrue();
        assertThat(api.handle(ApiRequest.of("GET", "/v1/nothing")).status()).isEqualTo(404);
        ApiResponse wrong = api.handle(ApiRequest.of("PUT", "/v1/pods"));
        assertThat(wrong.status()).isEqualTo(405);
        assertThat(json(wrong).get("error").get("message").asText()).contains("GET, POST");
    }

    private RestApi withTemplates() {
        NoRouter router = new NoRouter();
        PodService service = new PodService(new InMemoryPodStore(), builder, runtime, router, router,
                new UrlScheme("pods.localhost", 8443), MutableClock.create(), Runnable::run);
        PodSpec notebook = PodSpec.builder().entrypoint("jupyter", "lab").ports(8888).authorized(true).build();
        PodSpec gpu = PodSpec.builder().entrypoint("python3", "main.py").ports(8188).gpu("any").build();
        return new RestApi(service, TemplateCatalog.of(List.of(
                new Template("jupyter", "JupyterLab", notebook, false),
                new Template("comfyui", "ComfyUI", gpu, true))));
    }

    @Test
    void templates_listsEveryTemplateWithItsSpec() throws Exception {
        ApiResponse response = withTemplates().handle(ApiRequest.of("GET", "/v1/templates"));

        assertThat(response.status()).isEqualTo(200);
        JsonNode templates = json(response).get("templates");
        assertThat(templates).hasSize(2);
        assertThat(templates.get(0).get("name").asText()).isEqualTo("jupyter");
        assertThat(templates.get(0).get("description").asText()).isEqualTo("JupyterLab");
        assertThat(templates.get(0).get("spec").get("ports").get(0).asInt()).isEqualTo(8888);
        assertThat(templates.get(0).get("spec").get("authorized").asBoolean()).isTrue();
        assertThat(templates.get(0).get("requiresGpu").asBoolean()).isFalse();
        assertThat(templates.get(1).get("requiresGpu").asBoolean()).isTrue();
    }

    @Test
    void template_byName_returnsIt_andAnUnknownNameIs404ListingTheAvailableOnes() throws Exception {
        RestApi templated = withTemplates();

        ApiResponse one = templated.handle(ApiRequest.of("GET", "/v1/templates/comfyui"));
        ApiResponse unknown = templated.handle(ApiRequest.of("GET", "/v1/templates/jupyterx"));
        ApiResponse post = templated.handle(ApiRequest.of("POST", "/v1/templates", "{}"));

        assertThat(one.status()).isEqualTo(200);
        assertThat(json(one).get("spec").get("gpu").asText()).isEqualTo("any");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(json(unknown).get("error").get("code").asText()).isEqualTo("NOT_FOUND");
        assertThat(json(unknown).get("error").get("message").asText())
                .isEqualTo("Unknown template 'jupyterx'; available: jupyter, comfyui");
        assertThat(post.status()).isEqualTo(405);
    }

    @Test
    void templates_withoutACatalog_listNone() throws Exception {
        ApiResponse response = api.handle(ApiRequest.of("GET", "/v1/templates"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(json(response).get("templates")).isEmpty();
        assertThat(json(api.handle(ApiRequest.of("GET", "/v1/templates/jupyter"))).get("error").get("message").asText())
                .isEqualTo("Unknown template 'jupyter'; available: none (this platform has no template catalog)");
    }

    private static final class NoRouter implements Router, ActivitySource {
        @Override
        public void publish(Route route) {
        }

        @Override
        public void withdraw(dev.berth.pod.PodId podId) {
        }

        @Override
        public Activity activity(dev.berth.pod.PodId podId) {
            return Activity.NONE;
        }
    }
}
