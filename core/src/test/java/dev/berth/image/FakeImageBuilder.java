package dev.berth.image;

import dev.berth.InvalidSpecException;
import dev.berth.pod.PodEvents;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link ImageBuilder} in memory for unit tests. Builds finish when the test says so ({@link #finish},
 * {@link #failBuild}); known bases are configurable. Thread-safe.
 */
public final class FakeImageBuilder implements ImageBuilder {
    private final PodEvents events;
    private final Set<String> knownBases;
    private final Map<ImageId, ImageBuild> builds = new ConcurrentHashMap<>();
    private final Map<ImageId, ImageSpec> specs = new ConcurrentHashMap<>();
    private final AtomicInteger buildsStarted = new AtomicInteger();

    public FakeImageBuilder(PodEvents events, Set<String> knownBases) {
        this.events = events;
        this.knownBases = Set.copyOf(knownBases);
    }

    @Override
    public void validate(ImageSpec spec) {
        if (spec.dockerfile() == null && !knownBases.contains(spec.effectiveBase())) {
            throw new InvalidSpecException("image.base", "Unknown base image '" + spec.effectiveBase() + "'; use one of " + knownBases);
        }
    }

    @Override
    public Optional<String> find(ImageId id) {
        ImageBuild build = builds.get(id);
        return build != null && build.status() == ImageBuildStatus.READY ? Optional.of(build.ref()) : Optional.empty();
    }

    @Override
    public void build(ImageId id, ImageSpec spec) {
        ImageBuild current = builds.get(id);
        if (current != null && current.status() == ImageBuildStatus.READY) {
            events.imageBuilt(id, current.ref());
            return;
        }
        specs.put(id, spec);
        if (builds.putIfAbsent(id, new ImageBuild(id, ImageBuildStatus.BUILDING, null, "building\n", null)) == null
                || builds.get(id).status() == ImageBuildStatus.FAILED) {
            builds.put(id, new ImageBuild(id, ImageBuildStatus.BUILDING, null, "building\n", null));
            buildsStarted.incrementAndGet();
        }
    }

    /** Marks the id built without reporting (an image that was there before the test). */
    public String preBuilt(ImageSpec spec) {
        ImageId id = ImageId.of(spec);
        String ref = "fake/" + id.shortValue();
        builds.put(id, ImageBuild.ready(id, ref, "cached\n"));
        return ref;
    }

    /** Finishes a running build and reports it. */
    public void finish(ImageId id) {
        String ref = "fake/" + id.shortValue();
        builds.put(id, ImageBuild.ready(id, ref, "building\ndone\n"));
        events.imageBuilt(id, ref);
    }

    public void failBuild(ImageId id, String message) {
        builds.put(id, new ImageBuild(id, ImageBuildStatus.FAILED, null, "building\nerror\n", message));
        events.imageFailed(id, message);
    }

    /** How many builds really started (a repeated call for a building id starts none). */
    public int buildsStarted() {
        return buildsStarted.get();
    }

    @Override
    public ImageBuild status(ImageId id) {
        return builds.getOrDefault(id, ImageBuild.unknown(id));
    }
}
