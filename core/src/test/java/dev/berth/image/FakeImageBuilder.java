package dev.berth.image;

import dev.berth.InvalidSpecException;
import dev.berth.pod.PodEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link ImageBuilder} in memory, in one of two modes. Thread-safe.
 *
 * <ul>
 *   <li><b>Manual</b> ({@link #FakeImageBuilder(PodEvents, Set)}), for unit tests of the service: a build
 *       stays BUILDING until the test ends it with {@link #finish} or {@link #failBuild}.</li>
 *   <li><b>Autonomous</b> ({@link #autonomous}): a build ends by itself on a background thread after
 *       {@link #BUILD_TIME}, which stands for the engine's work (so callers racing one build overlap it, as
 *       with a real engine). It runs the spec's steps ({@code image.commands}, or the Dockerfile's lines) into
 *       the log and fails at the first step containing {@link #FAILING_COMMAND}, naming the step.</li>
 * </ul>
 *
 * <p>Built images live in {@link Images}, which builders created over the same instance share, as
 * processes share an engine's image store: a builder created later finds what an earlier one built.
 * Refs are {@code fake/<short id>}. Known bases are configurable; a Dockerfile's base is not checked.
 */
public final class FakeImageBuilder implements ImageBuilder, AutoCloseable {
    /** A command that fails the step it is in, in autonomous mode. */
    public static final String FAILING_COMMAND = "fake-fail";
    /** How long an autonomous build takes. */
    public static final Duration BUILD_TIME = Duration.ofMillis(200);

    private final PodEvents events;
    private final Set<String> knownBases;
    private final Images images;
    private final boolean autonomous;
    /** This builder's builds: BUILDING, FAILED, or READY once it finished one. */
    private final Map<ImageId, ImageBuild> builds = new ConcurrentHashMap<>();
    private final AtomicInteger buildsStarted = new AtomicInteger();
    private final ScheduledExecutorService workers;

    /** A manual builder with an image store of its own. */
    public FakeImageBuilder(PodEvents events, Set<String> knownBases) {
        this(events, knownBases, new Images(), false);
    }

    private FakeImageBuilder(PodEvents events, Set<String> knownBases, Images images, boolean autonomous) {
        this.events = Objects.requireNonNull(events, "events");
        this.knownBases = Set.copyOf(knownBases);
        this.images = Objects.requireNonNull(images, "images");
        this.autonomous = autonomous;
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("fake-image-build").daemon().factory());
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.workers = pool;
    }

    /** A builder whose builds end by themselves, over a shared image store. */
    public static FakeImageBuilder autonomous(PodEvents events, Set<String> knownBases, Images images) {
        return new FakeImageBuilder(events, knownBases, images, true);
    }

    /** The images built so far, by id; shared by the builders created over it. Thread-safe. */
    public static final class Images {
        private final Map<ImageId, ImageBuild> built = new ConcurrentHashMap<>();
    }

    @Override
    public void validate(ImageSpec spec) {
        if (spec.dockerfile() == null && !knownBases.contains(spec.effectiveBase())) {
            throw new InvalidSpecException("image.base", "Unknown base image '" + spec.effectiveBase() + "'; use one of " + knownBases);
        }
    }

    @Override
    public Optional<String> find(ImageId id) {
        return Optional.ofNullable(images.built.get(id)).map(ImageBuild::ref);
    }

    @Override
    public void build(ImageId id, ImageSpec spec) {
        ImageBuild[] ready = {null};
        boolean[] start = {false};
        builds.compute(id, (key, current) -> {
            if (current != null && current.status() == ImageBuildStatus.BUILDING) {
                return current;
            }
            ready[0] = current != null && current.status() == ImageBuildStatus.READY ? current : images.built.get(id);
            if (ready[0] != null) {
                return current;
            }
            start[0] = true;
            return new ImageBuild(id, ImageBuildStatus.BUILDING, null, "building\n", null);
        });
        if (ready[0] != null) {
            events.imageBuilt(id, ready[0].ref());
        } else if (start[0]) {
            buildsStarted.incrementAndGet();
            if (autonomous) {
                workers.schedule(() -> run(id, spec), BUILD_TIME.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public ImageBuild status(ImageId id) {
        ImageBuild built = images.built.get(id);
        if (built != null) {
            return built;
        }
        return builds.getOrDefault(id, ImageBuild.unknown(id));
    }

    /** Ends the background builds of an autonomous builder; builds still running never end. */
    @Override
    public void close() {
        workers.shutdownNow();
    }

    // ---- test controls ----

    /** Marks the id built without reporting (an image that was there before the test). */
    public String preBuilt(ImageSpec spec) {
        ImageId id = ImageId.of(spec);
        String ref = ref(id);
        images.built.put(id, ImageBuild.ready(id, ref, "cached\n"));
        return ref;
    }

    /** Finishes a running build and reports it. */
    public void finish(ImageId id) {
        succeed(id, "building\ndone\n");
    }

    /** Fails a running build with {@code message} and reports it. */
    public void failBuild(ImageId id, String message) {
        fail(id, message, "building\nerror\n");
    }

    /** How many builds really started (a repeated call for a building id starts none). */
    public int buildsStarted() {
        return buildsStarted.get();
    }

    // ---- internals ----

    private static String ref(ImageId id) {
        return "fake/" + id.shortValue();
    }

    /** An autonomous build: runs the steps into the log and ends at the first failing one. */
    private void run(ImageId id, ImageSpec spec) {
        StringBuilder log = new StringBuilder("building\n");
        for (String step : steps(spec)) {
            log.append(step).append('\n');
            if (step.contains(FAILING_COMMAND)) {
                log.append(FAILING_COMMAND).append(": exit status 1\n");
                fail(id, "Image build failed at step '" + step + "' (exit status 1); fix or remove that command", log.toString());
                return;
            }
        }
        succeed(id, log.append("done\n").toString());
    }

    private static List<String> steps(ImageSpec spec) {
        List<String> steps = new ArrayList<>();
        if (spec.dockerfile() != null) {
            spec.dockerfile().lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(steps::add);
        } else {
            steps.add("FROM " + spec.effectiveBase());
            spec.commands().forEach(c -> steps.add("RUN " + c));
        }
        return steps;
    }

    private void succeed(ImageId id, String log) {
        ImageBuild built = ImageBuild.ready(id, ref(id), log);
        images.built.put(id, built);
        builds.put(id, built);
        events.imageBuilt(id, built.ref());
    }

    private void fail(ImageId id, String message, String log) {
        builds.put(id, new ImageBuild(id, ImageBuildStatus.FAILED, null, log, message));
        events.imageFailed(id, message);
    }
}
