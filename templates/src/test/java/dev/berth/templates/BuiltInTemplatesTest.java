package dev.berth.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.NotFoundException;
import dev.berth.image.BuildContext;
import dev.berth.image.DockerfileRenderer;
import dev.berth.internal.Json;
import dev.berth.pod.PodSpec;
import dev.berth.template.Template;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class BuiltInTemplatesTest {
    private final BuiltInTemplates catalog = new BuiltInTemplates();

    private String file(String template, String path) {
        return new String(Base64.getDecoder().decode(catalog.get(template).spec().image().files().get(path)), StandardCharsets.UTF_8);
    }

    @Test
    void list_holdsEveryTemplateOfTheIssue_inCatalogOrder() {
        assertThat(catalog.list()).extracting(Template::name)
                .containsExactly("jupyter", "streamlit", "reflex", "comfyui", "code-sandbox", "static", "web");
        assertThat(catalog.list()).allSatisfy(t -> assertThat(t.description()).isNotBlank());
    }

    @Test
    void everyTemplate_rendersADockerfile_andRoundTripsThroughTheApiJson() {
        for (Template t : catalog.list()) {
            BuildContext context = DockerfileRenderer.render(t.spec().image());
            assertThat(context.dockerfile()).as(t.name()).startsWith("FROM ");
            assertThat(Json.read(Json.write(t.spec()), PodSpec.class)).as(t.name()).isEqualTo(t.spec());
        }
    }

    @Test
    void onlyComfyUi_requiresAGpu() {
        assertThat(catalog.list()).filteredOn(Template::requiresGpu).extracting(Template::name).containsExactly("comfyui");
        assertThat(catalog.get("comfyui").spec().gpu()).isEqualTo("any");
    }

    @Test
    void jupyter_replacesItsTokenWithBerthsPodAuth_andShipsAWelcomeNotebook() {
        PodSpec spec = catalog.get("jupyter").spec();

        assertThat(spec.authorized()).isTrue();
        assertThat(spec.entrypoint()).contains("--IdentityProvider.token=", "--ip=0.0.0.0", "--port=8888");
        assertThat(spec.ports()).containsExactly(8888);
        assertThat(Json.MAPPER.valueToTree(Json.read(file("jupyter", "welcome.ipynb"), Object.class)).path("nbformat").asInt())
                .isEqualTo(4);
    }

    @Test
    void codeSandbox_isLockedDownByDefault() {
        PodSpec spec = catalog.get("code-sandbox").spec();

        assertThat(spec.blockNetwork()).isTrue();
        assertThat(spec.readOnlyRootFilesystem()).isTrue();
        assertThat(spec.cpu()).isLessThanOrEqualTo(0.5);
        assertThat(spec.memoryMiB()).isLessThanOrEqualTo(512);
        assertThat(spec.image().dockerfile()).contains("useradd").containsPattern("(?m)^USER 10001:10001$");
        assertThat(file("code-sandbox", "sandbox_server.py")).contains("RLIMIT_NPROC", "RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE");
    }

    @Test
    void appFile_isKnownForTheTemplatesThatRunAUsersApp() {
        assertThat(catalog.appFile("streamlit")).contains("app.py");
        assertThat(catalog.appFile("web")).contains("app.py");
        assertThat(catalog.appFile("static")).contains("index.html");
        assertThat(catalog.appFile("jupyter")).isEmpty();
        assertThatThrownBy(() -> catalog.appFile("jupyterx"))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("Unknown template 'jupyterx'; available: jupyter, streamlit, reflex, comfyui, code-sandbox, static, web");
    }
}
