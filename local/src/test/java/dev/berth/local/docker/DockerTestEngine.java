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
 * The engines the Docker ITs run against, one shared client each: the default engine ({@link DockerClients#connect()}:
 * {@code DOCKER_HOST}, else Docker's socket, else Podman's) and a Podman service ({@link #podman()}, started by
 * {@code scripts/podman.sh}). The static methods are the default engine's.
 *
 * <p>Base images: the default engine's are built on demand by {@code scripts/base-images.sh} (busybox only, unless a
 * test needs Python); Podman's are loaded from dockerd by {@code scripts/podman.sh}.
 */
final class DockerTestEngine {
    static final String BUSYBOX = "berth/busybox:latest";
    static final String PYTHON = "berth/python:3.11";
    static final String NETWORK = "berth-it";
    static final String ISOLATED_NETWORK = "berth-it-isolated";
    /** Where {@code scripts/podman.sh} serves Podman's Docker-compatible API. */
    static final String DEFAULT_PODMAN_SOCKET = "unix:///run/berth-podman/podman.sock";
    private static final String PODMAN_HOW_TO = "The Podman ITs need a rootful Podman serving its Docker-compatible API: as root on "
            + "Debian run 'scripts/podman.sh' (installs podman and catatonit, configures the runc runtime, starts 'podman system "
            + "service' on " + DEFAULT_PODMAN_SOCKET + " and loads the base images from dockerd; './test.sh' runs it), or set "
            + "BERTH_PODMAN_SOCKET to a running Podman service's address";

    private static Engine current;
    private static Engine podman;

    private DockerTestEngine() {
    }

    /** The default engine, connected on first use. */
    static synchronized Engine current() {
        if (current == null) {
            current = new Engine(DockerClients.connect(), false);
        }
        return current;
    }

    /**
     * The Podman service at {@code BERTH_PODMAN_SOCKET} (default {@value #DEFAULT_PODMAN_SOCKET}).
     *
     * @throws IllegalStateException saying how to start one, if none answers there or the engine there is not Podman
     */
    static synchronized Engine podman() {
        if (podman == null) {
            String socket = System.getenv().getOrDefault("BERTH_PODMAN_SOCKET", DEFAULT_PODMAN_SOCKET);
            DockerClient client;
            try {
                client = DockerClients.connect(Map.of("DOCKER_HOST", socket));
            } catch (RuntimeException e) {
                throw new IllegalStateException("No Podman answers at " + socket + ": " + e.getMessage() + "\n" + PODMAN_HOW_TO, e);
            }
            Engine engine = new Engine(client, true);
            if (!engine.isPodman()) {
                throw new IllegalStateException("The engine at " + socket + " is not Podman (its version lists no Podman Engine). "
                        + PODMAN_HOW_TO);
            }
            podman = engine;
        }
        return podman;
    }

    static DockerClient docker() {
        return current().client();
    }

    static boolean isPodman() {
        return current().isPodman();
    }

    static void ensureBusybox() {
        current().ensureBusybox();
    }

    static void ensurePython() {
        current().ensurePython();
    }

    static BaseImages baseImages() {
        return current().baseImages();
    }

    /** One engine and what the ITs need of it. */
    static final class Engine {
        private final DockerClient client;
        /** Whether the base images come from scripts/podman.sh rather than scripts/base-images.sh. */
        private final boolean podmanService;
        private Boolean podman;

        private Engine(DockerClient client, boolean podmanService) {
            this.client = client;
            this.podmanService = podmanService;
        }

        DockerClient client() {
            return client;
        }

        /** Whether the engine is Podman (its Docker-compatible API), which reports some settings differently. */
        synchronized boolean isPodman() {
            if (podman == null) {
                var components = client.versionCmd().exec().getComponents();
                podman = components != null && components.stream().anyMatch(c -> c.getName() != null && c.getName().startsWith("Podman"));
            }
            return podman;
        }

        /** Makes sure the engine holds berth/busybox (built with the script if the default engine lacks it). */
        synchronized void ensureBusybox() {
            if (!has(BUSYBOX)) {
                if (podmanService) {
                    throw new IllegalStateException("Podman has no image " + BUSYBOX + ". " + PODMAN_HOW_TO);
                }
                runScript("--busybox-only");
            }
        }

        /** Builds every base image with the script if the engine lacks the Python one (minutes, once per machine). */
        synchronized void ensurePython() {
            if (!has(PYTHON)) {
                if (podmanService) {
                    throw new IllegalStateException("Podman has no image " + PYTHON + ". " + PODMAN_HOW_TO);
                }
                runScript();
            }
        }

        /** The mapping the ITs use: independent of the user's ~/.berth. */
        BaseImages baseImages() {
            return BaseImages.of(Map.of(
                    "busybox:latest", BUSYBOX,
                    "python:3.12-slim", PYTHON,
                    "python:3.11-slim", PYTHON), client);
        }

        private boolean has(String image) {
            try {
                client.inspectImageCmd(image).exec();
                return true;
            } catch (NotFoundException e) {
                return false;
            }
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
