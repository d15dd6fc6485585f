package dev.berth.local.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.ApiRequest;
import dev.berth.api.ApiResponse;
import dev.berth.internal.Json;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loopback API server over real HTTP, with a stub handler in place of the REST API. */
class LocalApiServerIT {
    private static final long WAIT_SECONDS = 30;

    @TempDir
    static Path home;

    private static ApiToken token;
    private static LocalApiServer server;
    private static HttpClient client;
    private static volatile Function<ApiRequest, ApiResponse> behaviour;
    private final AtomicReference<ApiRequest> received = new AtomicReference<>();

    @BeforeAll
    static void start() {
        token = ApiToken.loadOrCreate(home);
        server = LocalApiServer.builder().token(token).port(0).handler(r -> behaviour.apply(r)).start();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(WAIT_SECONDS)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        client.close();
    }

    @BeforeEach
    void echoByDefault() {
        behaviour = r -> {
            received.set(r);
            return ApiResponse.json(200, "{\"ok\":true}");
        };
    }

    @Test
    void request_withoutToken_is401NamingTheHeaderAndTheTokenFile() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/pods")).GET());

        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("UNAUTHORIZED");
        assertThat(error.get("message").asText()).contains("Authorization: Bearer").contains(token.file().toString());
        assertThat(response.headers().firstValue("www-authenticate")).contains("Bearer realm=\"berth\"");
        assertThat(received).hasNullValue();
    }

    @Test
    void request_withWrongToken_is401() throws Exception {
        for (String header : List.of("Bearer " + token.value() + "x", "Bearer wrong", "Basic " + token.value(), token.value())) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/pods")).header("Authorization", header).GET());

            assertThat(response.statusCode()).as(header.startsWith("Basic") ? "Basic scheme" : "wrong token").isEqualTo(401);
            assertThat(Json.MAPPER.readTree(response.body()).at("/error/code").asText()).isEqualTo("UNAUTHORIZED");
        }
        assertThat(received).hasNullValue();
    }

    @Test
    void request_withToken_reachesTheHandlerDecoded() throws Exception {
        behaviour = r -> {
            received.set(r);
            return new ApiResponse(201, "application/json", "{\"id\":\"pabc\"}".getBytes(StandardCharsets.UTF_8),
                    Map.of("Location", "/v1/pods/pabc"), null);
        };

        HttpResponse<String> response = send(authorized("/v1/pods/p%61bc%20x?status=RUNNING&status=STOPPED&name=my%20pod&x=a%2Bb+c&flag")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"cpu\":2}")));

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"id\":\"pabc\"}");
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.headers().firstValue("location")).contains("/v1/pods/pabc");
        ApiRequest request = received.get();
        assertThat(request.method()).isEqualTo("PATCH");
        assertThat(request.path()).isEqualTo("/v1/pods/pabc x");
        assertThat(request.query()).containsEntry("status", List.of("RUNNING", "STOPPED"))
                .containsEntry("name", List.of("my pod"))
                .containsEntry("x", List.of("a+b c"))
                .containsEntry("flag", List.of(""));
        assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo("{\"cpu\":2}");
    }

    @Test
    void healthAndOpenApi_needNoToken() throws Exception {
        for (String path : List.of("/v1/health", "/v1/openapi.json")) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());

            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(received.getAndSet(null).path()).isEqualTo(path);
        }
    }

    @Test
    void health_withAnotherMethodOrPath_needsTheToken() throws Exception {
        assertThat(send(HttpRequest.newBuilder(uri("/v1/health")).POST(HttpRequest.BodyPublishers.noBody())).statusCode())
                .isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(uri("/v1/health/../pods")).GET()).statusCode()).isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(uri("/v1/healthz")).GET()).statusCode()).isEqualTo(401);
        assertThat(received).hasNullValue();
    }

    @Test
    void body_ofExactlyOneMiB_isPassedWhole() throws Exception {
        byte[] body = new byte[LocalApiServer.MAX_BODY_BYTES];
        body[body.length - 1] = 42;

        HttpResponse<String> response = send(authorized("/v1/pods").POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(received.get().body()).isEqualTo(body);
    }

    @Test
    void body_overOneMiB_is413WithoutReachingTheHandler() throws Exception {
        byte[] body = new byte[LocalApiServer.MAX_BODY_BYTES + 1];

        HttpResponse<String> response = send(authorized("/v1/pods").POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(Json.MAPPER.readTree(response.body()).at("/error/code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(received).hasNullValue();
    }

    @Test
    void body_overOneMiBWithExpectContinue_is413BeforeTheBodyIsSent() throws Exception {
        byte[] body = new byte[LocalApiServer.MAX_BODY_BYTES + 1];

        HttpResponse<String> response = send(authorized("/v1/pods").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(Json.MAPPER.readTree(response.body()).at("/error/code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(received).hasNullValue();
    }

    @Test
    void body_withExpectContinueWithinTheLimit_isPassedWhole() throws Exception {
        HttpResponse<String> response = send(authorized("/v1/pods").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(received.get().body(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    }

    @Test
    void chunkedBody_overOneMiB_is413WithoutReachingTheHandler() throws Exception {
        byte[] body = new byte[LocalApiServer.MAX_BODY_BYTES + 1];

        // ofInputStream has no length, so the client sends it chunked: the server only learns the size by counting.
        HttpResponse<String> response = send(authorized("/v1/pods")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(Json.MAPPER.readTree(response.body()).at("/error/code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(received).hasNullValue();
    }

    @Test
    void handlerException_is500InternalWithAnErrorId() throws Exception {
        behaviour = r -> {
            throw new IllegalStateException("secret detail");
        };

        HttpResponse<String> response = send(authorized("/v1/pods").GET());

        assertThat(response.statusCode()).isEqualTo(500);
        JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("INTERNAL");
        assertThat(error.get("message").asText()).contains("GET /v1/pods").contains("errorId=").doesNotContain("secret detail");
    }

    @Test
    void streaming_sendsTheFirstChunkBeforeTheWriterFinishes() throws Exception {
        CountDownLatch firstSeen = new CountDownLatch(1);
        AtomicBoolean writerFinished = new AtomicBoolean();
        behaviour = r -> ApiResponse.streaming(ApiResponse.TEXT, out -> {
            out.write("first\n".getBytes(StandardCharsets.UTF_8));
            try {
                // Waits for the client to have read the first line: without incremental delivery this never ends.
                if (!firstSeen.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("the client never saw the first chunk");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            out.write("second\n".getBytes(StandardCharsets.UTF_8));
            writerFinished.set(true);
        });

        HttpResponse<InputStream> response = client.send(authorized("/v1/pods/p0123456789a/logs?follow=true").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).contains(ApiResponse.TEXT);
            assertThat(body.readLine()).isEqualTo("first");
            assertThat(writerFinished).isFalse();
            firstSeen.countDown();
            assertThat(body.readLine()).isEqualTo("second");
            assertThat(body.readLine()).isNull();
        }
        assertThat(writerFinished).isTrue();
    }

    @Test
    void streaming_whenClientDisconnectsWhileWriterWaits_interruptsTheWriter() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<Throwable> endedBy = new AtomicReference<>();
        behaviour = r -> ApiResponse.streaming(ApiResponse.TEXT, out -> {
            out.write("hello\n".getBytes(StandardCharsets.UTF_8));
            try {
                new CountDownLatch(1).await(); // a follow with nothing new to say: only a disconnect ends it
            } catch (InterruptedException e) {
                endedBy.set(e);
                ended.countDown();
            }
        });

        disconnectAfterFirstChunk();

        assertThat(ended.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(endedBy.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void streaming_whenClientDisconnectsWhileWriterWrites_failsTheWriterWrites() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<Throwable> endedBy = new AtomicReference<>();
        behaviour = r -> ApiResponse.streaming(ApiResponse.TEXT, out -> {
            try {
                out.write("hello\n".getBytes(StandardCharsets.UTF_8));
                while (true) {
                    out.write("tick\n".getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                endedBy.set(e);
                ended.countDown();
            }
        });

        disconnectAfterFirstChunk();

        assertThat(ended.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(endedBy.get()).isInstanceOf(IOException.class);
    }

    @Test
    void server_isNotReachableOnANonLoopbackAddress() throws Exception {
        Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
        Assumptions.assumeTrue(other.isPresent(), "this machine has no non-loopback IPv4 address");

        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress(other.get(), server.port()), 5_000))
                    .isInstanceOf(ConnectException.class);
        }
        assertThat(server.host()).isEqualTo("127.0.0.1");
        assertThat(send(HttpRequest.newBuilder(uri("/v1/health")).GET()).statusCode()).isEqualTo(200);
    }

    @Test
    void builder_withNonLoopbackHost_refusesNamingTheHostAndTheFix() {
        assertThatThrownBy(() -> LocalApiServer.builder().host("0.0.0.0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0.0.0")
                .hasMessageContaining("loopback")
                .hasMessageContaining("127.0.0.1");
    }

    @Test
    void start_onABusyPort_failsNamingThePort() {
        assertThatThrownBy(() -> LocalApiServer.builder().token(token).handler(r -> null).port(server.port()).start())
                .isInstanceOf(dev.berth.BerthServiceException.class)
                .hasMessageContaining("127.0.0.1:" + server.port());
    }

    @Test
    void toString_hidesTheToken() {
        assertThat(server.toString()).doesNotContain(token.value());
    }

    /** Raw socket, so the disconnect is a real close of the connection right after the first chunk. */
    private static void disconnectAfterFirstChunk() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/pods/p0123456789a/logs?follow=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + token.value() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equals("hello")) {
                    return;
                }
            }
            throw new AssertionError("the stream ended before its first chunk");
        }
    }

    private static URI uri(String pathAndQuery) {
        return URI.create(server.uri() + pathAndQuery);
    }

    private static HttpRequest.Builder authorized(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).header("Authorization", "Bearer " + token.value());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(WAIT_SECONDS)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
