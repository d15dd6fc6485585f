package dev.berth.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodStatusTest {

    @Test
    void failedIsReachableFromEveryNonTerminalState_andTerminalStatesHaveNoSuccessor() {
        for (PodStatus s : PodStatus.values()) {
            assertThat(s.canMoveTo(PodStatus.FAILED)).as(s.name()).isEqualTo(!s.isTerminal());
            if (s.isTerminal()) {
                assertThat(s.successors()).isEmpty();
            }
        }
    }

    @Test
    void moveTo_refusesAResurrection() {
        Pod pod = Pod.pending(PodId.random(), PodSpec.builder().entrypoint("x").build(), null, Map.of(), Instant.EPOCH)
                .withStop(StopReason.USER, null, "x").moveTo(PodStatus.STOPPING, Instant.EPOCH).moveTo(PodStatus.STOPPED, Instant.EPOCH);

        assertThatThrownBy(() -> pod.moveTo(PodStatus.RUNNING, Instant.EPOCH)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("STOPPED to RUNNING");
    }

    @Test
    void terminalPod_requiresAStopReason() {
        Pod pod = Pod.pending(PodId.random(), PodSpec.builder().entrypoint("x").build(), null, Map.of(), Instant.EPOCH);

        assertThatThrownBy(() -> pod.moveTo(PodStatus.STOPPED, Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without a stop reason");
    }
}
