package dev.berth.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * The build of one image: its status, the reference of the built image, its log and, for a failure, why.
 *
 * @param ref     where the built image lives (a local tag, an ECR URI), once READY
 * @param log     the build log so far (tail-trimmed to a bounded size)
 * @param message for FAILED, what went wrong and what to change
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageBuild(ImageId imageId, ImageBuildStatus status, String ref, String log, String message) {
    public ImageBuild {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(status, "status");
        log = log == null ? "" : log;
    }

    public static ImageBuild unknown(ImageId id) {
        return new ImageBuild(id, ImageBuildStatus.UNKNOWN, null, "", null);
    }

    public static ImageBuild ready(ImageId id, String ref, String log) {
        return new ImageBuild(id, ImageBuildStatus.READY, ref, log, null);
    }
}
