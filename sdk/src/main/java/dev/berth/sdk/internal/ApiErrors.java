package dev.berth.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.BerthClientException;
import dev.berth.BerthException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import dev.berth.NotFoundException;
import dev.berth.internal.Json;
import java.io.IOException;

/**
 * Turns an error answer into the typed hierarchy: Berth's {@code {"error":{"code","message","field"}}}, or
 * whatever else stands in front of it (API Gateway's {@code {"message":"Forbidden"}}, a proxy's HTML).
 */
public final class ApiErrors {
    private static final int MAX_SHOWN_BODY = 300;

    private ApiErrors() {
    }

    public static BerthException toException(int status, String body, String request) {
        JsonNode error = parse(body);
        if (error != null && error.path("error").isObject()) {
            JsonNode e = error.path("error");
            ErrorCode code = code(e.path("code").asText(""), status);
            String field = e.hasNonNull("field") ? e.get("field").asText() : null;
            String message = e.path("message").asText("HTTP " + status + " from " + request);
            return typed(status, code, field, message);
        }
        String detail = error != null && error.hasNonNull("message") ? error.get("message").asText() : shown(body);
        ErrorCode code = ErrorCode.forStatus(status);
        String hint = switch (status) {
            case 401 -> "; the token was refused: check BERTH_TOKEN or the profile's token";
            case 403 -> "; the request was refused: for AWS, check that your credentials may call execute-api:Invoke on this API and the region is right";
            case 404 -> "; check the endpoint (BERTH_ENDPOINT or the profile's endpoint, including the API stage)";
            default -> "";
        };
        return typed(status, code, null, "HTTP " + status + " from " + request + ": " + detail + hint);
    }

    private static BerthException typed(int status, ErrorCode code, String field, String message) {
        if (status >= 500) {
            return new BerthServiceException(code, message, null);
        }
        return switch (code) {
            case NOT_FOUND -> new NotFoundException(message);
            case INVALID_SPEC -> new InvalidSpecException(field, message);
            default -> new BerthClientException(code, field, message);
        };
    }

    private static ErrorCode code(String name, int status) {
        try {
            return ErrorCode.valueOf(name);
        } catch (IllegalArgumentException e) {
            return ErrorCode.forStatus(status);
        }
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String shown(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        String b = body.strip().replaceAll("\\s+", " ");
        return b.length() > MAX_SHOWN_BODY ? b.substring(0, MAX_SHOWN_BODY) + "…" : b;
    }
}
