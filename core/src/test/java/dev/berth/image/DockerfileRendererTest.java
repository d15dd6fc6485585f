package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DockerfileRendererTest {

    @Test
    void render_putsLayersInOrder_withQuotedPackagesAndEnv() {
        ImageSpec spec = ImageSpec.builder().pythonVersion("3.11").env("GREETING", "say \"hi\" $HOME")
                .pythonPackages("flask==3.0.0", "it's").commands("mkdir -p /data").build();

        String dockerfile = DockerfileRenderer.render(spec).dockerfile();

        assertThat(dockerfile).startsWith("FROM python:3.11-slim\n");
        assertThat(dockerfile).contains("ENV GREETING=\"say \\\"hi\\\" \\$HOME\"\n");
        assertThat(dockerfile).contains("RUN python3 -m pip install 'flask==3.0.0' 'it'\\''s'\n");
        assertThat(dockerfile.indexOf("pip install")).isLessThan(dockerfile.indexOf("RUN mkdir -p /data"));
        assertThat(dockerfile).endsWith("WORKDIR /app\n");
    }

    @Test
    void render_condaPackages_useMicromambaFromCondaForgeOnPath() {
        String dockerfile = DockerfileRenderer.render(ImageSpec.builder().condaPackages("numpy", "ffmpeg").build()).dockerfile();

        assertThat(dockerfile).contains(DockerfileRenderer.MICROMAMBA_URL)
                .contains("micromamba create -y -p /opt/conda -c conda-forge 'numpy' 'ffmpeg'")
                .contains("ENV PATH=/opt/conda/bin:$PATH");
    }

    @Test
    void render_filesAreCopiedToApp() {
        BuildContext context = DockerfileRenderer.render(ImageSpec.builder().file("app.py", "print(1)".getBytes(StandardCharsets.UTF_8)).build());

        assertThat(context.dockerfile()).contains("COPY files/ /app/\n");
        assertThat(context.files()).containsOnlyKeys("files/app.py");
        assertThat(new String(context.files().get("files/app.py"), StandardCharsets.UTF_8)).isEqualTo("print(1)");
    }

    @Test
    void render_dockerfile_passesThroughWithItsContext() {
        ImageSpec spec = ImageSpec.builder().dockerfile("FROM busybox:latest\nCOPY index.html /www/").file("index.html", new byte[] {'x'}).build();

        BuildContext context = DockerfileRenderer.render(spec);

        assertThat(context.dockerfile()).isEqualTo("FROM busybox:latest\nCOPY index.html /www/\n");
        assertThat(context.files()).containsOnlyKeys("index.html");
    }

    @Test
    void render_isDeterministic() {
        ImageSpec spec = ImageSpec.builder().env("B", "1").env("A", "2").pythonPackages("x").build();

        assertThat(DockerfileRenderer.render(spec).dockerfile()).isEqualTo(DockerfileRenderer.render(spec).dockerfile());
    }
}
