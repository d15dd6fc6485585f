package dev.berth.pod;

import java.util.EnumSet;
import java.util.Set;

/**
 * A filter over pods: by status (empty = any) and by deployment name ({@code null} = any).
 */
public record PodQuery(Set<PodStatus> statuses, String deployment) {
    public PodQuery {
        statuses = statuses == null || statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
    }

    public static PodQuery all() {
        return new PodQuery(Set.of(), null);
    }

    public static PodQuery withStatus(PodStatus... statuses) {
        return new PodQuery(Set.of(statuses), null);
    }

    public static PodQuery active() {
        return new PodQuery(EnumSet.of(PodStatus.PENDING, PodStatus.BUILDING, PodStatus.STARTING, PodStatus.RUNNING,
                PodStatus.STOPPING), null);
    }

    public boolean matches(Pod pod) {
        return (statuses.isEmpty() || statuses.contains(pod.status()))
                && (deployment == null || deployment.equals(pod.deployment()));
    }
}
