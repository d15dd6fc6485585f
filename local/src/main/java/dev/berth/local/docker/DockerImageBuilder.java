package dev.berth.local.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import dev.berth.image.BuildContext;
import dev.berth.image.DockerfileRenderer;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuildStatus;
import dev.berth.image.ImageBuilder;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.PodEvents;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds pod images with the Docker Engine build API (the classic builder), tagged
 * {@code berth-image:<image id>} and labelled {@value #LABEL_IMAGE_ID}. The tag is the cache: an id whose
 * tag the engine holds is never built again, also after a restart of the platform.
 *
 * <p>Every {@code FROM} line is rewritten through {@link BaseImages}, since no registry can be pulled from.
 * Builds run on the given executor; the outcome goes to {@link PodEvents#imageBuilt} or
 * {@link PodEvents#imageFailed}, the latter naming the failed step with the tail of the log. The log of each
 * build is kept (its last {@value #MAX_LOG_CHARS} characters) for {@link #status}.
 *
 * <p>Thread-safe: concurrent {@link #build} calls for one id start one build.
 */
public final class DockerImageBuilder implements ImageBuilder {
    /** The repository of every image this builder tags; the tag is the full image id. */
    public static final String REPOSITORY = "berth-image";
    public static final String LABEL_IMAGE_ID = "dev.berth.image-id";
    static final int MAX_LOG_CHARS = 256 * 1024;
    private static final int TAIL_LINES = 20;
    /** A step of the log: Docker's classic builder says {@code Step 2/5 : RUN x}, Podman's (Buildah) {@code STEP 2/5: RUN x}. */
    private static final Pattern STEP = Pattern.compile("(?mi)^Step (\\d+/\\d+) ?: (.*)$");
    private static final Logger LOG = LoggerFactory.getLogger(DockerImageBuilder.class);

    private final DockerClient docker;
    private final BaseImages baseImages;
    private final PodEvents events;
    private final Executor executor;
    private final ConcurrentMap<ImageId, Build> builds = new ConcurrentHashMap<>();

    public DockerImageBuilder(DockerClient docker, BaseImages baseImages, PodEvents events, Executor executor) {
        this.docker = Objects.requireNonNull(docker, "docker");
        this.baseImages = Objects.requireNonNull(baseImages, "baseImages");
        this.events = Objects.requireNonNull(events, "events");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** The tag of an image id: {@code berth-image:<64 hex digits>}. */
    public static String ref(ImageId id) {
        return REPOSITORY + ":" + id.value();
    }

    @Override
    public void validate(ImageSpec spec) {
        baseImages.validate(spec);
    }

    @Override
    public Optional<String> find(ImageId id) {
        String ref = ref(id);
        try {
            docker.inspectImageCmd(ref).exec();
            return Optional.of(ref);
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void build(ImageId id, ImageSpec spec) {
        Objects.requireNonNull(spec, "spec");
        AtomicBoolean started = new AtomicBoolean();
        Build build = builds.compute(id, (key, existing) -> {
            if (existing != null && existing.status() != ImageBuildStatus.FAILED) {
                return existing;
            }
            started.set(true);
            return new Build(id);
        });
        if (started.get()) {
            try {
                executor.execute(() -> run(build, spec));
            } catch (RuntimeException e) {
                fail(build, "Image build of " + id.shortValue() + " could not be scheduled: " + e.getMessage()
                        + "; retry when the platform is less busy");
            }
        }
    }

    @Override
    public ImageBuild status(ImageId id) {
        Build build = builds.get(id);
        if (build != null) {
            return build.snapshot();
        }
        return find(id).map(ref -> ImageBuild.ready(id, ref, "")).orElseGet(() -> ImageBuild.unknown(id));
    }

    private void run(Build build, ImageSpec spec) {
        ImageId id = build.id;
        try {
            Optional<String> existing = find(id);
            if (existing.isPresent()) {
                build.ready(existing.get());
                events.imageBuilt(id, existing.get());
                return;
            }
            BuildContext rendered = DockerfileRenderer.render(spec);
            BuildContext context = rendered.withDockerfile(baseImages.rewrite(rendered.dockerfile()));
            String ref = ref(id);
            LOG.debug("Building image {} as {}", id.shortValue(), ref);
            BuildCallback callback = new BuildCallback(build);
            docker.buildImageCmd()
                    .withTarInputStream(new ByteArrayInputStream(context.tar()))
                    .withTags(Set.of(ref))
                    .withLabels(Map.of(LABEL_IMAGE_ID, id.value()))
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true)
                    .exec(callback)
                    .awaitCompletion();
            if (callback.error != null) {
                fail(build, failureMessage(build, callback.error));
                return;
            }
            if (find(id).isEmpty()) {
                fail(build, failureMessage(build, "the engine finished without tagging " + ref));
                return;
            }
            build.ready(ref);
            LOG.debug("Built image {}", id.shortValue());
            events.imageBuilt(id, ref);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(build, failureMessage(build, "the build was interrupted"));
        } catch (RuntimeException e) {
            fail(build, failureMessage(build, e.getMessage()));
        }
    }

    private void fail(Build build, String message) {
        build.failed(message);
        LOG.debug("Image build {} failed: {}", build.id.shortValue(), message);
        events.imageFailed(build.id, message);
    }

    private static String failureMessage(Build build, String error) {
        String log = build.log();
        String step = null;
        Matcher m = STEP.matcher(log);
        while (m.find()) {
            step = "step " + m.group(1) + " '" + m.group(2).strip() + "'";
        }
        String[] lines = log.strip().split("\n");
        int from = Math.max(0, lines.length - TAIL_LINES);
        String tail = String.join("\n", Arrays.copyOfRange(lines, from, lines.length));
        return "Image build failed" + (step != null ? " at " + step : "") + ": " + (error == null ? "" : error.strip())
                + "; fix the image spec (packages, commands or Dockerfile) and create the pod again. Last lines of the build log:\n"
                + tail;
    }

    private static final class BuildCallback extends ResultCallback.Adapter<BuildResponseItem> {
        private final Build build;
        private volatile String error;

        BuildCallback(Build build) {
            this.build = build;
        }

        @Override
        public void onNext(BuildResponseItem item) {
            if (item.getStream() != null) {
                build.append(item.getStream());
            }
            if (item.isErrorIndicated()) {
                String message = item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                        ? item.getErrorDetail().getMessage() : item.getError();
                error = message;
                build.append(message + "\n");
            }
        }

        @Override
        public void onError(Throwable throwable) {
            error = throwable.getMessage() == null ? throwable.getClass().getSimpleName() : throwable.getMessage();
            super.onError(throwable);
        }
    }

    /** The state of one build; guarded by its own monitor. */
    private static final class Build {
        private final ImageId id;
        private final StringBuilder log = new StringBuilder();
        private ImageBuildStatus status = ImageBuildStatus.BUILDING;
        private String ref;
        private String message;

        Build(ImageId id) {
            this.id = id;
        }

        synchronized void append(String text) {
            log.append(text);
            if (log.length() > MAX_LOG_CHARS) {
                int cut = log.length() - MAX_LOG_CHARS;
                int newline = log.indexOf("\n", cut);
                log.delete(0, newline >= 0 && newline - cut < 4096 ? newline + 1 : cut);
            }
        }

        synchronized String log() {
            return log.toString();
        }

        synchronized void ready(String builtRef) {
            status = ImageBuildStatus.READY;
            ref = builtRef;
        }

        synchronized void failed(String why) {
            status = ImageBuildStatus.FAILED;
            message = why;
        }

        synchronized ImageBuild snapshot() {
            return new ImageBuild(id, status, ref, log.toString(), message);
        }

        synchronized ImageBuildStatus status() {
            return status;
        }
    }
}
