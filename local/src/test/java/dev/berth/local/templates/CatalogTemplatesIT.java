package dev.berth.local.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthClientException;
import dev.berth.ErrorCode;
import dev.berth.sdk.Pod;
import dev.berth.sdk.PodInstance;
import dev.berth.template.Template;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rest of the catalog: every template builds and starts (jupyter, streamlit and code-sandbox have their own
 * classes), and the one needing a GPU is refused at creation with a message naming the gpu field.
 */
class CatalogTemplatesIT {
    @TempDir
    static Path home;

    private static TemplatePlatform berth;

    @BeforeAll
    static void start() {
        berth = TemplatePlatform.start(home);
    }

    @AfterAll
    static void stop() {
        if (berth != null) {
            berth.close();
        }
    }

    private static HttpResponse<String> get(PodInstance pod, int port, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(pod.url(port).resolve(path)).timeout(Duration.ofSeconds(30));
        pod.authToken().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return berth.client.httpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void catalog_listsEveryTemplate() {
        assertThat(berth.client.templates()).extracting(Template::name)
                .containsExactly("jupyter", "streamlit", "reflex", "comfyui", "code-sandbox", "static", "web");
    }

    @Test
    void static_servesItsSite() throws Exception {
        PodInstance pod = berth.startAndAwait("static", berth.template("static").spec(), Duration.ofMinutes(5));

        HttpResponse<String> page = get(pod, 8080, "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h1 id=\"title\">A static site on Berth</h1>");
        assertThat(get(pod, 8080, "/style.css").body()).contains("font-family");
    }

    @Test
    void web_servesHtmlAndJson() throws Exception {
        PodInstance pod = berth.startAndAwait("web", berth.template("web").spec(), Duration.ofMinutes(5));

        assertThat(get(pod, 8000, "/").body()).contains("<h1>Hello from a Python web app on Berth</h1>");
        assertThat(get(pod, 8000, "/api/hello").body()).isEqualTo("{\"message\": \"Hello from Berth\"}");
    }

    @Test
    void reflex_buildsAndItsBackendAnswers() throws Exception {
        PodInstance pod = berth.startAndAwait("reflex", berth.template("reflex").spec(), Duration.ofMinutes(10));

        HttpResponse<String> ping = get(pod, 8000, "/ping");
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("\"pong\"");
    }

    @Test
    void comfyui_withoutAGpu_isRefusedAtCreationNamingTheGpuField() {
        Template comfy = berth.template("comfyui");

        assertThat(comfy.requiresGpu()).isTrue();
        assertThatThrownBy(() -> berth.client.create(Pod.of(comfy.spec())))
                .isInstanceOf(BerthClientException.class)
                .hasMessageContaining("gpu is 'any' but this machine's container engine has no GPU runtime")
                .satisfies(e -> {
                    assertThat(((BerthClientException) e).field()).isEqualTo("gpu");
                    assertThat(((BerthClientException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED);
                });
        assertThat(berth.client.list()).noneMatch(p -> p.record().spec().gpu() != null);
    }

    @Test
    void unknownTemplate_isRefusedNamingTheAvailableOnes() {
        assertThatThrownBy(() -> berth.client.template("jupyterx"))
                .isInstanceOf(dev.berth.NotFoundException.class)
                .hasMessage("Unknown template 'jupyterx'; available: jupyter, streamlit, reflex, comfyui, code-sandbox, static, web");
    }
}
