package dev.berth.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthServiceException;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.RecordingPodEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-memory runtime passes the runtime contract: its programs image runs the fake's entrypoint language,
 * and every runtime of one test shares one engine.
 */
class FakePodRuntimeTest extends PodRuntimeContract {
    private final FakePodRuntime.Engine engine = new FakePodRuntime.Engine();

    @Override
    protected PodRuntime createRuntime(PodEvents events, Duration readinessTimeout) {
        return new FakePodRuntime(events, engine, readinessTimeout);
    }

    @Override
    protected String imageRef() {
        return FakePodRuntime.PROGRAMS_IMAGE;
    }

    @Override
    protected List<String> httpServer(int port) {
        return List.of("fake-http", String.valueOf(port));
    }

    @Override
    protected List<String> printAndExit(String line, int exitCode) {
        return List.of("fake-exit", line, String.valueOf(exitCode));
    }

    @Override
    protected List<String> printForever(String prefix) {
        return List.of("fake-print-forever", prefix);
    }

    @Override
    protected List<String> sleepThenExit(int seconds, int exitCode) {
        return List.of("fake-sleep-exit", String.valueOf(seconds), String.valueOf(exitCode));
    }

    @Override
    protected List<String> sleepForever() {
        return List.of("fake-sleep");
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    @Test
    void start_fromAnotherImage_runsNothingByItself_untilTheTestSaysSo() {
        FakePodRuntime fake = (FakePodRuntime) runtime;
        Pod pod = pod(spec(List.of("python3", "-m", "http.server", "8000"), 8000).build());

        String ref = fake.start(pod, "fake/0123456789ab");

        assertThat(events.events()).isEmpty();
        assertThat(fake.inspect(ref)).isEqualTo(new RuntimeState.Running(Map.of()));
        Map<Integer, Endpoint> endpoints = fake.ready(pod);
        assertThat(events.events()).containsExactly(new RecordingPodEvents.PodReady(pod.id(), endpoints));
        fake.stop(ref);
    }

    @Test
    void start_withABadArgument_reportsFailedNamingTheProgramAndTheValue() {
        Pod pod = pod(spec(List.of("fake-exit", "bye", "three")).build());

        assertThatThrownBy(() -> start(runtime, pod))
                .isInstanceOf(BerthServiceException.class)
                .hasMessageContaining("fake-exit")
                .hasMessageContaining("'three'");
        assertThat(events.awaitFailed(pod.id()).message()).contains("fake-exit", "'three'");
    }
}
