package dev.berth.reap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.pod.PodStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeepWarmPolicyTest {
    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");

    private static Pod running(int keepWarm) {
        PodSpec spec = PodSpec.builder().entrypoint("x").keepWarmSeconds(keepWarm).build();
        return Pod.pending(PodId.random(), spec, null, Map.of(), T0.minusSeconds(60))
                .moveTo(PodStatus.STARTING, T0.minusSeconds(30)).moveTo(PodStatus.RUNNING, T0);
    }

    @Test
    void clockStartsWhenRunning_notAtCreation() {
        Pod pod = running(10);

        assertThat(KeepWarmPolicy.shouldReap(pod, Activity.NONE, T0.plusSeconds(9))).isFalse();
        assertThat(KeepWarmPolicy.shouldReap(pod, Activity.NONE, T0.plusSeconds(10))).isTrue();
        assertThat(KeepWarmPolicy.remaining(pod, Activity.NONE, T0.plusSeconds(4))).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void activityRestartsTheClock_andOpenConnectionsHoldIt() {
        Pod pod = running(10);

        assertThat(KeepWarmPolicy.shouldReap(pod, new Activity(0, T0.plusSeconds(50)), T0.plusSeconds(59))).isFalse();
        assertThat(KeepWarmPolicy.shouldReap(pod, new Activity(0, T0.plusSeconds(50)), T0.plusSeconds(60))).isTrue();
        assertThat(KeepWarmPolicy.shouldReap(pod, new Activity(1, T0), T0.plusSeconds(3600))).isFalse();
    }

    @Test
    void minusOneNeverReaps_zeroReapsAtOnce_andOnlyRunningPodsAreReaped() {
        assertThat(KeepWarmPolicy.shouldReap(running(-1), Activity.NONE, T0.plus(Duration.ofDays(365)))).isFalse();
        assertThat(KeepWarmPolicy.shouldReap(running(0), Activity.NONE, T0)).isTrue();
        Pod starting = Pod.pending(PodId.random(), PodSpec.builder().entrypoint("x").keepWarmSeconds(0).build(), null, Map.of(), T0);
        assertThat(KeepWarmPolicy.shouldReap(starting, Activity.NONE, T0.plusSeconds(100))).isFalse();
    }
}
