package dev.berth.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.berth.functions.internal.Events;
import dev.berth.image.ImageBuild;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EventBridge "CodeBuild Build State Change" of the image project: records the outcome, then the pods waiting
 * for the image move on to start (RunTask), or fail with the build's reason and log link.
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
        AwsPlatform p = platform.get();
        ImageBuild outcome = p.builder().buildFinished(build.imageId(), build.succeeded(), build.status()
                + (build.reason() == null ? "" : " (" + build.reason() + ")"), build.logUrl());
        LOG.info("imageId={} buildId={} status={}", build.imageId(), build.buildId(), build.status());
        if (build.succeeded()) {
            p.service().imageBuilt(build.imageId(), outcome.ref());
            return "built";
        }
        p.service().imageFailed(build.imageId(), outcome.message());
        return "failed";
    }
}
