package dev.berth.image;

import java.util.Optional;

/**
 * Turns an {@link ImageSpec} into a runnable image, cached by {@link ImageId}: an id already built is
 * never built again.
 *
 * <p>Builds are asynchronous. {@link #build} returns at once; the builder reports the outcome to the
 * {@link dev.berth.pod.PodEvents} it was created with ({@code imageBuilt} / {@code imageFailed}). On AWS the
 * outcome arrives later as an event to another process, which forwards it the same way.
 *
 * <p>Implementations are thread-safe.
 */
public interface ImageBuilder {

    /**
     * Checks what can be checked before a pod is accepted, such as whether the base image is known.
     *
     * @throws dev.berth.InvalidSpecException naming {@code image.base} (or another field) and the fix
     */
    void validate(ImageSpec spec);

    /** The reference of the built image, if this id is built. */
    Optional<String> find(ImageId id);

    /**
     * Starts building unless this id is built or already building; returns at once. Repeated calls for
     * the same id while it builds start no second build. If the id is already built, reports
     * {@code imageBuilt} at once (from this or another thread), so a caller racing another build never waits
     * forever.
     */
    void build(ImageId id, ImageSpec spec);

    /** The build status and log of an id ({@link ImageBuildStatus#UNKNOWN} if never asked for). */
    ImageBuild status(ImageId id);
}
