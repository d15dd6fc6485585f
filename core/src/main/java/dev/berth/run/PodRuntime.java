package dev.berth.run;

import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import java.util.List;
import java.util.stream.Stream;

/**
 * Starts, watches and stops the container (or task) of a pod.
 *
 * <p>{@link #start} returns once the container is created and launched; the runtime then reports to the
 * {@link dev.berth.pod.PodEvents} it was created with: {@code podReady} once every port accepts a TCP
 * connection, {@code podExited} when the entrypoint ends, {@code podFailed} if it cannot start.
 * Containers carry the pod id, so that a restarted platform finds them again with {@link #list()}.
 *
 * <p>Implementations are thread-safe and harden containers by default: no capabilities, no new
 * privileges, CPU, memory and pid limits from the spec.
 */
public interface PodRuntime {

    /**
     * Checks what this runtime can run before a pod is accepted, such as whether a GPU is available.
     *
     * @throws dev.berth.BerthClientException naming the field and the fix (e.g. {@code gpu} on a machine without one)
     */
    default void validate(dev.berth.pod.PodSpec spec) {
    }

    /**
     * Creates and launches the pod's container from a built image.
     *
     * @param imageRef the reference an {@link dev.berth.image.ImageBuilder} returned
     * @return the runtime's handle of the container, kept in {@link Pod#runtimeRef()}
     */
    String start(Pod pod, String imageRef);

    /** What the runtime sees of a handle now. */
    RuntimeState inspect(String runtimeRef);

    /**
     * Watches a container started by an earlier process: reports {@code podReady} (with endpoints) or
     * {@code podExited} as if it had started it. Returns what it sees now.
     */
    RuntimeState adopt(Pod pod);

    /** Stops and removes the container; does nothing for one that is gone. Idempotent. */
    void stop(String runtimeRef);

    /** The containers this platform owns, running or exited, by pod id. */
    List<Owned> list();

    /**
     * The container's output (stdout and stderr), line by line. With {@code follow} the stream goes on
     * until the container stops or the stream is closed. Close the stream when done.
     */
    Stream<String> logs(String runtimeRef, boolean follow);

    /** A container owned by this platform. */
    record Owned(PodId podId, String runtimeRef, RuntimeState state) {
    }
}
