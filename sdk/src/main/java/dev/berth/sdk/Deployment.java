package dev.berth.sdk;

import dev.berth.pod.PodSpec;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A named pod with stable URLs, as last seen. Its pod may be stopped when idle; the next request to one of
 * its URLs starts a new pod from the same spec, and {@link #start()} does so at once. Thread-safe.
 */
public interface Deployment {

    /** The deployment name: the label of its URLs. */
    String name();

    PodSpec spec();

    /** The stable HTTPS URL of each port, the same across the deployment's pods. */
    Map<Integer, URI> urls();

    /**
     * The stable URL of {@code port}.
     *
     * @throws IllegalArgumentException if the deployment does not expose that port
     */
    URI url(int port);

    /**
     * The stable URL of the deployment's only port.
     *
     * @throws IllegalStateException if it exposes no port or several
     */
    URI url();

    /**
     * The token an {@code authorized} deployment's URLs require, when the platform returned one; empty for
     * other deployments (and on platforms that do not issue one yet).
     */
    Optional<String> authToken();

    /** The pod serving the deployment now (possibly stopped), if any. */
    Optional<PodInstance> pod();

    Instant createdAt();

    Instant updatedAt();

    /** Fetches the deployment again and returns this instance. */
    Deployment refresh();

    /** Starts a pod if none is active; returns this instance, refreshed. */
    Deployment start();

    /** Stops the current pod, keeping the deployment and its URLs; returns this instance, refreshed. */
    Deployment stop();

    /** Stops the pod and deletes the deployment; its URLs stop answering. */
    void delete();
}
