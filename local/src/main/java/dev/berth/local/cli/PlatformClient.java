package dev.berth.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.internal.Json;
import dev.berth.local.LocalPlatform;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The CLI's view of a running local platform: its REST API (bearer token from the home directory) and the
 * CA its pod URLs are signed by.
 */
final class PlatformClient {
    private final LocalPlatform.Instance instance;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    PlatformClient(LocalPlatform.Instance instance, Path home) {
        this.instance = instance;
        try {
            this.token = Files.readString(home.resolve("token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the API token " + home.resolve("token"), e);
        }
    }

    LocalPlatform.Instance instance() {
        return instance;
    }

    JsonNode get(String path) {
        return send(request(path).GET());
    }

    JsonNode post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    JsonNode delete(String path) {
        return send(request(path).DELETE());
    }

    /** A streamed text body, such as followed logs. */
    InputStream stream(String path) {
        try {
            HttpResponse<InputStream> response = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() >= 400) {
                try (InputStream body = response.body()) {
                    throw toException(response.statusCode(), new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return response.body();
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted", e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(instance.api().resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token);
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 400) {
                throw toException(response.statusCode(), response.body());
            }
            return response.body().isEmpty() ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted", e);
        }
    }

    private BerthServiceException unreachable(IOException e) {
        String why = e instanceof ConnectException ? "nothing listens there" : e.getMessage();
        return new BerthServiceException(ErrorCode.UNAVAILABLE, "Cannot reach the Berth API at " + instance.api() + " (" + why
                + "); start the platform with 'berth up --detach'", e);
    }

    private static RuntimeException toException(int status, String body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            ErrorCode code = ErrorCode.valueOf(error.path("code").asText("INTERNAL"));
            String field = error.hasNonNull("field") ? error.get("field").asText() : null;
            String message = error.path("message").asText(body);
            return status >= 500 ? new BerthServiceException(code, message, null) : new BerthClientException(code, field, message);
        } catch (IOException | IllegalArgumentException e) {
            return status >= 500 ? new BerthServiceException(ErrorCode.forStatus(status), "HTTP " + status + ": " + body, null)
                    : new BerthClientException(ErrorCode.forStatus(status), null, "HTTP " + status + ": " + body);
        }
    }

    URI api() {
        return instance.api();
    }
}
