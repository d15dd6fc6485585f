package dev.berth.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A client of a {@code code-sandbox} pod: runs Python or shell code in a locked-down container (no network,
 * read-only root, non-root user, CPU, memory, process, file-size and time limits) and returns its output.
 *
 * <pre>{@code
 * try (BerthClient client = BerthClient.create();
 *      Sandbox sandbox = Sandbox.create(client)) {          // starts a code-sandbox pod from the platform's template
 *     SandboxResult result = sandbox.run("print(6 * 7)");
 *     System.out.println(result.stdout());                  // 42
 * }
 * }</pre>
 *
 * <p>Submissions run one at a time in the pod; the sandbox keeps serving after hostile code (a fork bomb, an
 * endless loop, a huge allocation), which is reported in the {@link SandboxResult}. Thread-safe.
 */
public final class Sandbox implements AutoCloseable {
    /** The language of a submission. */
    public enum Language {
        PYTHON, SHELL;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The template {@link #create(BerthClient)} starts. */
    public static final String TEMPLATE = "code-sandbox";
    private static final int PORT = 8080;

    private final BerthClient client;
    private final PodInstance pod;
    private final boolean owned;

    private Sandbox(BerthClient client, PodInstance pod, boolean owned) {
        this.client = Objects.requireNonNull(client, "client");
        this.pod = Objects.requireNonNull(pod, "pod");
        this.owned = owned;
    }

    /**
     * Starts a pod of the platform's {@value #TEMPLATE} template and waits until it answers (the first start
     * builds its image: a minute or so). {@link #close()} stops the pod.
     */
    public static Sandbox create(BerthClient client) {
        return create(client, Duration.ofMinutes(10));
    }

    /** {@link #create(BerthClient)} waiting at most {@code timeout} for the pod. */
    public static Sandbox create(BerthClient client, Duration timeout) {
        PodInstance pod = client.create(Pod.of(client.template(TEMPLATE).spec()));
        try {
            return new Sandbox(client, pod.awaitReady(timeout), true);
        } catch (RuntimeException e) {
            pod.terminate();
            throw e;
        }
    }

    /** A client of a sandbox pod that already runs; {@link #close()} leaves it running. */
    public static Sandbox of(BerthClient client, PodInstance pod) {
        return new Sandbox(client, pod, false);
    }

    /** The sandbox's pod. */
    public PodInstance pod() {
        return pod;
    }

    /** Runs Python code with the sandbox's default timeout. */
    public SandboxResult run(String code) {
        return run(code, Language.PYTHON);
    }

    /** Runs code in {@code language} with the sandbox's default timeout (10 s). */
    public SandboxResult run(String code, Language language) {
        return run(code, language, null);
    }

    /**
     * Runs code in {@code language}, ended after {@code timeout} (at most the sandbox's maximum, 60 s by default).
     *
     * @throws BerthClientException if the sandbox refused the submission (the message says why)
     * @throws BerthServiceException if the sandbox cannot be reached
     */
    public SandboxResult run(String code, Language language, Duration timeout) {
        Objects.requireNonNull(code, "code");
        ObjectNode body = Json.MAPPER.createObjectNode().put("code", code).put("language", language.wire());
        if (timeout != null) {
            body.put("timeoutSeconds", timeout.toMillis() / 1000.0);
        }
        URI uri = pod.url(PORT).resolve("/run");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(90))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
        pod.authToken().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        HttpResponse<String> response;
        try {
            response = client.httpClient().send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Cannot reach the sandbox at " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted while running code in the sandbox", e);
        }
        if (response.statusCode() == 200) {
            return Json.read(response.body(), SandboxResult.class);
        }
        String message = message(response.body());
        if (response.statusCode() >= 400 && response.statusCode() < 500) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, null, "The sandbox refused the code: " + message);
        }
        throw new BerthServiceException(ErrorCode.UNAVAILABLE, "The sandbox answered " + response.statusCode() + ": " + message, null);
    }

    private static String message(String body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            return error.has("message") ? error.get("message").asText() : body;
        } catch (IOException e) {
            return body;
        }
    }

    /** Stops the pod if {@link #create} started it. */
    @Override
    public void close() {
        if (owned) {
            pod.terminate();
        }
    }
}
