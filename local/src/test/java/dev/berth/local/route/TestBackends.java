package dev.berth.local.route;

import dev.berth.run.Endpoint;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Plain-HTTP backends standing in for a pod's server, on loopback ports of a shared Vert.x. */
final class TestBackends implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    /** Completed by a test to let the {@code /sse} stream send its second event. */
    volatile CompletableFuture<Void> sseRelease = new CompletableFuture<>();
    /** Completed by a test to answer every held {@code /hold} request. */
    volatile CompletableFuture<Void> holdRelease = new CompletableFuture<>();
    final AtomicInteger held = new AtomicInteger();

    /** A backend answering 200 with {@code body} everywhere, plus the special paths of {@link #handle}. */
    Endpoint start(String body) throws Exception {
        HttpServer server = vertx.createHttpServer()
                .requestHandler(request -> handle(request, body))
                .webSocketHandler(ws -> ws.textMessageHandler(text -> ws.writeTextMessage("echo:" + text)));
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        servers.add(server);
        return new Endpoint("127.0.0.1", server.actualPort());
    }

    /** Stops the backend listening at {@code endpoint}, closing its connections. */
    void stop(Endpoint endpoint) throws Exception {
        for (HttpServer server : servers) {
            if (server.actualPort() == endpoint.port()) {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                servers.remove(server);
            }
        }
    }

    private void handle(HttpServerRequest request, String body) {
        HttpServerResponse response = request.response();
        switch (request.path()) {
            case "/headers" -> response.end(String.join("\n",
                    "method=" + request.method(),
                    "uri=" + request.uri(),
                    "host=" + request.getHeader("Host"),
                    "x-forwarded-for=" + request.getHeader("X-Forwarded-For"),
                    "x-forwarded-proto=" + request.getHeader("X-Forwarded-Proto"),
                    "x-forwarded-host=" + request.getHeader("X-Forwarded-Host"),
                    "x-custom=" + request.getHeader("X-Custom"),
                    "x-hop=" + request.getHeader("X-Hop"),
                    "keep-alive=" + request.getHeader("Keep-Alive")));
            case "/upload" -> {
                MessageDigest digest = sha256();
                long[] count = {0};
                request.handler(chunk -> {
                    count[0] += chunk.length();
                    digest.update(chunk.getBytes());
                });
                request.endHandler(v -> response.end("bytes=" + count[0] + " sha256=" + HexFormat.of().formatHex(digest.digest())));
            }
            case "/download" -> {
                long total = Long.parseLong(request.getParam("bytes"));
                response.setChunked(true).putHeader("Content-Type", "application/octet-stream");
                writeBytes(response, total);
            }
            case "/sse" -> {
                response.setChunked(true).putHeader("Content-Type", "text/event-stream");
                response.write("data: one\n\n");
                var context = vertx.getOrCreateContext();
                sseRelease.whenComplete((v, e) -> context.runOnContext(x -> response.end("data: two\n\n")));
            }
            case "/hold" -> {
                held.incrementAndGet();
                var context = vertx.getOrCreateContext();
                holdRelease.whenComplete((v, e) -> context.runOnContext(x -> response.end("released")));
            }
            default -> response.putHeader("X-Hop", "must-not-leak").putHeader("Connection", "X-Hop").end(body);
        }
    }

    /** Writes {@code remaining} bytes (a repeating pattern) with back-pressure. */
    private static void writeBytes(HttpServerResponse response, long remaining) {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) i;
        }
        long left = remaining;
        while (left > 0 && !response.writeQueueFull()) {
            int n = (int) Math.min(chunk.length, left);
            response.write(Buffer.buffer(n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n)));
            left -= n;
        }
        if (left == 0) {
            response.end();
        } else {
            long rest = left;
            response.drainHandler(v -> writeBytes(response, rest));
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
