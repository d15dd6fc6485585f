package dev.berth.pod;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a pod is in its lifecycle:
 * {@code PENDING → BUILDING → STARTING → RUNNING → STOPPING → STOPPED}, and {@code FAILED} from any
 * non-terminal state. A pod whose entrypoint exits, or whose container is lost, goes straight to
 * {@code STOPPED}.
 */
public enum PodStatus {
    PENDING, BUILDING, STARTING, RUNNING, STOPPING, STOPPED, FAILED;

    /** Whether no transition leaves this status. */
    public boolean isTerminal() {
        return this == STOPPED || this == FAILED;
    }

    /** Whether the pod may hold a container or a build. */
    public boolean isActive() {
        return !isTerminal();
    }

    /** The statuses this one may move to. */
    public Set<PodStatus> successors() {
        return switch (this) {
            case PENDING -> EnumSet.of(BUILDING, STARTING, STOPPING, STOPPED, FAILED);
            case BUILDING -> EnumSet.of(STARTING, STOPPING, STOPPED, FAILED);
            case STARTING -> EnumSet.of(RUNNING, STOPPING, STOPPED, FAILED);
            case RUNNING -> EnumSet.of(STOPPING, STOPPED, FAILED);
            case STOPPING -> EnumSet.of(STOPPED, FAILED);
            case STOPPED, FAILED -> EnumSet.noneOf(PodStatus.class);
        };
    }

    public boolean canMoveTo(PodStatus next) {
        return successors().contains(next);
    }
}
