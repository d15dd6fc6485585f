package dev.berth.local.route;

import dev.berth.local.net.LocalCa;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JDK HTTP client that trusts only the router's CA (hostname verification on) and reaches
 * {@code *.pods.localhost} through the SDK's {@code LocalhostResolverProvider}.
 */
final class RouterClient {
    final HttpClient http;
    final int port;

    RouterClient(LocalCa ca, int port) {
        this.http = HttpClient.newBuilder().sslContext(ca.clientSslContext()).connectTimeout(Duration.ofSeconds(10)).build();
        this.port = port;
    }

    URI uri(String host, String path) {
        return URI.create("https://" + host + ":" + port + path);
    }

    HttpResponse<String> get(String host, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(host, path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A WebSocket whose received texts and close are observable. */
    Socket webSocket(String host) throws Exception {
        Socket socket = new Socket();
        socket.ws = http.newWebSocketBuilder()
                .buildAsync(URI.create("wss://" + host + ":" + port + "/"), socket)
                .get(30, TimeUnit.SECONDS);
        return socket;
    }

    static final class Socket implements WebSocket.Listener, AutoCloseable {
        final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        String roundTrip(String text) throws Exception {
            ws.sendText(text, true).get(30, TimeUnit.SECONDS);
            String reply = received.poll(30, TimeUnit.SECONDS);
            if (reply == null) {
                throw new AssertionError("no WebSocket reply to '" + text + "'");
            }
            return reply;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete("close " + statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete("error " + error);
        }

        @Override
        public void close() {
            // A clean close: our Close frame, the backend's Close back through the tunnel, then the TCP close.
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> ws).join();
            closed.orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> "timeout").join();
            ws.abort();
        }
    }
}
