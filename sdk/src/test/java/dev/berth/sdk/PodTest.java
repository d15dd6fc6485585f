package dev.berth.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import dev.berth.pod.PodSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PodTest {

    @Test
    void build_carriesEveryField_intoThePodSpec() {
        Pod pod = Pod.builder().name("notebook").image(Image.python("3.12").pythonPackages("jupyterlab"))
                .entrypoint("jupyter", "lab", "--port=8888").ports(8888, 9000).env("A", "1").cpu(2).memoryMiB(4096)
                .gpu("T4", 2).keepWarm(Duration.ofMinutes(5)).authorized(true).blockNetwork(true).build();
        PodSpec spec = pod.spec();

        assertThat(pod.name()).isEqualTo("notebook");
        assertThat(spec.image().pythonPackages()).containsExactly("jupyterlab");
        assertThat(spec.entrypoint()).containsExactly("jupyter", "lab", "--port=8888");
        assertThat(spec.ports()).containsExactly(8888, 9000);
        assertThat(spec.env()).containsEntry("A", "1");
        assertThat(spec.cpu()).isEqualTo(2.0);
        assertThat(spec.memoryMiB()).isEqualTo(4096);
        assertThat(spec.gpu()).isEqualTo("T4");
        assertThat(spec.gpuCount()).isEqualTo(2);
        assertThat(spec.keepWarmSeconds()).isEqualTo(300);
        assertThat(spec.authorized()).isTrue();
        assertThat(spec.blockNetwork()).isTrue();
    }

    @Test
    void build_whenPortOutOfRange_rejectsWithField() {
        Pod.Builder builder = Pod.builder().entrypoint("sleep", "1").ports(70000);

        assertThatThrownBy(builder::build).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("Invalid port 70000 at ports[0]")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("ports[0]");
    }

    @Test
    void build_whenImageInvalid_rejectsAtBuildWithTheImageField() {
        Pod.Builder builder = Pod.builder().entrypoint("sleep", "1").image(Image.fromRegistry("Not A Ref"));

        assertThatThrownBy(builder::build).isInstanceOf(InvalidSpecException.class)
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("image.base");
    }

    @Test
    void build_withoutEntrypoint_rejectsWithField() {
        assertThatThrownBy(() -> Pod.builder().ports(8000).build()).isInstanceOf(InvalidSpecException.class)
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("entrypoint");
    }
}
