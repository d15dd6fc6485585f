package dev.berth.bench;

import dev.berth.local.net.LocalCa;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A reference for the router's cost: a Vert.x HTTPS server with the router's TLS settings (the platform CA's
 * wildcard certificate, ALPN {@code http/1.1}, the same number of event loops) that answers {@code ok} itself
 * instead of proxying. Router minus this is what proxying to the pod costs.
 */
final class TlsOnlyServer implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final int port;

    TlsOnlyServer(LocalCa ca, int instances) throws Exception {
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(-1).setSsl(true)
                .setKeyCertOptions(ca.keyCertOptions()).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_1_1))
                .setCompressionSupported(false).setDecompressionSupported(false);
        int bound = -1;
        for (int i = 0; i < instances; i++) {
            HttpServer server = vertx.createHttpServer(options)
                    .requestHandler(request -> request.response().putHeader("Content-Type", "text/plain").end("ok\n"));
            int p = server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).actualPort();
            bound = bound < 0 ? p : bound;
        }
        this.port = bound;
    }

    /** A URL the platform's CA certificate covers, resolved to loopback by the {@code *.localhost} resolver. */
    String url(String domain) {
        return "https://tls-only." + domain + ":" + port + "/";
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
