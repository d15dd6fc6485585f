package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import dev.berth.pod.PodEvents;
import dev.berth.pod.RecordingPodEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ImageBuilder} must do. An adapter's test extends this class and supplies the builder through the
 * hooks, and specs when its engine cannot build the default ones (busybox). Specs carry a fresh marker so every test builds anew.
 */
public abstract class ImageBuilderContract {

    protected RecordingPodEvents events;
    protected ImageBuilder builder;

    /** A builder reporting to {@code events}; a second call stands for a restarted platform. */
    protected abstract ImageBuilder createBuilder(PodEvents events);

    /** A spec that builds, distinct for each {@code marker}: by default busybox writing it to a file. */
    protected ImageSpec buildableSpec(String marker) {
        return ImageSpec.builder().base("busybox:latest").commands("echo " + marker + " > /marker").build();
    }

    /** A spec whose build fails in a step that mentions {@code marker}: by default a busybox command that fails. */
    protected ImageSpec failingSpec(String marker) {
        return ImageSpec.builder().base("busybox:latest").commands("echo first", "echo " + marker + " && false").build();
    }

    /** A spec whose base image this builder cannot know. */
    protected ImageSpec unknownBaseSpec() {
        return ImageSpec.builder().base("nosuch-berth-base:1").build();
    }

    /** How long to wait for build outcomes. */
    protected Duration timeout() {
        return Duration.ofMinutes(3);
    }

    @BeforeEach
    void setUpBuilder() {
        events = new RecordingPodEvents(timeout());
        builder = createBuilder(events);
    }

    @AfterEach
    void tearDownBuilder() throws Exception {
        if (builder instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    protected static String marker() {
        return "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    @Test
    void build_reportsBuiltAndFindsTheRef() {
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);
        assertThat(builder.find(id)).isEmpty();

        builder.build(id, spec);

        String ref = events.awaitImageBuilt(id).ref();
        assertThat(builder.find(id)).contains(ref);
        ImageBuild status = builder.status(id);
        assertThat(status.status()).isEqualTo(ImageBuildStatus.READY);
        assertThat(status.ref()).isEqualTo(ref);
    }

    @Test
    void build_calledConcurrentlyForOneId_buildsOnce() throws Exception {
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(callers.submit(() -> {
                    go.await();
                    builder.build(id, spec);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> call : calls) {
                call.get();
            }
        } finally {
            callers.shutdown();
        }
        events.awaitImageBuilt(id);
        // A later build of another spec gives straggling duplicates of the first time to show up.
        ImageSpec other = buildableSpec(marker());
        builder.build(ImageId.of(other), other);
        events.awaitImageBuilt(ImageId.of(other));

        assertThat(events.eventsOf(id)).hasSize(1);
    }

    @Test
    void build_whileBuilding_reportsBuildingThenReady() {
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);

        assertThat(builder.status(id).status()).isIn(ImageBuildStatus.BUILDING, ImageBuildStatus.READY);
        events.awaitImageBuilt(id);
        assertThat(builder.status(id).status()).isEqualTo(ImageBuildStatus.READY);
    }

    @Test
    void build_whenAStepFails_reportsFailedWithTheStepAndLog() {
        String marker = marker();
        ImageSpec spec = failingSpec(marker);
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);

        String message = events.awaitImageFailed(id).message();
        assertThat(message).contains(marker);
        ImageBuild status = builder.status(id);
        assertThat(status.status()).isEqualTo(ImageBuildStatus.FAILED);
        assertThat(status.message()).isEqualTo(message);
        assertThat(status.log()).contains(marker);
        assertThat(builder.find(id)).isEmpty();
    }

    @Test
    void status_ofAnIdNeverAskedFor_isUnknown() {
        ImageId id = ImageId.of(buildableSpec(marker()));

        assertThat(builder.status(id).status()).isEqualTo(ImageBuildStatus.UNKNOWN);
    }

    @Test
    void status_afterARestart_isReadyWithoutABuild() {
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);
        builder.build(id, spec);
        String ref = events.awaitImageBuilt(id).ref();

        RecordingPodEvents laterEvents = new RecordingPodEvents(timeout());
        ImageBuilder restarted = createBuilder(laterEvents);

        assertThat(restarted.find(id)).contains(ref);
        assertThat(restarted.status(id).status()).isEqualTo(ImageBuildStatus.READY);
        assertThat(restarted.status(id).ref()).isEqualTo(ref);
    }

    @Test
    void validate_withAnUnknownBase_throwsNamingTheField() {
        ImageSpec spec = unknownBaseSpec();

        assertThatThrownBy(() -> builder.validate(spec))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("image.base"))
                .hasMessageContaining(spec.effectiveBase());
    }

    @Test
    void validate_withABuildableSpec_passes() {
        builder.validate(buildableSpec(marker()));
    }
}
