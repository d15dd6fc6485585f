package dev.berth.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.berth.api.ApiRequest;
import dev.berth.api.ApiResponse;
import dev.berth.api.RestApi;
import dev.berth.templates.BuiltInTemplates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API behind API Gateway (HTTP API, payload format 2.0, IAM authorization): each event becomes an
 * {@link ApiRequest} for core's {@link RestApi}, whose response goes back as is, so errors are the same as
 * locally. API Gateway cannot stream a response: {@code logs?follow=true} answers with the logs so far.
 */
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    /** API Gateway's largest Lambda response is 6 MB; base64 and headers need room. */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    private final Supplier<RestApi> api;

    public ApiHandler() {
        this.api = Lazy.of(() -> new RestApi(AwsPlatform.fromEnvironment().service(), new BuiltInTemplates()));
    }

    public ApiHandler(RestApi api) {
        this.api = () -> api;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        ApiRequest request = toRequest(event);
        ApiResponse response = api.get().handle(request);
        LOG.info("{} {} -> {}", request.method(), request.path(), response.status());
        return toResponse(response);
    }

    static ApiRequest toRequest(APIGatewayV2HTTPEvent event) {
        String method = event.getRequestContext() != null && event.getRequestContext().getHttp() != null
                ? event.getRequestContext().getHttp().getMethod() : "GET";
        String path = event.getRawPath() == null || event.getRawPath().isEmpty() ? "/" : event.getRawPath();
        Map<String, List<String>> query = query(event.getRawQueryString());
        query.remove("follow"); // no streaming through API Gateway
        byte[] body = event.getBody() == null ? new byte[0]
                : event.getIsBase64Encoded() ? Base64.getDecoder().decode(event.getBody()) : event.getBody().getBytes(StandardCharsets.UTF_8);
        return new ApiRequest(method, path, query, body);
    }

    static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return query;
    }

    static APIGatewayV2HTTPResponse toResponse(ApiResponse response) {
        byte[] body = response.body();
        if (response.isStreaming()) {
            BoundedOutput out = new BoundedOutput();
            try {
                response.streaming().writeTo(out);
            } catch (BoundedOutput.Full full) {
                // keep what fits
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("Could not write the response", e);
            }
            body = out.toByteArray();
        }
        Map<String, String> headers = new HashMap<>(response.headers());
        headers.put("Content-Type", response.contentType());
        boolean text = response.contentType().startsWith("application/json") || response.contentType().startsWith("text/");
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(headers)
                .withBody(text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body))
                .withIsBase64Encoded(!text)
                .build();
    }

    /** Collects a streamed body up to {@link #MAX_BODY_BYTES}. */
    private static final class BoundedOutput extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        static final class Full extends IOException {
            Full() {
                super("response body limit reached");
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int room = MAX_BODY_BYTES - bytes.size();
            bytes.write(b, off, Math.min(room, len));
            if (len > room) {
                throw new Full();
            }
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }
}
