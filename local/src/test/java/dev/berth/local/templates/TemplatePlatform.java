package dev.berth.local.templates;

import dev.berth.local.LocalConfig;
import dev.berth.local.LocalPlatform;
import dev.berth.local.PlatformHarness;
import dev.berth.pod.PodStatus;
import dev.berth.pod.PodSpec;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.Pod;
import dev.berth.sdk.PodInstance;
import dev.berth.template.Template;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real local platform per test class (in-process, real Docker engine, real router TLS) and an SDK client of it;
 * templates are fetched from the platform's own catalog, as {@code berth run --template} does.
 */
final class TemplatePlatform implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TemplatePlatform.class);

    final LocalPlatform platform;
    final BerthClient client;

    private TemplatePlatform(Path home) {
        this.platform = LocalPlatform.start(LocalConfig.fromEnv(Map.of()).withHome(home).withPorts(0, 0));
        this.client = BerthClient.builder().home(home).environment(Map.of()).build();
    }

    /** Starts a platform on a new home whose base-image map sends the public names to the local images. */
    static TemplatePlatform start(Path home) {
        return new TemplatePlatform(PlatformHarness.newHome(home));
    }

    Template template(String name) {
        return client.template(name);
    }

    /**
     * Starts a pod of {@code spec} and waits until its URLs answer; logs how long the build and the start took,
     * for the report of template timings.
     */
    PodInstance startAndAwait(String what, PodSpec spec, Duration timeout) {
        Instant begin = Instant.now();
        PodInstance pod = client.create(Pod.of(spec));
        Instant built = null;
        while (pod.refresh().status() == PodStatus.PENDING || pod.status() == PodStatus.BUILDING) {
            PlatformHarness.sleep(200);
            if (Duration.between(begin, Instant.now()).compareTo(timeout) > 0) {
                break;
            }
        }
        built = Instant.now();
        pod.awaitReady(timeout);
        LOG.info("template {}: image ready after {} s, answering after {} s in all", what,
                Duration.between(begin, built).toMillis() / 1000.0, Duration.between(begin, Instant.now()).toMillis() / 1000.0);
        return pod;
    }

    /** The pod's URL with its auth token as the router accepts it in a browser ({@code ?auth_token=}), if it has one. */
    static URI browserUrl(PodInstance pod, int port, String path) {
        URI base = pod.url(port).resolve(path);
        return pod.authToken().map(t -> URI.create(base + (base.getQuery() == null ? "?" : "&") + "auth_token=" + t)).orElse(base);
    }

    @Override
    public void close() {
        try {
            for (PodInstance pod : client.list(PodStatus.PENDING, PodStatus.BUILDING, PodStatus.STARTING, PodStatus.RUNNING)) {
                pod.terminate();
            }
        } finally {
            client.close();
            platform.close();
            PlatformHarness.removeContainers(platform.home());
        }
    }
}
