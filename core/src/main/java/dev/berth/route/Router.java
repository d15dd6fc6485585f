package dev.berth.route;

import dev.berth.pod.PodId;

/**
 * Makes a running pod reachable at its HTTPS URLs, and unreachable again.
 *
 * <p>Publishing a route for a label that already has one replaces it (a deployment's new pod takes over
 * its URLs). Implementations are thread-safe.
 */
public interface Router {

    /** Serves {@code https://<label>-<port>.<domain>} for each target of the route. */
    void publish(Route route);

    /** Stops serving every URL of the pod; open connections to it are closed. Idempotent. */
    void withdraw(PodId podId);

    /**
     * Makes the pod's published routes admit only the token of {@code authTokenHash} from now on (a rotated
     * token). Returns whether it did; the default does nothing and returns {@code false}, and the caller then
     * stops the pod so that no route admits the old token.
     */
    default boolean reauthorize(PodId podId, String authTokenHash) {
        return false;
    }
}
