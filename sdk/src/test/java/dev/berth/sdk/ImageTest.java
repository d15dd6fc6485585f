package dev.berth.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthClientException;
import dev.berth.InvalidSpecException;
import dev.berth.image.BuildContext;
import dev.berth.image.DockerfileRenderer;
import dev.berth.image.ImageSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTest {
    @TempDir
    Path dir;

    @Test
    void python_withPackagesCommandsCondaAndEnv_buildsTheSpec() {
        ImageSpec spec = Image.python("3.12").pythonPackages("flask==3.0.3").condaPackages("numpy")
                .commands("echo hi").env("MODE", "demo").build();

        assertThat(spec.pythonVersion()).isEqualTo("3.12");
        assertThat(spec.effectiveBase()).isEqualTo("python:3.12-slim");
        assertThat(spec.pythonPackages()).containsExactly("flask==3.0.3");
        assertThat(spec.condaPackages()).containsExactly("numpy");
        assertThat(spec.commands()).containsExactly("echo hi");
        assertThat(spec.env()).containsEntry("MODE", "demo");
    }

    @Test
    void fromRegistry_setsTheBase() {
        assertThat(Image.fromRegistry("debian:bookworm-slim").build().base()).isEqualTo("debian:bookworm-slim");
        assertThat(Image.defaults().build()).isEqualTo(ImageSpec.defaults());
    }

    @Test
    void requirementsFile_addsSpecifiers_skippingCommentsAndBlankLines() throws Exception {
        Path req = Files.writeString(dir.resolve("requirements.txt"), "# deps\nflask==3.0.3  # web\n\nrequests>=2\n");

        assertThat(Image.python("3.12").requirementsFile(req).build().pythonPackages()).containsExactly("flask==3.0.3", "requests>=2");
    }

    @Test
    void requirementsFile_withPipOption_rejectsNamingFileAndLine() throws Exception {
        Path req = Files.writeString(dir.resolve("requirements.txt"), "flask\n-r other.txt\n");

        assertThatThrownBy(() -> Image.python("3.12").requirementsFile(req))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining(req + ":2").hasMessageContaining("-r other.txt")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("image.pythonPackages");
    }

    @Test
    void addLocalPath_relative_goesUnderAppThroughTheRenderer() throws Exception {
        Path app = Files.writeString(dir.resolve("app.py"), "print('hi')\n");

        ImageSpec spec = Image.python("3.12").addLocalPath(app, "src/app.py").build();
        BuildContext context = DockerfileRenderer.render(spec);

        assertThat(spec.files()).containsOnlyKeys("src/app.py");
        assertThat(new String(Base64.getDecoder().decode(spec.files().get("src/app.py")), StandardCharsets.UTF_8)).isEqualTo("print('hi')\n");
        assertThat(context.dockerfile()).contains("COPY files/ /app/");
        assertThat(context.files()).containsKey("files/src/app.py");
    }

    @Test
    void addLocalPath_directory_addsEveryFileUnderIt() throws Exception {
        Files.createDirectories(dir.resolve("static/css"));
        Files.writeString(dir.resolve("static/index.html"), "<h1>hi</h1>");
        Files.writeString(dir.resolve("static/css/site.css"), "h1{}");

        ImageSpec spec = Image.python("3.12").addLocalPath(dir.resolve("static"), "/app/www").build();

        assertThat(spec.files()).containsOnlyKeys("www/index.html", "www/css/site.css");
    }

    @Test
    void addLocalPath_outsideAppForAnImageFromParts_rejectsWithField() throws Exception {
        Path app = Files.writeString(dir.resolve("app.py"), "x");

        assertThatThrownBy(() -> Image.python("3.12").addLocalPath(app, "/srv/app.py"))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("'/srv/app.py' is outside /app")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("image.files");
    }

    @Test
    void addLocalPath_missingFile_rejectsNamingThePath() {
        assertThatThrownBy(() -> Image.python("3.12").addLocalPath(dir.resolve("nope.py"), "nope.py"))
                .isInstanceOf(BerthClientException.class)
                .hasMessageContaining(dir.resolve("nope.py").toString()).hasMessageContaining("does not exist");
    }

    @Test
    void fromDockerfile_readsTheContext_withoutTheDockerfile_andAddLocalPathAppendsACopy() throws Exception {
        Path context = Files.createDirectories(dir.resolve("ctx"));
        Path dockerfile = Files.writeString(context.resolve("Dockerfile"), "FROM busybox:latest\nCOPY index.html /www/index.html");
        Files.writeString(context.resolve("index.html"), "hello");
        Path extra = Files.writeString(dir.resolve("extra.txt"), "extra");

        ImageSpec spec = Image.fromDockerfile(dockerfile, context).addLocalPath(extra, "/etc/extra.txt").build();

        assertThat(spec.files()).containsOnlyKeys("index.html", "etc/extra.txt");
        assertThat(spec.dockerfile()).isEqualTo("FROM busybox:latest\nCOPY index.html /www/index.html\nCOPY etc/extra.txt /etc/extra.txt");
    }

    @Test
    void build_withInvalidPythonVersion_rejectsWithField() {
        Image image = Image.python("2.7");

        assertThatThrownBy(image::build).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("Invalid image.pythonVersion '2.7'")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("image.pythonVersion");
    }
}
