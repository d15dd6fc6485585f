package dev.berth.local.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The engine the Docker ITs share: one client, and the local base images built on demand by
 * {@code scripts/base-images.sh} (busybox only, unless a test needs Python).
 */
final class DockerTestEngine {
    static final String BUSYBOX = "berth/busybox:latest";
    static final String PYTHON = "berth/python:3.11";
    static final String NETWORK = "berth-it";
    static final String ISOLATED_NETWORK = "berth-it-isolated";

    private static DockerClient client;
    private static Boolean podman;

    private DockerTestEngine() {
    }

    static synchronized DockerClient docker() {
        if (client == null) {
            client = DockerClients.connect();
        }
        return client;
    }

    /** Whether the engine is Podman (its Docker-compatible API), which reports some settings differently. */
    static synchronized boolean isPodman() {
        if (podman == null) {
            var components = docker().versionCmd().exec().getComponents();
            podman = components != null && components.stream().anyMatch(c -> c.getName() != null && c.getName().startsWith("Podman"));
        }
        return podman;
    }

    /** Builds berth/busybox with the script if the engine lacks it. */
    static synchronized void ensureBusybox() {
        if (!has(BUSYBOX)) {
            runScript("--busybox-only");
        }
    }

    /** Builds every base image with the script if the engine lacks the Python one (minutes, once per machine). */
    static synchronized void ensurePython() {
        if (!has(PYTHON)) {
            runScript();
        }
    }

    /** The mapping the ITs use: independent of the user's ~/.berth. */
    static BaseImages baseImages() {
        return BaseImages.of(Map.of(
                "busybox:latest", BUSYBOX,
                "python:3.12-slim", PYTHON,
                "python:3.11-slim", PYTHON), docker());
    }

    private static boolean has(String image) {
        try {
            docker().inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private static void runScript(String... args) {
        Path script = Path.of("..", "scripts", "base-images.sh").toAbsolutePath().normalize();
        Path home = Path.of("target", "berth-home").toAbsolutePath();
        try {
            Files.createDirectories(home);
            Path log = home.resolve("base-images.log");
            ProcessBuilder pb = new ProcessBuilder(concat("bash", script.toString(), args))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // The ITs map names themselves; the script's mapping file goes under target/, not ~/.berth. The
            // debootstrap cache stays in ~/.berth/cache so a clean build does not bootstrap Debian again.
            pb.environment().put("BERTH_HOME", home.toString());
            Path userCache = Path.of(System.getProperty("user.home"), ".berth", "cache");
            Files.createDirectories(userCache);
            if (!Files.exists(home.resolve("cache"))) {
                Files.createSymbolicLink(home.resolve("cache"), userCache);
            }
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " " + String.join(" ", args) + " failed:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running " + script, e);
        }
    }

    private static List<String> concat(String a, String b, String... rest) {
        List<String> all = new java.util.ArrayList<>(List.of(a, b));
        all.addAll(List.of(rest));
        return all;
    }
}
