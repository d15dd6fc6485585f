package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.MutableClock;
import dev.berth.image.FakeImageBuilder;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Json;
import dev.berth.pod.InMemoryPodStore;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodService;
import dev.berth.route.AuthToken;
import dev.berth.route.FakeRouter;
import dev.berth.run.FakePodRuntime;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API returns a token once, in {@code authToken} of the response that issued it, and never a hash. */
class RestApiAuthTest {
    private static final String AUTHORIZED = """
            {"entrypoint":["python3","-m","http.server","8000"],"ports":[8000],"authorized":true}""";

    private final InMemoryPodStore store = new InMemoryPodStore();
    private final PodEvents.Relay events = new PodEvents.Relay();
    private final FakeImageBuilder builder = new FakeImageBuilder(events, Set.of(ImageSpec.DEFAULT_BASE));
    private final FakePodRuntime runtime = new FakePodRuntime(events);
    private RestApi api;

    @BeforeEach
    void wire() {
        FakeRouter router = new FakeRouter();
        PodService service = new PodService(store, builder, runtime, router, router, router.urls(), MutableClock.create(), Runnable::run);
        events.bind(service);
        api = new RestApi(service);
    }

    private static JsonNode json(ApiResponse response) throws Exception {
        return Json.MAPPER.readTree(response.body());
    }

    private static String body(ApiResponse response) {
        return new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void createPod_whenAuthorized_returnsAuthTokenOnce_andNeverTheHash() throws Exception {
        ApiResponse created = api.handle(ApiRequest.of("POST", "/v1/pods", AUTHORIZED));

        assertThat(created.status()).isEqualTo(202);
        JsonNode pod = json(created);
        String token = pod.path("authToken").asText();
        String id = pod.path("id").asText();
        assertThat(token).startsWith(AuthToken.PREFIX);
        assertThat(pod.has("authTokenHash")).isFalse();
        assertThat(store.find(dev.berth.pod.PodId.of(id)).orElseThrow().authTokenHash()).isEqualTo(AuthToken.hash(token));

        String got = body(api.handle(ApiRequest.of("GET", "/v1/pods/" + id)));
        String listed = body(api.handle(ApiRequest.of("GET", "/v1/pods")));
        String stopped = body(api.handle(ApiRequest.of("DELETE", "/v1/pods/" + id)));
        for (String later : new String[] {got, listed, stopped}) {
            assertThat(later).contains(id).doesNotContain(token).doesNotContain("authToken").doesNotContain(AuthToken.hash(token));
        }
    }

    @Test
    void createPod_whenNotAuthorized_hasNoAuthToken() throws Exception {
        JsonNode pod = json(api.handle(ApiRequest.of("POST", "/v1/pods", """
                {"entrypoint":["x"],"ports":[8000]}""")));

        assertThat(pod.has("authToken")).isFalse();
    }

    @Test
    void deploy_returnsAuthTokenOnFirstDeployOnly_rotationIssuesANewOne() throws Exception {
        String spec = """
                {"name":"secure","entrypoint":["x"],"ports":[8000],"authorized":true}""";

        JsonNode first = json(api.handle(ApiRequest.of("POST", "/v1/deployments", spec)));
        JsonNode again = json(api.handle(ApiRequest.of("POST", "/v1/deployments", spec)));
        String shown = body(api.handle(ApiRequest.of("GET", "/v1/deployments/secure")))
                + body(api.handle(ApiRequest.of("GET", "/v1/deployments")));
        ApiResponse rotated = api.handle(ApiRequest.of("POST", "/v1/deployments/secure/token"));

        String token = first.path("authToken").asText();
        assertThat(token).startsWith(AuthToken.PREFIX);
        assertThat(first.path("pod").has("authTokenHash")).isFalse();
        assertThat(again.has("authToken")).isFalse();
        assertThat(shown).contains("secure").doesNotContain(token).doesNotContain("authToken").doesNotContain(AuthToken.hash(token));
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(json(rotated).path("authToken").asText()).startsWith(AuthToken.PREFIX).isNotEqualTo(token);
    }

    @Test
    void rotateToken_ofAnOpenDeployment_is400NamingAuthorized() throws Exception {
        api.handle(ApiRequest.of("POST", "/v1/deployments", """
                {"name":"open","entrypoint":["x"],"ports":[8000]}"""));

        ApiResponse response = api.handle(ApiRequest.of("POST", "/v1/deployments/open/token"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(json(response).path("error").path("field").asText()).isEqualTo("authorized");
    }
}
