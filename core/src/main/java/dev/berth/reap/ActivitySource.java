package dev.berth.reap;

import dev.berth.pod.PodId;

/** Tells how a pod is being used, for the keep-warm policy. Thread-safe. */
public interface ActivitySource {

    /** The pod's activity; {@link Activity#NONE} for a pod never seen. */
    Activity activity(PodId podId);
}
