package dev.berth.local.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.command.InspectImageResponse;
import dev.berth.InvalidSpecException;
import dev.berth.image.ImageBuildStatus;
import dev.berth.image.ImageBuilder;
import dev.berth.image.ImageBuilderContract;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.PodEvents;
import dev.berth.pod.RecordingPodEvents;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DockerImageBuilderIT extends ImageBuilderContract {
    /** Per test instance: a static one would be shut down by the first class of this hierarchy to finish. */
    private final ExecutorService executor = Executors.newCachedThreadPool();

    /** The engine the tests run against; {@link PodmanImageBuilderIT} gives Podman's. */
    protected DockerTestEngine.Engine engine() {
        return DockerTestEngine.current();
    }

    @BeforeEach
    void baseImages() {
        engine().ensureBusybox();
    }

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Override
    protected ImageBuilder createBuilder(PodEvents events) {
        return new DockerImageBuilder(engine().client(), engine().baseImages(), events, executor);
    }

    @Test
    void build_tagsTheImageWithItsIdAndLabel() {
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);

        assertThat(events.awaitImageBuilt(id).ref()).isEqualTo("berth-image:" + id.value());
        InspectImageResponse image = engine().client().inspectImageCmd("berth-image:" + id.value()).exec();
        assertThat(image.getConfig().getLabels()).containsEntry(DockerImageBuilder.LABEL_IMAGE_ID, id.value());
    }

    @Test
    void build_ofAnImageBuiltBefore_reportsBuiltWithoutRebuilding() {
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);
        builder.build(id, spec);
        events.awaitImageBuilt(id);
        String imageIdBefore = engine().client().inspectImageCmd(DockerImageBuilder.ref(id)).exec().getId();

        RecordingPodEvents laterEvents = new RecordingPodEvents();
        ImageBuilder restarted = createBuilder(laterEvents);
        restarted.build(id, spec);

        assertThat(laterEvents.awaitImageBuilt(id).ref()).isEqualTo(DockerImageBuilder.ref(id));
        assertThat(restarted.status(id).log()).doesNotContainIgnoringCase("Step 1/");
        assertThat(engine().client().inspectImageCmd(DockerImageBuilder.ref(id)).exec().getId()).isEqualTo(imageIdBefore);
    }

    @Test
    void build_whenARunStepFails_namesTheStepWithTheLogTail() {
        String marker = marker();
        ImageSpec spec = failingSpec(marker);
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);

        String message = events.awaitImageFailed(id).message();
        assertThat(message)
                .contains("at step ")
                .contains("'RUN echo " + marker + " && false'")
                // Docker: "returned a non-zero code: 1"; Podman (Buildah): "while running runtime: exit status 1".
                .containsPattern("returned a non-zero code: 1|exit status 1")
                .contains("Last lines of the build log");
        assertThat(builder.status(id).log()).contains("first");
    }

    @Test
    void build_ofAFailedId_canBeRetried() {
        ImageSpec spec = failingSpec(marker());
        ImageId id = ImageId.of(spec);
        builder.build(id, spec);
        events.awaitImageFailed(id);

        builder.build(id, spec);

        assertThat(events.await(RecordingPodEvents.ImageFailed.class, f -> f.imageId().equals(id)
                && events.eventsOf(id).size() == 2)).isNotNull();
        assertThat(events.eventsOf(id)).hasSize(2);
    }

    @Test
    void build_ofAUserDockerfile_mapsEveryFromLineIncludingStages() {
        String marker = marker();
        ImageSpec spec = ImageSpec.builder()
                .dockerfile("FROM busybox:latest AS first\nRUN echo " + marker + " > /stage\n"
                        + "from busybox AS second\nCOPY --from=first /stage /stage\nFROM second\nCOPY hello.txt /hello.txt\nRUN cat /stage /hello.txt\n")
                .file("hello.txt", "hello from the context\n".getBytes(StandardCharsets.UTF_8))
                .build();
        ImageId id = ImageId.of(spec);
        builder.validate(spec);

        builder.build(id, spec);

        events.awaitImageBuilt(id);
        assertThat(builder.status(id).log()).contains(marker).contains("hello from the context");
    }

    @Test
    void validate_withAnUnknownBase_namesTheFieldTheMappedBasesAndTheFile() {
        ImageSpec spec = ImageSpec.builder().base("nosuch:1").build();

        assertThatThrownBy(() -> builder.validate(spec))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("image.base"))
                .hasMessageStartingWith("Unknown base image 'nosuch:1' in image.base; no registry is reachable here")
                .hasMessageContaining("busybox:latest")
                .hasMessageContaining("python:3.12-slim")
                .hasMessageContaining("base-images.properties");
    }

    @Test
    void validate_withAnUnknownFromInADockerfile_throwsNamingImageBase() {
        ImageSpec spec = ImageSpec.builder().dockerfile("FROM busybox AS ok\nFROM nosuch-from:2\n").build();

        assertThatThrownBy(() -> builder.validate(spec))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("image.base"))
                .hasMessageContaining("'nosuch-from:2'")
                .hasMessageContaining("image.dockerfile");
    }

    @Test
    void validate_withAnUnmappedImageTheEngineHolds_passes() {
        ImageSpec spec = ImageSpec.builder().base(DockerTestEngine.BUSYBOX).build();

        builder.validate(spec);

        ImageId id = ImageId.of(spec);
        builder.build(id, spec);
        assertThat(events.awaitImageOutcome(id)).isInstanceOf(RecordingPodEvents.ImageBuilt.class);
        assertThat(builder.status(id).status()).isEqualTo(ImageBuildStatus.READY);
    }
}
