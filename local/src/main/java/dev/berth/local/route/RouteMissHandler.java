package dev.berth.local.route;

import dev.berth.route.Route;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Called by {@link VertxRouter} when a request names a label that has no route, such as a deployment
 * scaled to zero. The router holds the request until the stage completes (up to its route-miss timeout,
 * then answers 503 with {@code Retry-After}), and proxies it to the returned route; an empty result
 * answers 404.
 *
 * <p>The returned route serves the held request only; the handler is expected to have published it (as
 * {@code PodService} does when the pod becomes RUNNING) so that later requests do not miss. Called on an
 * event-loop thread: it must not block.
 */
@FunctionalInterface
public interface RouteMissHandler {

    /** Starts whatever serves {@code label}; completes with its route, or empty if there is none. */
    CompletionStage<Optional<Route>> onMiss(String label);

    /**
     * Asked before {@link #onMiss}: the {@link dev.berth.route.AuthToken#hash} a request for {@code label} must
     * present before anything is started for it (an authorized deployment at zero), or empty when none is needed.
     * A present empty string admits nobody. Default: none needed.
     */
    default CompletionStage<Optional<String>> requiredTokenHash(String label) {
        return java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
    }
}
