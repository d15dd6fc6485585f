package dev.berth.route;

import dev.berth.pod.PodId;
import dev.berth.run.Endpoint;
import java.util.Map;
import java.util.Objects;

/**
 * What a router needs to serve one pod: the host label of its URLs and where each port is reached.
 *
 * @param label         the pod id, or the deployment name for a deployment's pod
 * @param targets       pod port → endpoint
 * @param authorized    whether requests must carry the pod's token
 * @param authTokenHash the {@link AuthToken#hash} of the pod's token when {@code authorized}; an authorized route
 *                      without one admits no request (fails closed)
 */
public record Route(PodId podId, String label, Map<Integer, Endpoint> targets, boolean authorized, String authTokenHash) {
    public Route {
        Objects.requireNonNull(podId, "podId");
        Objects.requireNonNull(label, "label");
        targets = Map.copyOf(targets);
        if (authTokenHash != null && !AuthToken.isHash(authTokenHash)) {
            throw new IllegalArgumentException("authTokenHash of pod " + podId + " is not a SHA-256 in lowercase hex");
        }
        if (!authorized) {
            authTokenHash = null;
        }
    }

    /** A route without a token hash (an authorized one then admits nobody). */
    public Route(PodId podId, String label, Map<Integer, Endpoint> targets, boolean authorized) {
        this(podId, label, targets, authorized, null);
    }

    /** This route with another token hash (a rotated token); an unauthorized route keeps none. */
    public Route withAuthTokenHash(String hash) {
        return new Route(podId, label, targets, authorized, hash);
    }

    /** Whether a request presenting {@code token} (possibly {@code null}) may pass. */
    public boolean admits(String token) {
        return !authorized || AuthToken.matches(token, authTokenHash);
    }
}
