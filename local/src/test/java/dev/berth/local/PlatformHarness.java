package dev.berth.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * What the local end-to-end tests share: a Berth home with the local base-image mapping, a REST client with
 * the platform's token, and an HTTPS client trusting only the platform's generated CA (pod URLs resolve
 * through the {@code *.localhost} resolver in the local jar).
 */
public final class PlatformHarness {
    static final String BUSYBOX = "berth/busybox:latest";
    static final String PYTHON = "berth/python:3.11";

    private PlatformHarness() {
    }

    /** A new home whose base-image map sends public names to the local images, built if missing. */
    public static Path newHome(Path dir) {
        ensureBaseImages();
        try {
            Files.writeString(dir.resolve("base-images.properties"), String.join("\n",
                    "busybox\\:latest=" + BUSYBOX,
                    "busybox=" + BUSYBOX,
                    "python\\:3.12-slim=" + PYTHON,
                    "python\\:3.11-slim=" + PYTHON, ""));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes every container the platform of {@code home} made (label {@code dev.berth.owner}), exited ones included:
     * a platform keeps an exited pod's container for its logs until it is stopped or the platform recovers, and a
     * test's home is never started again.
     */
    public static void removeContainers(Path home) {
        Path id = home.resolve("platform-id");
        try {
            if (!Files.exists(id)) {
                return;
            }
            Process list = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=dev.berth.owner=" + Files.readString(id).strip())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> containers = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank()).toList();
            list.waitFor();
            if (!containers.isEmpty()) {
                List<String> remove = new ArrayList<>(List.of("docker", "rm", "-f"));
                remove.addAll(containers);
                new ProcessBuilder(remove).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the containers of the test platform in " + home, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs scripts/base-images.sh once if the engine lacks the Python base (minutes, once per machine). */
    private static synchronized void ensureBaseImages() {
        try {
            Process inspect = new ProcessBuilder("docker", "image", "inspect", PYTHON).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (inspect.waitFor() == 0) {
                return;
            }
            Path script = Path.of("..", "scripts", "base-images.sh").toAbsolutePath().normalize();
            Path log = Files.createTempFile("base-images", ".log");
            Process build = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!build.waitFor(20, TimeUnit.MINUTES) || build.exitValue() != 0) {
                throw new IllegalStateException(script + " failed:\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A client of one platform's REST API and pod URLs. */
    static final class Client {
        final URI api;
        final String token;
        final HttpClient http;
        final HttpClient pods;

        Client(URI api, Path home, SSLContext podTls) {
            this.api = api;
            try {
                this.token = Files.readString(home.resolve("token")).strip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.http = HttpClient.newHttpClient();
            this.pods = HttpClient.newBuilder().sslContext(podTls).connectTimeout(Duration.ofSeconds(5)).build();
        }

        HttpResponse<String> call(String method, String path, String body) {
            HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path)).header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(60));
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            return send(http, request.build());
        }

        JsonNode json(String method, String path, String body) {
            HttpResponse<String> response = call(method, path, body);
            if (response.statusCode() >= 400) {
                throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return read(response.body());
        }

        JsonNode create(String specJson) {
            return json("POST", "/v1/pods", specJson);
        }

        JsonNode pod(String id) {
            return json("GET", "/v1/pods/" + id, null);
        }

        /** Waits until the pod is in a status matching {@code done}; fails with the pod's record otherwise. */
        JsonNode awaitStatus(String id, Duration timeout, String... statuses) {
            java.util.Set<String> wanted = java.util.Set.of(statuses);
            return await(() -> pod(id), p -> wanted.contains(p.path("status").asText()), timeout,
                    "pod " + id + " to be " + wanted);
        }

        JsonNode awaitRunning(String id) {
            JsonNode pod = awaitStatus(id, Duration.ofMinutes(5), "RUNNING", "FAILED", "STOPPED");
            if (!pod.path("status").asText().equals("RUNNING")) {
                throw new AssertionError("Pod did not run: " + pod);
            }
            return pod;
        }

        /** GET on a pod URL with the CA trusted. */
        HttpResponse<String> get(String url) {
            return send(pods, HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build());
        }

        String url(JsonNode pod, int port) {
            return pod.path("urls").path(String.valueOf(port)).asText();
        }
    }

    static JsonNode read(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static <T> T await(Supplier<T> probe, Predicate<T> done, Duration timeout, String what) {
        Instant deadline = Instant.now().plus(timeout);
        T last = probe.get();
        while (!done.test(last)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for " + what + "; last: " + last);
            }
            sleep(100);
            last = probe.get();
        }
        return last;
    }

    /** Sleeps, turning an interrupt into a failure (with the thread's flag kept). */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
