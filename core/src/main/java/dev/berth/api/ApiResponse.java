package dev.berth.api;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP response of the REST API. The body is either bytes ({@link #body()}) or, for followed logs, a
 * {@link Streaming} writer that the transport runs until the stream ends or the client goes away.
 */
public record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers, Streaming streaming) {
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    public ApiResponse {
        Objects.requireNonNull(contentType, "contentType");
        body = body == null ? new byte[0] : body;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public static ApiResponse json(int status, String json) {
        return new ApiResponse(status, JSON, json.getBytes(StandardCharsets.UTF_8), Map.of(), null);
    }

    public static ApiResponse text(int status, String text) {
        return new ApiResponse(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of(), null);
    }

    public static ApiResponse streaming(String contentType, Streaming writer) {
        return new ApiResponse(200, contentType, null, Map.of(), writer);
    }

    public boolean isStreaming() {
        return streaming != null;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Writes a streamed body; returns when the stream ends. Closing {@code out} ends it early. */
    @FunctionalInterface
    public interface Streaming {
        void writeTo(OutputStream out) throws IOException;
    }
}
