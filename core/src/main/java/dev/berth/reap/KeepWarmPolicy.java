package dev.berth.reap;

import dev.berth.pod.Pod;
import dev.berth.pod.PodStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * When an idle pod is stopped. A RUNNING pod is reaped when it has no open connection and
 * {@code now − lastActivity ≥ keepWarmSeconds}, where the clock starts when it became RUNNING;
 * {@code -1} never reaps, {@code 0} reaps as soon as it is idle.
 */
public final class KeepWarmPolicy {
    private KeepWarmPolicy() {
    }

    public static boolean shouldReap(Pod pod, Activity activity, Instant now) {
        if (pod.status() != PodStatus.RUNNING || pod.spec().keepsWarmForever() || activity.openConnections() > 0) {
            return false;
        }
        Instant last = lastActivity(pod, activity);
        return !now.isBefore(last.plusSeconds(pod.spec().keepWarmSeconds()));
    }

    /** When the pod was last used: its last activity, or when it became RUNNING if later. */
    public static Instant lastActivity(Pod pod, Activity activity) {
        Instant since = pod.runningSince() != null ? pod.runningSince() : pod.updatedAt();
        return activity.lastActivity() != null && activity.lastActivity().isAfter(since) ? activity.lastActivity() : since;
    }

    /** How long until the pod would be reaped if nothing happens. */
    public static Duration remaining(Pod pod, Activity activity, Instant now) {
        Instant deadline = lastActivity(pod, activity).plusSeconds(pod.spec().keepWarmSeconds());
        Duration left = Duration.between(now, deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
