package dev.berth.pod;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.berth.image.ImageId;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The record of one pod: its spec, where it is in its lifecycle and what it left behind. Immutable; each
 * change is a copy with {@link #version()} one higher, written with compare-and-set by a {@link PodStore}.
 *
 * @param deployment the deployment this pod serves, or {@code null}
 * @param runtimeRef the runtime's handle of the pod's container or task, once started
 * @param urls       the HTTPS URL of each port, known from creation
 * @param runningSince when the pod became RUNNING: the keep-warm clock starts here
 * @param authTokenHash the SHA-256 ({@link dev.berth.route.AuthToken#hash}) of the token that opens an
 *                      {@code authorized} pod's URLs, else {@code null}; stored, never shown by the API
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Pod(
        PodId id,
        PodSpec spec,
        PodStatus status,
        ImageId imageId,
        String deployment,
        String runtimeRef,
        Map<Integer, URI> urls,
        StopReason stopReason,
        Integer exitCode,
        String message,
        Instant createdAt,
        Instant updatedAt,
        Instant runningSince,
        Instant stoppedAt,
        long version,
        String authTokenHash) {

    public Pod {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        urls = urls == null ? Map.of() : Map.copyOf(new TreeMap<>(urls));
        if (status.isTerminal() && stopReason == null) {
            throw new IllegalArgumentException("Pod " + id + " is " + status + " without a stop reason");
        }
        if (authTokenHash != null && !dev.berth.route.AuthToken.isHash(authTokenHash)) {
            throw new IllegalArgumentException("authTokenHash of pod " + id + " is not a SHA-256 in lowercase hex");
        }
    }

    /** A pod without a token hash (not {@code authorized}). */
    public Pod(PodId id, PodSpec spec, PodStatus status, ImageId imageId, String deployment, String runtimeRef,
               Map<Integer, URI> urls, StopReason stopReason, Integer exitCode, String message, Instant createdAt,
               Instant updatedAt, Instant runningSince, Instant stoppedAt, long version) {
        this(id, spec, status, imageId, deployment, runtimeRef, urls, stopReason, exitCode, message, createdAt, updatedAt,
                runningSince, stoppedAt, version, null);
    }

    /** A new PENDING pod at version 0. */
    public static Pod pending(PodId id, PodSpec spec, String deployment, Map<Integer, URI> urls, Instant now) {
        return pending(id, spec, deployment, urls, now, null);
    }

    /** A new PENDING pod at version 0 opened by the token of {@code authTokenHash}. */
    public static Pod pending(PodId id, PodSpec spec, String deployment, Map<Integer, URI> urls, Instant now,
                              String authTokenHash) {
        return new Pod(id, spec, PodStatus.PENDING, ImageId.of(spec.image()), deployment, null, urls, null, null, null,
                now, now, null, null, 0, authTokenHash);
    }

    /** The host label of this pod's URLs: the deployment name for a deployment's pod, else the pod id. */
    public String hostLabel() {
        return deployment != null ? deployment : id.value();
    }

    public Optional<String> runtime() {
        return Optional.ofNullable(runtimeRef);
    }

    /**
     * This pod moved to {@code next}, at {@code now}. The version is left as is: the store bumps it.
     *
     * @throws IllegalStateException if the lifecycle does not allow the move
     */
    public Pod moveTo(PodStatus next, Instant now) {
        if (!status.canMoveTo(next)) {
            throw new IllegalStateException("Pod " + id + " cannot move from " + status + " to " + next);
        }
        return new Pod(id, spec, next, imageId, deployment, runtimeRef, urls, stopReason, exitCode, message, createdAt, now,
                next == PodStatus.RUNNING ? now : runningSince,
                next.isTerminal() ? now : stoppedAt, version, authTokenHash);
    }

    public Pod withRuntimeRef(String ref) {
        return new Pod(id, spec, status, imageId, deployment, ref, urls, stopReason, exitCode, message, createdAt, updatedAt,
                runningSince, stoppedAt, version, authTokenHash);
    }

    public Pod withStop(StopReason reason, Integer code, String why) {
        return new Pod(id, spec, status, imageId, deployment, runtimeRef, urls, reason, code, why, createdAt, updatedAt,
                runningSince, stoppedAt, version, authTokenHash);
    }

    public Pod withVersion(long newVersion) {
        return new Pod(id, spec, status, imageId, deployment, runtimeRef, urls, stopReason, exitCode, message, createdAt,
                updatedAt, runningSince, stoppedAt, newVersion, authTokenHash);
    }

    /** This pod opened by the token of {@code hash} ({@code null}: no token; the API shows pods so, see {@code RestApi}). */
    public Pod withAuthTokenHash(String hash) {
        return new Pod(id, spec, status, imageId, deployment, runtimeRef, urls, stopReason, exitCode, message, createdAt,
                updatedAt, runningSince, stoppedAt, version, hash);
    }
}
