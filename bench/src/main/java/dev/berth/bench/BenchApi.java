package dev.berth.bench;

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
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * What a user of the platform does, over the wire: the REST API with the home's bearer token, and pod URLs
 * over HTTPS trusting only the platform's CA (pod hosts resolve through the {@code *.localhost} resolver in
 * berth-local's jar).
 */
final class BenchApi {
    private final URI api;
    private final String token;
    private final HttpClient rest;
    private final HttpClient pods;

    BenchApi(URI api, Path home, SSLContext podTls) {
        this.api = api;
        try {
            this.token = Files.readString(home.resolve("token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the platform's token in " + home, e);
        }
        this.rest = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        this.pods = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(podTls)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** POST /v1/pods with a spec as JSON; the created pod's record. */
    JsonNode create(String specJson) {
        return json("POST", "/v1/pods", specJson);
    }

    JsonNode pod(String id) {
        return json("GET", "/v1/pods/" + id, null);
    }

    void stop(String id) {
        json("DELETE", "/v1/pods/" + id, null);
    }

    /** Polls the pod's record until its status is one of {@code statuses}. */
    JsonNode awaitStatus(String id, Duration timeout, String... statuses) {
        Set<String> wanted = Set.of(statuses);
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            JsonNode pod = pod(id);
            if (wanted.contains(pod.path("status").asText())) {
                return pod;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("Pod " + id + " is not " + wanted + " after " + timeout.toSeconds() + " s: " + pod);
            }
            sleep(50);
        }
    }

    /**
     * GETs {@code url} every {@code pollMillis} until it answers 200; any other answer or a refused
     * connection means "not yet".
     */
    void awaitFirst200(String url, Duration timeout, long pollMillis) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = pods.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body().strip();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(pollMillis);
        }
        throw new IllegalStateException(url + " did not answer 200 within " + timeout.toSeconds() + " s; last: " + last);
    }

    JsonNode json(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(api.resolve(path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = rest.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() >= 400) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
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
