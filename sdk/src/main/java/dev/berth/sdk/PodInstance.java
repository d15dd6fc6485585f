package dev.berth.sdk;

import dev.berth.NotFoundException;
import dev.berth.pod.PodStatus;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A pod on the platform, as last seen: {@link #status()} and the other accessors answer from the latest
 * snapshot, which {@link #refresh()}, {@link #awaitReady(Duration)} and {@link #terminate()} update.
 * Thread-safe.
 */
public interface PodInstance {

    /** The pod id, {@code p} and 11 lowercase letters or digits. */
    String id();

    /** The status in the latest snapshot. */
    PodStatus status();

    /** The HTTPS URL of each port, known from creation (a deployment's pod has the deployment's stable URLs). */
    Map<Integer, URI> urls();

    /**
     * The URL of {@code port}.
     *
     * @throws IllegalArgumentException if the pod does not expose that port
     */
    URI url(int port);

    /**
     * The URL of the pod's only port.
     *
     * @throws IllegalStateException if the pod exposes no port or several
     */
    URI url();

    /**
     * The token an {@code authorized} pod's URLs require, when the platform returned one at creation;
     * empty for other pods (and on platforms that do not issue one yet).
     */
    Optional<String> authToken();

    /** The latest snapshot of the platform's record of this pod: spec, stop reason, exit code, message, times. */
    dev.berth.pod.Pod record();

    /** Fetches the pod's record again and returns this instance. */
    PodInstance refresh();

    /**
     * Waits until the pod is {@code RUNNING} and each of its URLs answers through the router with something
     * other than 502 or 503 (the router's answers while nothing listens yet). Returns this instance.
     *
     * @throws PodNotReadyException if the pod failed or stopped first (the message has its reason), or on timeout
     */
    PodInstance awaitReady(Duration timeout);

    /** The container's output so far, one element per line. Close the stream when done. */
    Stream<String> logs();

    /**
     * The container's output; with {@code follow}, the stream goes on with new lines until the pod stops or
     * the stream is closed.
     */
    Stream<String> logs(boolean follow);

    /**
     * Stops the pod (idempotent) and returns this instance with its new status.
     *
     * @throws NotFoundException if the platform no longer knows the pod
     */
    PodInstance terminate();
}
