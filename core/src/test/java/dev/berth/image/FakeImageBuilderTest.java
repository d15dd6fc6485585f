package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.pod.PodEvents;
import dev.berth.pod.RecordingPodEvents;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The autonomous fake passes the builder contract; builders of one test share one image store, so a builder
 * created later stands for a restarted platform. The manual mode the service's tests use is checked below.
 */
class FakeImageBuilderTest extends ImageBuilderContract {
    private static final String BASE = "busybox:latest";
    private final FakeImageBuilder.Images images = new FakeImageBuilder.Images();

    @Override
    protected ImageBuilder createBuilder(PodEvents events) {
        return FakeImageBuilder.autonomous(events, Set.of(BASE), images);
    }

    @Override
    protected ImageSpec buildableSpec(String marker) {
        return ImageSpec.builder().base(BASE).commands("echo " + marker + " > /marker").build();
    }

    @Override
    protected ImageSpec failingSpec(String marker) {
        return ImageSpec.builder().base(BASE).commands("echo first", "echo " + marker + " && " + FakeImageBuilder.FAILING_COMMAND).build();
    }

    @Test
    void manual_build_staysBuildingUntilFinished_thenIsFoundAndNotBuiltAgain() {
        RecordingPodEvents manualEvents = new RecordingPodEvents();
        FakeImageBuilder manual = new FakeImageBuilder(manualEvents, Set.of(BASE));
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);

        manual.build(id, spec);
        manual.build(id, spec);

        assertThat(manual.status(id).status()).isEqualTo(ImageBuildStatus.BUILDING);
        assertThat(manualEvents.events()).isEmpty();
        manual.finish(id);
        manual.build(id, spec);
        assertThat(manual.find(id)).contains("fake/" + id.shortValue());
        assertThat(manual.buildsStarted()).isEqualTo(1);
        assertThat(manualEvents.eventsOf(id)).containsExactly(
                new RecordingPodEvents.ImageBuilt(id, "fake/" + id.shortValue()),
                new RecordingPodEvents.ImageBuilt(id, "fake/" + id.shortValue()));
    }

    @Test
    void manual_buildAfterAFailure_startsANewBuild() {
        RecordingPodEvents manualEvents = new RecordingPodEvents();
        FakeImageBuilder manual = new FakeImageBuilder(manualEvents, Set.of(BASE));
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);
        manual.build(id, spec);
        manual.failBuild(id, "step 'RUN exit 3' returned 3");

        manual.build(id, spec);

        assertThat(manual.buildsStarted()).isEqualTo(2);
        assertThat(manual.status(id).status()).isEqualTo(ImageBuildStatus.BUILDING);
    }
}
