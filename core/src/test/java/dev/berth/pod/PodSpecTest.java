package dev.berth.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import dev.berth.internal.Json;
import org.junit.jupiter.api.Test;

class PodSpecTest {

    private static PodSpec.Builder valid() {
        return PodSpec.builder().entrypoint("sleep", "1");
    }

    private static void rejects(PodSpec.Builder spec, String field, String message) {
        assertThatThrownBy(spec::build).isInstanceOf(InvalidSpecException.class).hasMessageContaining(message)
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo(field);
    }

    @Test
    void defaults_matchTheDesign() {
        PodSpec spec = Json.read("{\"entrypoint\":[\"sleep\",\"1\"]}", PodSpec.class);

        assertThat(spec.keepWarmSeconds()).isEqualTo(600);
        assertThat(spec.cpu()).isEqualTo(1.0);
        assertThat(spec.memoryMiB()).isEqualTo(1024);
        assertThat(spec.image().effectiveBase()).isEqualTo("python:3.12-slim");
        assertThat(spec.authorized()).isFalse();
        assertThat(spec.readOnlyRootFilesystem()).isFalse();
    }

    @Test
    void roundTripsThroughJson() {
        PodSpec spec = valid().name("web").ports(80, 8080).env("A", "1").cpu(0.5).memoryMiB(256).keepWarmSeconds(-1)
                .authorized(true).blockNetwork(true).readOnlyRootFilesystem(true).build();

        assertThat(Json.read(Json.write(spec), PodSpec.class)).isEqualTo(spec);
        assertThat(spec.toBuilder().build().readOnlyRootFilesystem()).isTrue();
    }

    @Test
    void ports_outOfRangeOrDuplicate_areRejectedWithIndex() {
        rejects(valid().ports(8000, 0), "ports[1]", "Invalid port 0");
        rejects(valid().ports(70000), "ports[0]", "between 1 and 65535");
        rejects(valid().ports(80, 80), "ports[1]", "listed twice");
    }

    @Test
    void keepWarm_belowMinusOne_isRejected() {
        rejects(valid().keepWarmSeconds(-2), "keepWarmSeconds", "use -1 (never stop when idle), 0");
    }

    @Test
    void entrypoint_emptyOrBlank_isRejected() {
        rejects(PodSpec.builder(), "entrypoint", "entrypoint is empty");
        rejects(PodSpec.builder().entrypoint(" "), "entrypoint[0]", "blank");
    }

    @Test
    void env_invalidName_isRejectedNamingIt() {
        rejects(valid().env("MY-VAR", "x"), "env.MY-VAR", "Invalid environment variable name 'MY-VAR'");
    }

    @Test
    void resources_outOfRange_areRejected() {
        rejects(valid().cpu(0), "cpu", "between 0.125 and 64");
        rejects(valid().memoryMiB(10), "memoryMiB", "between 64 and 262144");
        rejects(valid().gpuCount(2), "gpu", "set gpu");
    }

    @Test
    void name_mustBeALabel_andNotLookLikeAPodId() {
        rejects(valid().name("My_App"), "name", "lowercase letters");
        rejects(valid().name("pabcdefghijk"), "name", "shape of a pod id");
    }

    @Test
    void gpu_impliesOneByDefault() {
        assertThat(valid().gpu("T4").build().gpuCount()).isEqualTo(1);
    }
}
