package dev.berth.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import dev.berth.NotFoundException;
import dev.berth.pod.PodSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateTest {
    private static final PodSpec WEB = PodSpec.builder().entrypoint("python3", "app.py").ports(8000).build();

    @Test
    void create_whenRequiresGpuDisagreesWithTheSpec_rejectsNamingBoth() {
        assertThatThrownBy(() -> new Template("gpu", "needs one", WEB, true))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("Template 'gpu' says requiresGpu=true but its spec's gpu is unset; set both or neither");
    }

    @Test
    void create_whenNameIsNotALabel_rejectsWithField() {
        assertThatThrownBy(() -> new Template("Web App", "x", WEB, false))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("Invalid template name 'Web App'")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("name");
    }

    @Test
    void catalog_get_whenUnknown_namesTheAvailableOnes() {
        TemplateCatalog catalog = TemplateCatalog.of(List.of(new Template("web", "a web app", WEB, false),
                new Template("static", "a site", WEB, false)));

        assertThat(catalog.get("web").spec()).isEqualTo(WEB);
        assertThat(catalog.find("nope")).isEmpty();
        assertThatThrownBy(() -> catalog.get("jupyterx"))
                .isInstanceOf(NotFoundException.class)
                .hasMessage("Unknown template 'jupyterx'; available: web, static");
    }

    @Test
    void catalog_of_whenANameRepeats_refuses() {
        Template web = new Template("web", "a web app", WEB, false);

        assertThatThrownBy(() -> TemplateCatalog.of(List.of(web, web))).hasMessage("Template 'web' is listed twice");
    }
}
