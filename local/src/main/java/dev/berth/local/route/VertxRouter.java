package dev.berth.local.route;

import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.local.net.LocalCa;
import dev.berth.local.route.internal.ErrorPages;
import dev.berth.local.route.internal.Exchange;
import dev.berth.local.route.internal.PodAuth;
import dev.berth.local.route.internal.PodTraffic;
import dev.berth.pod.PodId;
import dev.berth.reap.Activity;
import dev.berth.reap.ActivitySource;
import dev.berth.route.Route;
import dev.berth.route.Router;
import dev.berth.route.UrlScheme;
import dev.berth.run.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local platform's HTTPS router: serves {@code https://<label>-<port>.<domain>:<port>/} by proxying to the
 * endpoint the pod's {@link Route} names, and counts each pod's open connections for the reaper.
 *
 * <pre>{@code
 * LocalCa ca = LocalCa.open(LocalCa.defaultDirectory(System.getenv()), LocalCa.DEFAULT_DOMAIN, Clock.systemUTC());
 * try (VertxRouter router = VertxRouter.builder(ca).port(8443).build().start()) {
 *     router.publish(new Route(podId, podId.value(), Map.of(8888, new Endpoint("172.17.0.5", 8888)), false));
 *     // https://<pod-id>-8888.pods.localhost:8443/ now reaches the container
 * }
 * }</pre>
 *
 * <p>What it does: TLS with the {@link LocalCa}'s wildcard certificate, ALPN limited to {@code http/1.1} (with
 * HTTP/2 a browser would coalesce every pod host covered by the wildcard onto one connection); every method,
 * request and response bodies streamed with back-pressure and never buffered whole (uploads, downloads,
 * chunked, server-sent events); hop-by-hop headers dropped, {@code X-Forwarded-For/-Proto/-Host} set, the
 * {@code Host} header passed through; {@code Upgrade} requests (WebSocket or anything else) forwarded, and
 * after the backend's {@code 101} the two raw sockets piped both ways for as long as either side keeps them.
 * Its own answers are short pages: 404 for a host no pod answers at, 404 naming the pod's ports for a port it
 * does not publish, 502 when the pod refuses the connection, 503 with {@code Retry-After} when a
 * {@link RouteMissHandler} does not produce a route in time, 401 for an {@linkplain Route#authorized() authorized}
 * pod's request without its token ({@link PodAuth}: bearer header, {@code auth_token} parameter turned into a
 * cookie by a redirect, or that cookie; none of them reaches the pod).
 *
 * <p>Activity: a pod's {@linkplain Activity#openConnections() open connections} are its requests in flight
 * plus its open upgraded streams; {@linkplain Activity#lastActivity() last activity} is when one of them last
 * started or ended. Each request is counted once from when it is routed until its response is sent or its
 * connection closes, whichever comes first, so counts are exact under concurrency and cannot go negative.
 * {@link #withdraw} closes the pod's open connections. A withdrawn pod keeps reporting its last activity.
 *
 * <p>Why hand-written on Vert.x core rather than {@code vertx-http-proxy}: the proxy library streams and
 * upgrades well, but hides the upgraded sockets and the end of a tunnel, which this class needs to count a
 * pod's WebSockets and to close them on withdraw; with core's {@code HttpClientRequest.connect()} and
 * {@code HttpServerRequest.toNetSocket()} the same takes a few lines, with the counting next to the sockets.
 *
 * <p>Thread-safe. {@link #start()} binds; {@link #close()} unbinds and closes the Vert.x instance if the
 * router created it.
 */
public final class VertxRouter implements Router, ActivitySource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VertxRouter.class);
    /** RFC 9110 §7.6.1 plus the de-facto {@code Proxy-Connection}; {@code Expect} is answered by the router itself. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect");
    private static final String LIST_HINT = "List running pods and their URLs with 'berth container list'.";

    private final LocalCa ca;
    private final String bindAddress;
    private final int requestedPort;
    private final Clock clock;
    private final RouteMissHandler missHandler;
    private final Duration missTimeout;
    private final Duration connectTimeout;
    private final int serverInstances;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final ConcurrentMap<String, Route> routes = new ConcurrentHashMap<>();
    private final ConcurrentMap<PodId, PodTraffic> traffic = new ConcurrentHashMap<>();
    private final List<HttpServer> servers = new ArrayList<>();
    private volatile HttpClientAgent client;
    private volatile UrlScheme urls;
    private volatile int port = -1;

    private VertxRouter(Builder b) {
        this.ca = b.ca;
        this.bindAddress = b.bindAddress;
        this.requestedPort = b.port;
        this.clock = b.clock;
        this.missHandler = b.missHandler;
        this.missTimeout = b.missTimeout;
        this.connectTimeout = b.connectTimeout;
        this.serverInstances = b.serverInstances;
        this.ownsVertx = b.vertx == null;
        this.vertx = b.vertx != null ? b.vertx : Vertx.vertx();
        this.urls = new UrlScheme(ca.domain(), requestedPort == 0 ? 443 : requestedPort);
    }

    /** A builder for a router serving {@code *.<ca.domain()>} with {@code ca}'s certificate. */
    public static Builder builder(LocalCa ca) {
        return new Builder(ca);
    }

    /**
     * Binds the HTTPS port and returns once it accepts connections.
     *
     * @throws BerthServiceException if the address cannot be bound (such as a port already in use)
     */
    public synchronized VertxRouter start() {
        if (port >= 0) {
            return this;
        }
        client = vertx.httpClientBuilder()
                .with(new HttpClientOptions()
                        .setKeepAlive(true)
                        .setConnectTimeout((int) connectTimeout.toMillis())
                        .setDecompressionSupported(false)
                        .setMaxHeaderSize(64 * 1024))
                // Long-lived streams (SSE, notebooks) each hold a backend connection: no small per-host cap.
                .with(new PoolOptions().setHttp1MaxSize(1024).setMaxWaitQueueSize(-1))
                .build();
        try {
            // Instances on the same address share one socket and Vert.x spreads connections over their event
            // loops; for an ephemeral port that takes a negative port (Vert.x's "shared random port").
            int listenPort = requestedPort == 0 ? -1 : requestedPort;
            HttpServer first = newServer(listenPort);
            int bound = first.actualPort();
            for (int i = 1; i < serverInstances; i++) {
                newServer(listenPort);
            }
            port = bound;
            urls = new UrlScheme(ca.domain(), bound);
            LOG.info("Router listening on https://{}:{} for *.{}", bindAddress, bound, ca.domain());
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private HttpServer newServer(int listenPort) {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(bindAddress)
                .setPort(listenPort)
                .setSsl(true)
                .setKeyCertOptions(ca.keyCertOptions())
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_1_1))
                .setHttp2ClearTextEnabled(false)
                .setHandle100ContinueAutomatically(true)
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                .setMaxHeaderSize(64 * 1024);
        if (OpenSSLEngineOptions.isAvailable()) {
            // BoringSSL through netty-tcnative: TLS records cost far less CPU than with the JDK's engine.
            options.setSslEngineOptions(new OpenSSLEngineOptions());
        }
        HttpServer server = vertx.createHttpServer(options).requestHandler(this::handle);
        await(server.listen(), "listen on " + bindAddress + ":" + Math.max(0, listenPort),
                "choose another router port or stop the process using it");
        synchronized (servers) {
            servers.add(server);
        }
        return server;
    }

    /** The bound HTTPS port (the ephemeral one if built with port 0). */
    public int port() {
        if (port < 0) {
            throw new IllegalStateException("the router is not started; call start()");
        }
        return port;
    }

    /** The URL scheme of this router: its domain and bound port. */
    public UrlScheme urls() {
        return urls;
    }

    /** The CA whose certificate the router serves. */
    public LocalCa ca() {
        return ca;
    }

    @Override
    public void publish(Route route) {
        Objects.requireNonNull(route, "route");
        traffic.compute(route.podId(), (id, t) -> t == null ? new PodTraffic(id, clock, null)
                : t.withdrawn() ? new PodTraffic(id, clock, t.lastActivity()) : t);
        Route previous = routes.put(route.label(), route);
        LOG.debug("Published podId={} label={} ports={}{}", route.podId(), route.label(), new TreeSet<>(route.targets().keySet()),
                previous != null && !previous.podId().equals(route.podId()) ? " (replacing podId=" + previous.podId() + ")" : "");
    }

    @Override
    public void withdraw(PodId podId) {
        Objects.requireNonNull(podId, "podId");
        routes.values().removeIf(route -> route.podId().equals(podId));
        PodTraffic t = traffic.get(podId);
        if (t != null) {
            t.withdraw();
        }
        LOG.debug("Withdrew podId={}", podId);
    }

    @Override
    public boolean reauthorize(PodId podId, String authTokenHash) {
        boolean changed = false;
        for (Map.Entry<String, Route> entry : routes.entrySet()) {
            Route route = entry.getValue();
            if (route.podId().equals(podId)) {
                changed |= routes.replace(entry.getKey(), route, route.withAuthTokenHash(authTokenHash));
            }
        }
        LOG.debug("Reauthorized podId={} changed={}", podId, changed);
        return changed;
    }

    @Override
    public Activity activity(PodId podId) {
        PodTraffic t = traffic.get(podId);
        return t == null ? Activity.NONE : t.activity();
    }

    @Override
    public void close() {
        List<HttpServer> toClose;
        synchronized (servers) {
            toClose = new ArrayList<>(servers);
            servers.clear();
        }
        for (HttpServer server : toClose) {
            awaitQuietly(server.close());
        }
        for (PodTraffic t : traffic.values()) {
            t.withdraw();
        }
        if (client != null) {
            awaitQuietly(client.close());
        }
        if (ownsVertx) {
            awaitQuietly(vertx.close());
        }
        port = -1;
    }

    // ---- request handling (event loop) ----

    private void handle(HttpServerRequest request) {
        request.pause();
        String host = request.getHeader(HttpHeaders.HOST);
        Optional<UrlScheme.HostKey> key = urls.parse(host);
        if (key.isEmpty()) {
            noPod(request, host);
            return;
        }
        Route route = routes.get(key.get().label());
        if (route != null) {
            forward(request, route, key.get().port());
        } else if (missHandler != null) {
            hold(request, key.get());
        } else {
            noPod(request, host);
        }
    }

    private void noPod(HttpServerRequest request, String host) {
        ErrorPages.send(request, 404, "No pod at this address",
                "No pod answers at " + (host == null ? "this host" : host) + ". Pod URLs look like https://<pod-id>-<port>."
                        + urls.domain() + (urls.httpsPort() == 443 ? "" : ":" + urls.httpsPort()) + "/. " + LIST_HINT, null);
    }

    /**
     * Holds a request for a label with no route while the miss handler produces one. The handler's guard
     * comes first: a request without the token of an authorized deployment is answered 401 without starting
     * anything.
     */
    private void hold(HttpServerRequest request, UrlScheme.HostKey key) {
        Context context = vertx.getOrCreateContext();
        AtomicBoolean settled = new AtomicBoolean();
        long timer = vertx.setTimer(Math.max(1, missTimeout.toMillis()), id -> {
            if (settled.compareAndSet(false, true)) {
                ErrorPages.send(request, 503, "Starting",
                        key.label() + " is starting and did not become ready within " + missTimeout.toSeconds()
                                + " s; try again in a few seconds.", "5");
            }
        });
        stage(() -> missHandler.requiredTokenHash(key.label())).whenComplete((hash, error) -> context.runOnContext(v -> {
            if (settled.get()) {
                return;
            }
            if (error == null && hash != null && hash.isPresent()
                    && PodAuth.check(request, hash.get(), isUpgrade(request)) == PodAuth.Verdict.ANSWERED) {
                settled.set(true);
                vertx.cancelTimer(timer);
                return;
            }
            if (error != null) {
                settle(request, key, settled, timer, null, error);
                return;
            }
            stage(() -> missHandler.onMiss(key.label())).whenComplete((found, failed) -> context.runOnContext(
                    w -> settle(request, key, settled, timer, found, failed)));
        }));
    }

    private void settle(HttpServerRequest request, UrlScheme.HostKey key, AtomicBoolean settled, long timer,
                        Optional<Route> found, Throwable error) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        vertx.cancelTimer(timer);
        if (error != null) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
            LOG.warn("Route miss handler failed for label={}: {}", key.label(), cause.toString());
            ErrorPages.send(request, 503, "Not available",
                    key.label() + " could not be started: " + cause.getMessage() + ". " + LIST_HINT, "5");
        } else if (found == null || found.isEmpty()) {
            noPod(request, request.getHeader(HttpHeaders.HOST));
        } else {
            forward(request, found.get(), key.port());
        }
    }

    private static <T> CompletionStage<T> stage(java.util.function.Supplier<CompletionStage<T>> call) {
        try {
            return Objects.requireNonNull(call.get(), "RouteMissHandler returned null");
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void forward(HttpServerRequest request, Route route, int podPort) {
        Endpoint target = route.targets().get(podPort);
        if (target == null) {
            Set<Integer> ports = new TreeSet<>(route.targets().keySet());
            ErrorPages.send(request, 404, "No such port",
                    "Pod " + route.label() + " does not publish port " + podPort + "; its ports are " + ports
                            + (ports.isEmpty() ? "" : " (" + urls.urls(route.label(), List.copyOf(ports)).values() + ")")
                            + ". " + LIST_HINT, null);
            return;
        }
        boolean upgrade = isUpgrade(request);
        if (route.authorized() && PodAuth.check(request, route.authTokenHash(), upgrade) == PodAuth.Verdict.ANSWERED) {
            return;
        }
        PodTraffic podTraffic = traffic.computeIfAbsent(route.podId(), id -> new PodTraffic(id, clock, null));
        Exchange exchange = new Exchange(podTraffic);
        HttpServerResponse response = request.response();
        HttpConnection connection = request.connection();
        exchange.onAbort(connection::close);
        response.endHandler(v -> exchange.close());
        response.closeHandler(v -> exchange.close());
        podTraffic.open(exchange);
        if (response.closed() || exchange.isClosed()) {
            exchange.close();
            return;
        }
        MultiMap headers = requestHeaders(request, upgrade);
        PodAuth.strip(headers, route.authTokenHash());
        RequestOptions options = new RequestOptions()
                .setServer(SocketAddress.inetSocketAddress(target.port(), target.host()))
                .setMethod(request.method())
                .setURI(route.authorized() ? PodAuth.outboundUri(request.uri()) : request.uri())
                .setHeaders(headers)
                .setConnectTimeout(connectTimeout.toMillis());
        client.request(options).onComplete(created -> {
            if (created.failed()) {
                backendFailed(request, route, podPort, target, created.cause());
                return;
            }
            HttpClientRequest outbound = created.result();
            if (response.closed() || exchange.isClosed()) {
                outbound.reset();
                return;
            }
            response.closeHandler(v -> {
                exchange.close();
                outbound.reset();
            });
            if (upgrade) {
                tunnel(request, exchange, outbound, route, podPort, target);
            } else {
                proxy(request, outbound, route, podPort, target);
            }
        });
    }

    private void proxy(HttpServerRequest request, HttpClientRequest outbound, Route route, int podPort, Endpoint target) {
        if (isChunked(request.headers())) {
            outbound.setChunked(true);
        }
        request.pipe().endOnFailure(false).to(outbound).onFailure(error -> outbound.reset(0, error));
        outbound.response().onComplete(answered -> {
            if (answered.failed()) {
                backendFailed(request, route, podPort, target, answered.cause());
                return;
            }
            relay(request, answered.result());
        });
    }

    /** Sends the backend's response to the client, streaming the body. */
    private static void relay(HttpServerRequest request, HttpClientResponse inbound) {
        HttpServerResponse response = request.response();
        if (response.closed()) {
            inbound.request().reset();
            return;
        }
        response.setStatusCode(inbound.statusCode());
        if (inbound.statusMessage() != null) {
            response.setStatusMessage(inbound.statusMessage());
        }
        copyHeaders(inbound.headers(), response.headers(), false);
        boolean noBody = request.method() == HttpMethod.HEAD || inbound.statusCode() == 204 || inbound.statusCode() == 304
                || inbound.statusCode() < 200;
        if (!noBody && !inbound.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            response.setChunked(true);
        }
        // A backend failing mid-body must not look like a complete response: reset closes the client connection.
        inbound.pipe().endOnFailure(false).to(response).onFailure(error -> response.reset());
    }

    /** Forwards an {@code Upgrade} request; after a 101 pipes the raw sockets both ways. */
    private void tunnel(HttpServerRequest request, Exchange exchange, HttpClientRequest outbound, Route route, int podPort,
                        Endpoint target) {
        outbound.connect().onComplete(answered -> {
            if (answered.failed()) {
                backendFailed(request, route, podPort, target, answered.cause());
                return;
            }
            HttpClientResponse inbound = answered.result();
            if (inbound.statusCode() != 101) {
                // The backend declined the upgrade; relay its answer, then drop the half-used backend connection.
                HttpConnection backendConnection = outbound.connection();
                inbound.endHandler(v -> backendConnection.close());
                relay(request, inbound);
                return;
            }
            NetSocket backend = inbound.netSocket();
            backend.pause();
            HttpServerResponse response = request.response();
            response.setStatusCode(101);
            for (Map.Entry<String, String> header : inbound.headers()) {
                String name = header.getKey().toLowerCase(Locale.ROOT);
                if (!name.equals("content-length") && !name.equals("transfer-encoding")) {
                    response.headers().add(header.getKey(), header.getValue());
                }
            }
            request.toNetSocket().onComplete(upgraded -> {
                if (upgraded.failed()) {
                    LOG.debug("Upgrade to the client failed podId={}", route.podId(), upgraded.cause());
                    backend.close();
                    exchange.close();
                    return;
                }
                NetSocket socket = upgraded.result();
                exchange.onAbort(() -> {
                    socket.close();
                    backend.close();
                });
                if (exchange.isClosed()) {
                    socket.close();
                    backend.close();
                    return;
                }
                socket.closeHandler(v -> {
                    backend.close();
                    exchange.close();
                });
                backend.closeHandler(v -> {
                    socket.close();
                    exchange.close();
                });
                socket.pipeTo(backend);
                backend.pipeTo(socket);
                LOG.debug("Tunnel open podId={} port={} upgrade={}", route.podId(), podPort, request.getHeader(HttpHeaders.UPGRADE));
            });
        });
    }

    private void backendFailed(HttpServerRequest request, Route route, int podPort, Endpoint target, Throwable cause) {
        HttpServerResponse response = request.response();
        if (response.headWritten()) {
            response.reset();
            return;
        }
        if (cause instanceof ConnectException || String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT).contains("connection refused")) {
            ErrorPages.send(request, 502, "Pod not accepting connections",
                    "Pod " + route.label() + " is not accepting connections on port " + podPort
                            + ". The server in the pod may still be starting, may listen on another port, or may listen on 127.0.0.1 only"
                            + " (it must listen on 0.0.0.0).", null);
        } else {
            LOG.debug("Backend failed podId={} target={}", route.podId(), target, cause);
            ErrorPages.send(request, 502, "Bad gateway",
                    "Pod " + route.label() + " on port " + podPort + " failed to answer: " + cause.getMessage(), null);
        }
    }

    // ---- headers ----

    private static boolean isUpgrade(HttpServerRequest request) {
        return request.method() == HttpMethod.GET && request.headers().contains(HttpHeaders.UPGRADE)
                && connectionTokens(request.headers()).contains("upgrade");
    }

    private static boolean isChunked(MultiMap headers) {
        for (String value : headers.getAll(HttpHeaders.TRANSFER_ENCODING)) {
            if (value.toLowerCase(Locale.ROOT).contains("chunked")) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> connectionTokens(MultiMap headers) {
        Set<String> tokens = new HashSet<>();
        for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
            for (String token : value.split(",")) {
                if (!token.isBlank()) {
                    tokens.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return tokens;
    }

    private static MultiMap requestHeaders(HttpServerRequest request, boolean upgrade) {
        MultiMap headers = HttpHeaders.headers();
        copyHeaders(request.headers(), headers, false);
        if (upgrade) {
            headers.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
            headers.set(HttpHeaders.UPGRADE, request.getHeader(HttpHeaders.UPGRADE));
        }
        String client = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        String forwardedFor = request.getHeader("X-Forwarded-For");
        if (client != null) {
            headers.set("X-Forwarded-For", forwardedFor == null || forwardedFor.isBlank() ? client : forwardedFor + ", " + client);
        }
        headers.set("X-Forwarded-Proto", "https");
        String host = request.getHeader(HttpHeaders.HOST);
        if (host != null) {
            headers.set("X-Forwarded-Host", host);
        }
        return headers;
    }

    private static void copyHeaders(MultiMap from, MultiMap to, boolean keepHopByHop) {
        Set<String> named = connectionTokens(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (keepHopByHop || (!HOP_BY_HOP.contains(name) && !named.contains(name))) {
                to.add(header.getKey(), header.getValue());
            }
        }
    }

    // ---- futures ----

    private static <T> T await(Future<T> future, String what, String fix) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted while trying to " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Router cannot " + what + ": " + cause.getMessage() + "; " + fix, cause);
        }
    }

    private static void awaitQuietly(Future<?> future) {
        try {
            future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Router shutdown step failed", e);
        }
    }

    /** Settings of a {@link VertxRouter}; only the CA is required. */
    public static final class Builder {
        private final LocalCa ca;
        private String bindAddress = "127.0.0.1";
        private int port = 8443;
        private Clock clock = Clock.systemUTC();
        private RouteMissHandler missHandler;
        private Duration missTimeout = Duration.ofSeconds(60);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int serverInstances = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private Vertx vertx;

        private Builder(LocalCa ca) {
            this.ca = Objects.requireNonNull(ca, "ca");
        }

        /** The address to listen on; default {@code 127.0.0.1} (loopback only). */
        public Builder bindAddress(String bindAddress) {
            if (bindAddress == null || bindAddress.isBlank()) {
                throw new IllegalArgumentException("bindAddress is blank; give an address such as 127.0.0.1 or 0.0.0.0");
            }
            this.bindAddress = bindAddress;
            return this;
        }

        /** The HTTPS port; default 8443; 0 picks a free one (see {@link VertxRouter#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("router port " + port + " is out of range; give 1-65535, or 0 for any free port");
            }
            this.port = port;
            return this;
        }

        /** The clock of {@link Activity#lastActivity()}; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Called for a label with no route; default none (such requests get 404). */
        public Builder routeMissHandler(RouteMissHandler handler) {
            this.missHandler = handler;
            return this;
        }

        /** How long a request is held for the route-miss handler before 503; default 60 s. */
        public Builder routeMissTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("routeMissTimeout " + timeout + " must be positive, such as PT60S");
            }
            this.missTimeout = timeout;
            return this;
        }

        /** How long to wait for a pod to accept a connection; default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout " + timeout + " must be positive, such as PT10S");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** How many server instances (event loops) accept connections; default min(4, CPUs). */
        public Builder serverInstances(int instances) {
            if (instances < 1) {
                throw new IllegalArgumentException("serverInstances " + instances + " must be at least 1");
            }
            this.serverInstances = instances;
            return this;
        }

        /** A Vert.x instance to share (not closed by the router); default the router makes and owns one. */
        public Builder vertx(Vertx vertx) {
            this.vertx = vertx;
            return this;
        }

        public VertxRouter build() {
            return new VertxRouter(this);
        }
    }
}
