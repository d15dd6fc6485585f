package dev.berth.api;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request to the REST API, free of any transport: the local server and the API Gateway Lambda
 * both translate theirs into this.
 *
 * @param path  the path without query, such as {@code /v1/pods/p0123456789a}
 * @param query decoded query parameters
 * @param body  the raw body (empty if none)
 */
public record ApiRequest(String method, String path, Map<String, List<String>> query, byte[] body) {
    public ApiRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query == null ? Map.of() : Map.copyOf(query);
        body = body == null ? new byte[0] : body;
    }

    public static ApiRequest of(String method, String path) {
        return new ApiRequest(method, path, Map.of(), new byte[0]);
    }

    public static ApiRequest of(String method, String path, String jsonBody) {
        return new ApiRequest(method, path, Map.of(), jsonBody.getBytes(StandardCharsets.UTF_8));
    }

    public Optional<String> queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
