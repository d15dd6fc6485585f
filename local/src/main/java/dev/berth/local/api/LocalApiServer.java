package dev.berth.local.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.api.ApiRequest;
import dev.berth.api.ApiResponse;
import dev.berth.internal.Json;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local REST API over plain HTTP on a loopback address: turns each request into an {@link ApiRequest},
 * passes it to the handler (normally {@code RestApi::handle}) and writes back its {@link ApiResponse}.
 *
 * <pre>{@code
 * ApiToken token = ApiToken.loadOrCreate(berthHome);
 * try (LocalApiServer server = LocalApiServer.builder().handler(restApi::handle).token(token).port(7070).start()) {
 *     ...
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Every request but {@code GET /v1/health} and {@code GET /v1/openapi.json} needs
 *       {@code Authorization: Bearer <token>}, else 401 {@code UNAUTHORIZED}.</li>
 *   <li>A body over {@link #MAX_BODY_BYTES} is refused with 413 {@code PAYLOAD_TOO_LARGE} as soon as that is
 *       known (from {@code Content-Length}, or while it streams in); it is never held in memory.</li>
 *   <li>The handler may block: it runs on a virtual thread, never on the event loop. A streaming response's
 *       writer runs there too; its bytes go out chunked as written, and a client that disconnects closes the
 *       writer's stream and interrupts its thread.</li>
 *   <li>An exception from the handler becomes 500 {@code INTERNAL} and is logged with an error id (never
 *       with the request's headers or body); a {@link BerthClientException} becomes its own code.</li>
 *   <li>It binds to loopback only: the token travels in clear text, so it must not leave the machine.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} stops accepting, closes connections and interrupts running handlers.
 */
public final class LocalApiServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 7070;
    /** Largest request body accepted: 1 MiB. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(LocalApiServer.class);
    private static final String BEARER = "bearer ";
    private static final long START_TIMEOUT_SECONDS = 30;
    /**
     * Bytes of a refused body read and dropped so that the client, still sending, gets to read the error
     * (closing on unread data would reset the connection under it); past this, the connection is closed.
     */
    private static final long MAX_SWALLOW_BYTES = 4L * 1024 * 1024;

    private final Function<ApiRequest, ApiResponse> handler;
    private final ApiToken token;
    private final int maxBodyBytes;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("berth-api-", 0).factory());
    private final String host;
    private HttpServer server;

    private LocalApiServer(Builder b) {
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.token = Objects.requireNonNull(b.token, "token");
        this.maxBodyBytes = b.maxBodyBytes;
        this.host = b.host;
        this.ownsVertx = b.vertx == null;
        this.vertx = b.vertx != null ? b.vertx : Vertx.vertx();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The port the server listens on (the ephemeral one chosen when the builder said 0). */
    public int port() {
        return server.actualPort();
    }

    /** The loopback address the server listens on. */
    public String host() {
        return host;
    }

    /** The base URI of the API, such as {@code http://127.0.0.1:7070}. */
    public URI uri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port());
    }

    private LocalApiServer listen(int port) {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setHandle100ContinueAutomatically(false)
                // HTTP/1.1 only: a stream ends with its connection, and h2c would only add states to handle.
                .setHttp2ClearTextEnabled(false);
        HttpServer created = vertx.createHttpServer(options).requestHandler(this::accept);
        try {
            server = created.listen().toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.info("Berth API listening on {}", uri());
            return this;
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            close();
            throw new BerthServiceException("Cannot listen on " + host + ":" + port + " for the Berth API: " + cause.getMessage()
                    + "; is another Berth running? Stop it or choose another port", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new BerthServiceException("Interrupted while starting the Berth API on " + host + ":" + port, e);
        }
    }

    // ---- request intake (event loop) -------------------------------------------------------------

    private void accept(HttpServerRequest request) {
        String method = request.method().name();
        String path;
        try {
            path = decodePath(request.path());
        } catch (URISyntaxException | IllegalArgumentException e) {
            reject(request, ErrorCode.INVALID_REQUEST, "The request path is not a valid URL path; percent-encode special characters");
            return;
        }
        boolean open = "GET".equals(method) && ("/v1/health".equals(path) || "/v1/openapi.json".equals(path));
        if (!open && !authorized(request.getHeader(HttpHeaders.AUTHORIZATION))) {
            request.response().putHeader("WWW-Authenticate", "Bearer realm=\"berth\"");
            reject(request, ErrorCode.UNAUTHORIZED, "Missing or wrong API token: send the header 'Authorization: Bearer <token>'"
                    + " with the token stored in " + token.file());
            return;
        }
        Map<String, List<String>> query;
        try {
            query = queryOf(request.params());
        } catch (IllegalArgumentException e) {
            reject(request, ErrorCode.INVALID_REQUEST, "The query string is not valid; percent-encode special characters");
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                reject(request, ErrorCode.INVALID_REQUEST, "Content-Length '" + length + "' is not a number");
                return;
            }
            if (declared > maxBodyBytes) {
                tooLarge(request);
                return;
            }
        }
        if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            request.response().writeContinue();
        }
        Context context = vertx.getOrCreateContext();
        BodyCollector body = new BodyCollector(request);
        request.handler(body::append);
        request.exceptionHandler(e -> LOG.debug("API request {} {} failed while reading: {}", method, shown(path), e.toString()));
        request.endHandler(v -> {
            if (!body.refused) {
                ApiRequest apiRequest = new ApiRequest(method, path, query, body.bytes());
                workers.execute(() -> run(context, request, apiRequest));
            }
        });
    }

    /** Collects the body up to the limit; past it, answers 413 and drops the rest unread. */
    private final class BodyCollector {
        private final HttpServerRequest request;
        private Buffer buffer = Buffer.buffer();
        private boolean refused;
        private long swallowed;

        BodyCollector(HttpServerRequest request) {
            this.request = request;
        }

        void append(Buffer chunk) {
            if (refused) {
                swallow(request, swallowed += chunk.length());
                return;
            }
            if ((long) buffer.length() + chunk.length() > maxBodyBytes) {
                refused = true;
                buffer = null;
                tooLarge(request);
                return;
            }
            buffer.appendBuffer(chunk);
        }

        byte[] bytes() {
            return buffer.getBytes();
        }
    }

    private boolean authorized(String header) {
        if (header == null || header.length() <= BEARER.length()
                || !header.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return false;
        }
        return token.matches(header.substring(BEARER.length()).strip());
    }

    private void tooLarge(HttpServerRequest request) {
        reject(request, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is larger than " + maxBodyBytes
                + " bytes; send a smaller spec (large build files belong in a base image or are downloaded in image.commands)");
    }

    /**
     * Answers with an error without passing the request on. A body still coming is read and dropped, up to
     * {@link #MAX_SWALLOW_BYTES}; a client waiting for {@code 100 Continue} is told the connection closes, as it
     * will not send the body it announced.
     */
    private void reject(HttpServerRequest request, ErrorCode code, String message) {
        HttpServerResponse response = request.response();
        if (response.ended()) {
            return;
        }
        LOG.debug("API {} {} -> {} {}", request.method(), shown(request.path()), code.httpStatus(), code);
        boolean bodyPending = !request.isEnded() && hasBody(request);
        boolean awaitingContinue = bodyPending && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT));
        if (awaitingContinue) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        } else if (bodyPending) {
            long[] swallowed = {0};
            request.handler(chunk -> swallow(request, swallowed[0] += chunk.length()));
        }
        send(response, error(code, message)).onComplete(ar -> {
            if (awaitingContinue) {
                request.connection().close();
            }
        });
    }

    private static void swallow(HttpServerRequest request, long swallowedSoFar) {
        if (swallowedSoFar > MAX_SWALLOW_BYTES) {
            request.connection().close();
        }
    }

    // ---- handler (virtual thread) ----------------------------------------------------------------

    private void run(Context context, HttpServerRequest request, ApiRequest apiRequest) {
        ApiResponse response;
        try {
            response = handler.apply(apiRequest);
            if (response == null) {
                throw new IllegalStateException("The API handler returned no response");
            }
        } catch (BerthClientException e) {
            response = error(e.code(), e.getMessage());
        } catch (RuntimeException | Error e) {
            response = internalError(apiRequest, e);
        }
        LOG.debug("API {} {} -> {}", apiRequest.method(), shown(apiRequest.path()), response.status());
        if (response.isStreaming()) {
            stream(context, request, apiRequest, response);
        } else {
            ApiResponse done = response;
            context.runOnContext(v -> {
                if (!request.response().closed() && !request.response().ended()) {
                    send(request.response(), done);
                }
            });
        }
    }

    private ApiResponse internalError(ApiRequest request, Throwable e) {
        String errorId = UUID.randomUUID().toString().substring(0, 8);
        // Only method and path: bodies and headers may hold secrets (env values, the token).
        LOG.error("API handler failed on {} {} (errorId={})", request.method(), shown(request.path()), errorId, e);
        return error(ErrorCode.INTERNAL, "Internal error while handling " + request.method() + " " + shown(request.path())
                + "; the Berth server log has the details under errorId=" + errorId);
    }

    private void stream(Context context, HttpServerRequest request, ApiRequest apiRequest, ApiResponse response) {
        HttpServerResponse out = request.response();
        StreamingOutput stream = new StreamingOutput(context, out, Thread.currentThread());
        CompletableFuture<Boolean> headSent = new CompletableFuture<>();
        context.runOnContext(v -> {
            if (out.closed()) {
                headSent.complete(false);
                return;
            }
            out.closeHandler(x -> stream.disconnected());
            out.setStatusCode(response.status()).setChunked(true);
            response.headers().forEach(out::putHeader);
            out.putHeader(HttpHeaders.CONTENT_TYPE, response.contentType());
            out.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
            out.writeHead();
            headSent.complete(true);
        });
        try {
            if (!headSent.get()) {
                return;
            }
            response.streaming().writeTo(stream);
        } catch (InterruptedException | ExecutionException e) {
            // The server is closing before the stream began.
            return;
        } catch (IOException e) {
            if (!stream.isDisconnected()) {
                LOG.error("API streaming response of {} {} failed", apiRequest.method(), shown(apiRequest.path()), e);
                context.runOnContext(v -> out.reset());
            }
            return;
        } catch (RuntimeException | Error e) {
            if (!stream.isDisconnected()) {
                LOG.error("API streaming response of {} {} failed", apiRequest.method(), shown(apiRequest.path()), e);
                // The status is sent: cutting the connection is how the client learns the body is incomplete.
                context.runOnContext(v -> out.reset());
            }
            return;
        } finally {
            stream.finished();
        }
        context.runOnContext(v -> {
            if (!out.closed() && !out.ended()) {
                out.end();
            }
        });
    }

    /**
     * The writer's view of a streamed response: each write goes out as a chunk and returns once the
     * connection took it, so a slow client slows the writer instead of filling memory.
     */
    private static final class StreamingOutput extends OutputStream {
        private final Context context;
        private final HttpServerResponse response;
        private final Thread writer;
        private volatile boolean disconnected;
        private volatile boolean closed;
        private boolean writerDone;

        StreamingOutput(Context context, HttpServerResponse response, Thread writer) {
            this.context = context;
            this.response = response;
            this.writer = writer;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (disconnected || closed) {
                throw new IOException(disconnected ? "The client disconnected" : "The response stream is closed");
            }
            if (len == 0) {
                return;
            }
            Buffer chunk = Buffer.buffer(Arrays.copyOfRange(b, off, off + len));
            CompletableFuture<Void> written = new CompletableFuture<>();
            context.runOnContext(v -> {
                if (response.closed()) {
                    written.completeExceptionally(new IOException("The client disconnected"));
                    return;
                }
                response.write(chunk).onComplete(ar -> {
                    if (ar.succeeded()) {
                        written.complete(null);
                    } else {
                        written.completeExceptionally(ar.cause());
                    }
                });
            });
            try {
                written.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("Interrupted while streaming: the client disconnected or the server is closing");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException("Cannot write to the client", e.getCause());
            }
        }

        /** Ends the stream early; the response is ended once the writer returns. */
        @Override
        public void close() {
            closed = true;
        }

        boolean isDisconnected() {
            return disconnected;
        }

        void disconnected() {
            disconnected = true;
            synchronized (this) {
                if (!writerDone) {
                    writer.interrupt();
                }
            }
        }

        synchronized void finished() {
            writerDone = true;
            // Clear an interrupt that arrived after the writer returned: this thread is done either way.
            Thread.interrupted();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static io.vertx.core.Future<Void> send(HttpServerResponse response, ApiResponse api) {
        response.setStatusCode(api.status());
        api.headers().forEach(response::putHeader);
        response.putHeader(HttpHeaders.CONTENT_TYPE, api.contentType());
        response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        return response.end(Buffer.buffer(api.body()));
    }

    private static ApiResponse error(ErrorCode code, String message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", code.name());
        error.put("message", message);
        return ApiResponse.json(code.httpStatus(), root.toString());
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (length != null && !"0".equals(length.strip()));
    }

    /** The path with percent-escapes decoded (UTF-8); {@code +} stays {@code +} in a path. */
    private static String decodePath(String raw) throws URISyntaxException {
        if (raw == null || !raw.startsWith("/")) {
            throw new URISyntaxException(String.valueOf(raw), "not an absolute path");
        }
        String path = new URI("http://h" + raw).getPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    private static Map<String, List<String>> queryOf(MultiMap params) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String name : params.names()) {
            query.put(name, List.copyOf(new ArrayList<>(params.getAll(name))));
        }
        return query;
    }

    /** A path fit for a log line: no control characters (no forged lines), bounded length. */
    private static String shown(String path) {
        String clean = path.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 200 ? clean : clean.substring(0, 200) + "…";
    }

    /** Stops listening, closes connections and interrupts running handlers. Idempotent. */
    @Override
    public synchronized void close() {
        workers.shutdownNow();
        try {
            if (server != null) {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                server = null;
            }
            if (ownsVertx) {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Berth API did not close cleanly: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "LocalApiServer[" + host + ", token=" + token + "]";
    }

    /** Configures a {@link LocalApiServer}; not thread-safe. */
    public static final class Builder {
        private Function<ApiRequest, ApiResponse> handler;
        private ApiToken token;
        private String host = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private int maxBodyBytes = MAX_BODY_BYTES;
        private Vertx vertx;

        private Builder() {
        }

        /** What answers each request, normally {@code restApi::handle}. Required. */
        public Builder handler(Function<ApiRequest, ApiResponse> handler) {
            this.handler = handler;
            return this;
        }

        /** The bearer token requests must carry. Required. */
        public Builder token(ApiToken token) {
            this.token = token;
            return this;
        }

        /**
         * The address to listen on; must be a loopback address (default {@code 127.0.0.1}).
         *
         * @throws IllegalArgumentException for any other address
         */
        public Builder host(String host) {
            Objects.requireNonNull(host, "host");
            InetAddress address;
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("Unknown API host '" + host + "'; use a loopback address such as 127.0.0.1", e);
            }
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("Refusing to serve the Berth API on " + host
                        + ": it is not a loopback address, and the API's bearer token travels in clear text;"
                        + " use 127.0.0.1 or ::1 (reach it from elsewhere through an SSH tunnel)");
            }
            this.host = address.getHostAddress();
            return this;
        }

        /** The TCP port (default {@value #DEFAULT_PORT}); 0 picks a free one, see {@link LocalApiServer#port()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Invalid API port " + port + "; use 1-65535, or 0 for any free port");
            }
            this.port = port;
            return this;
        }

        /** Largest accepted request body (default 1 MiB). */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 0) {
                throw new IllegalArgumentException("Invalid maxBodyBytes " + maxBodyBytes + "; give 0 or more");
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** A Vert.x instance to share; by default the server makes its own and closes it with itself. */
        public Builder vertx(Vertx vertx) {
            this.vertx = vertx;
            return this;
        }

        /**
         * Starts listening and returns once bound.
         *
         * @throws BerthServiceException if the port cannot be bound
         */
        public LocalApiServer start() {
            if (handler == null || token == null) {
                throw new IllegalStateException("LocalApiServer needs " + (handler == null ? "a handler" : "a token")
                        + "; call " + (handler == null ? "handler(restApi::handle)" : "token(ApiToken.loadOrCreate(home))"));
            }
            return new LocalApiServer(this).listen(port);
        }
    }
}
