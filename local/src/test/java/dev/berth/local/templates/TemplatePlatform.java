package dev.berth.local.templates;

import dev.berth.local.LocalConfig;
import dev.berth.local.LocalPlatform;
import dev.berth.pod.PodStatus;
import dev.berth.pod.PodSpec;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.Pod;
import dev.berth.sdk.PodInstance;
import dev.berth.template.Template;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real local platform per test class (in-process, real Docker engine, real router TLS) and an SDK client of it;
 * templates are fetched from the platform's own catalog, as {@code berth run --template} does.
 */
final class TemplatePlatform implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TemplatePlatform.class);
    static final String PYTHON = "berth/python:3.11";

    final LocalPlatform platform;
    final BerthClient client;

    private TemplatePlatform(Path home) {
        this.platform = LocalPlatform.start(LocalConfig.fromEnv(Map.of()).withHome(home).withPorts(0, 0));
        this.client = BerthClient.builder().home(home).environment(Map.of()).build();
    }

    /** Starts a platform on a new home whose base-image map sends the public names to the local images. */
    static TemplatePlatform start(Path home) {
        ensureBaseImages();
        try {
            Files.writeString(home.resolve("base-images.properties"), String.join("\n",
                    "busybox\\:latest=berth/busybox:latest", "busybox=berth/busybox:latest",
                    "python\\:3.12-slim=" + PYTHON, "python\\:3.11-slim=" + PYTHON, ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TemplatePlatform(home);
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
            sleep(200);
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
        }
    }

    private static synchronized void ensureBaseImages() {
        try {
            Process inspect = new ProcessBuilder("docker", "image", "inspect", PYTHON).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (inspect.waitFor() == 0) {
                return;
            }
            Path script = Path.of("..", "scripts", "base-images.sh").toAbsolutePath().normalize();
            Process build = new ProcessBuilder("bash", script.toString()).inheritIO().start();
            if (!build.waitFor(20, TimeUnit.MINUTES) || build.exitValue() != 0) {
                throw new IllegalStateException(script + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
