package dev.berth.pod;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A named pod definition with stable URLs. Its current pod may be reaped; the next request to a URL of
 * the deployment starts a new one from the same spec.
 *
 * @param currentPod the pod serving the deployment now (possibly stopped), or {@code null}
 * @param authTokenHash the SHA-256 of the token that opens the deployment's URLs when its spec is
 *                      {@code authorized}: stable across its pods (wakes, replacements); never shown by the API
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Deployment(
        String name,
        PodSpec spec,
        PodId currentPod,
        Map<Integer, URI> urls,
        Instant createdAt,
        Instant updatedAt,
        long version,
        String authTokenHash) {

    public Deployment {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        urls = urls == null ? Map.of() : Map.copyOf(new TreeMap<>(urls));
        if (authTokenHash != null && !dev.berth.route.AuthToken.isHash(authTokenHash)) {
            throw new IllegalArgumentException("authTokenHash of deployment " + name + " is not a SHA-256 in lowercase hex");
        }
    }

    /** A deployment without a token hash. */
    public Deployment(String name, PodSpec spec, PodId currentPod, Map<Integer, URI> urls, Instant createdAt,
                      Instant updatedAt, long version) {
        this(name, spec, currentPod, urls, createdAt, updatedAt, version, null);
    }

    public Deployment withCurrentPod(PodId pod, PodSpec newSpec, Map<Integer, URI> newUrls, Instant now) {
        return new Deployment(name, newSpec, pod, newUrls, createdAt, now, version, authTokenHash);
    }

    public Deployment withAuthTokenHash(String hash, Instant now) {
        return new Deployment(name, spec, currentPod, urls, createdAt, now, version, hash);
    }

    public Deployment withVersion(long newVersion) {
        return new Deployment(name, spec, currentPod, urls, createdAt, updatedAt, newVersion, authTokenHash);
    }
}
