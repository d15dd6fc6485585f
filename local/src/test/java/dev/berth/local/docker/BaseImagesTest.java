package dev.berth.local.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import dev.berth.image.ImageSpec;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BaseImagesTest {
    private final Set<String> engine = Set.of("berth/python:3.11", "berth/busybox:latest", "local/tool:1");
    private final BaseImages images = new BaseImages(
            Map.of("python:3.12-slim", "berth/python:3.11", "busybox", "berth/busybox:latest"),
            engine::contains, "~/.berth/base-images.properties");

    @Test
    void rewrite_mapsEveryFromLineButStagesAndScratch() {
        String dockerfile = "FROM python:3.12-slim AS build\nRUN echo hi\nfrom --platform=linux/amd64 docker.io/library/busybox AS run\n"
                + "COPY --from=build /x /x\nFROM build\nFROM scratch\nFROM ${BASE}";

        assertThat(images.rewrite(dockerfile)).isEqualTo(
                "FROM berth/python:3.11 AS build\nRUN echo hi\nfrom --platform=linux/amd64 berth/busybox:latest AS run\n"
                        + "COPY --from=build /x /x\nFROM build\nFROM scratch\nFROM ${BASE}");
    }

    @Test
    void validate_whenBaseIsMappedOrInTheEngine_passes() {
        images.validate(ImageSpec.builder().pythonVersion("3.12").build());
        images.validate(ImageSpec.builder().base("busybox:latest").build());
        images.validate(ImageSpec.builder().base("local/tool:1").build());
        images.validate(ImageSpec.builder().dockerfile("FROM busybox AS a\nFROM a\nFROM scratch\n").build());
    }

    @Test
    void validate_whenBaseIsUnknown_rejectsWithFieldAndMappedNames() {
        assertThatThrownBy(() -> images.validate(ImageSpec.builder().base("nosuch:1").build()))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("image.base"))
                .hasMessage("Unknown base image 'nosuch:1' in image.base; no registry is reachable here, so use one of the mapped bases: "
                        + "busybox:latest, python:3.12-slim or map it in ~/.berth/base-images.properties");
    }

    @Test
    void validate_whenMappedImageIsMissing_saysToRunTheScript() {
        BaseImages empty = new BaseImages(Map.of("python:3.12-slim", "berth/python:3.11"), image -> false, "f");

        assertThatThrownBy(() -> empty.validate(ImageSpec.defaults()))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("maps to 'berth/python:3.11'")
                .hasMessageContaining("scripts/base-images.sh");
    }
}
