package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import dev.berth.internal.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageSpecTest {

    @Test
    void imageId_isTheSameForEqualSpecs_andDiffersWhenAnythingChanges() {
        ImageSpec a = ImageSpec.builder().pythonPackages("flask").env("B", "2").env("A", "1").build();
        ImageSpec b = ImageSpec.builder().env("A", "1").env("B", "2").pythonPackages("flask").build();
        ImageSpec c = ImageSpec.builder().pythonPackages("flask").env("A", "1").env("B", "3").build();

        assertThat(ImageId.of(a)).isEqualTo(ImageId.of(b));
        assertThat(ImageId.of(a)).isNotEqualTo(ImageId.of(c));
        assertThat(ImageId.of(a).value()).matches("[a-f0-9]{64}");
    }

    @Test
    void imageId_survivesAJsonRoundTrip() throws Exception {
        ImageSpec spec = ImageSpec.builder().pythonVersion("3.11").commands("echo hi").file("app.py", "print(1)".getBytes(StandardCharsets.UTF_8)).build();

        ImageSpec back = Json.MAPPER.readValue(Json.write(spec), ImageSpec.class);

        assertThat(back).isEqualTo(spec);
        assertThat(ImageId.of(back)).isEqualTo(ImageId.of(spec));
    }

    @Test
    void effectiveBase_prefersBase_thenPythonVersion_thenDefault() {
        assertThat(ImageSpec.defaults().effectiveBase()).isEqualTo("python:3.12-slim");
        assertThat(ImageSpec.builder().pythonVersion("3.11").build().effectiveBase()).isEqualTo("python:3.11-slim");
        assertThat(ImageSpec.builder().base("busybox:latest").build().effectiveBase()).isEqualTo("busybox:latest");
    }

    @Test
    void dockerfile_withOtherFields_isRejectedWithField() {
        assertThatThrownBy(() -> ImageSpec.builder().dockerfile("FROM busybox").pythonPackages("x").build())
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("put those into the Dockerfile")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("image.dockerfile");
    }

    @Test
    void dockerfile_withoutFrom_isRejected() {
        assertThatThrownBy(() -> ImageSpec.builder().dockerfile("RUN echo").build())
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("no FROM line");
    }

    @Test
    void file_withDotDot_isRejectedNamingThePath() {
        assertThatThrownBy(() -> ImageSpec.builder().file("../etc/passwd", new byte[1]).build())
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("'../etc/passwd'")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("image.files.../etc/passwd");
    }

    @Test
    void package_withShellMetacharacters_isRejected() {
        assertThatThrownBy(() -> ImageSpec.builder().pythonPackages("flask; rm -rf /$(x)").build())
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("image.pythonPackages");
    }

    @Test
    void pythonVersion_andBaseTogether_areRejected() {
        assertThatThrownBy(() -> ImageSpec.builder().base("debian:12").pythonVersion("3.12").build())
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("set only one");
    }

    @Test
    void baseImages_withoutDockerfile_isTheEffectiveBase() {
        assertThat(ImageSpec.builder().pythonVersion("3.12").build().baseImages()).containsExactly("python:3.12-slim");
        assertThat(ImageSpec.builder().base("busybox:latest").build().baseImages()).containsExactly("busybox:latest");
    }

    @Test
    void baseImages_ofADockerfile_skipStagesScratchAndVariables() {
        ImageSpec spec = ImageSpec.builder().dockerfile("FROM busybox AS one\nFROM --platform=linux/amd64 ghcr.io/a/b:1\nfrom one\n"
                + "FROM scratch\nFROM ${BASE}\n").build();

        assertThat(spec.baseImages()).containsExactly("busybox", "ghcr.io/a/b:1");
    }
}
