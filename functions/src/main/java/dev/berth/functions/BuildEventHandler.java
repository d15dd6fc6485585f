package dev.berth.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.berth.functions.internal.Events;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuildStatus;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EventBridge "CodeBuild Build State Change" of the image project: records the outcome, then the pods waiting
 * for the image move on to start (RunTask), or fail with the failing step, its error and the log link
 * ({@link dev.berth.functions.image.CodeBuildImageBuilder#buildFinished}).
 */
public final class BuildEventHandler implements RequestHandler<Map<String, Object>, String> {
    private static final Logger LOG = LoggerFactory.getLogger(BuildEventHandler.class);
    private final Supplier<AwsPlatform> platform;

    public BuildEventHandler() {
        this.platform = Lazy.of(AwsPlatform::fromEnvironment);
    }

    public BuildEventHandler(AwsPlatform platform) {
        this.platform = () -> platform;
    }

    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        Optional<Events.BuildFinished> parsed = Events.buildFinished(Events.tree(event));
        if (parsed.isEmpty() || !parsed.get().finished()) {
            return "ignored";
        }
        Events.BuildFinished build = parsed.get();
        // The builder records the outcome and reports it to the service (imageBuilt / imageFailed).
        ImageBuild outcome = platform.get().builder().buildFinished(build);
        LOG.info("imageId={} buildId={} status={}", build.imageId(), build.buildId(), build.status());
        return outcome.status() == ImageBuildStatus.READY ? "built" : "failed";
    }
}
