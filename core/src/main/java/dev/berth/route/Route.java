package dev.berth.route;

import dev.berth.pod.PodId;
import dev.berth.run.Endpoint;
import java.util.Map;
import java.util.Objects;

/**
 * What a router needs to serve one pod: the host label of its URLs and where each port is reached.
 *
 * @param label      the pod id, or the deployment name for a deployment's pod
 * @param targets    pod port → endpoint
 * @param authorized whether requests must carry a token
 */
public record Route(PodId podId, String label, Map<Integer, Endpoint> targets, boolean authorized) {
    public Route {
        Objects.requireNonNull(podId, "podId");
        Objects.requireNonNull(label, "label");
        targets = Map.copyOf(targets);
    }
}
