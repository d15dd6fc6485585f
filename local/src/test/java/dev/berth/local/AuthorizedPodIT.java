package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Json;
import dev.berth.pod.PodSpec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code authorized} pods end to end: the router refuses requests without the pod's token, accepts it as a
 * bearer header, as {@code ?auth_token=} (redirect + cookie) and as that cookie, and the pod itself never sees
 * it (an echo server reports what reached it). Every log line of the platform is captured at DEBUG and must
 * not contain the token.
 */
class AuthorizedPodIT {
    /** Echoes the request line and headers on 8000; echoes WebSocket messages on 8765. */
    private static final String SERVER = """
            import asyncio, threading, websockets
            from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
            class Echo(BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ("PATH " + self.path + "\\n" + "".join(k + ": " + v + "\\n" for k, v in self.headers.items())).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            threading.Thread(target=ThreadingHTTPServer(("0.0.0.0", 8000), Echo).serve_forever, daemon=True).start()
            async def echo(ws):
                async for message in ws:
                    await ws.send(message)
            async def main():
                async with websockets.serve(echo, "0.0.0.0", 8765):
                    await asyncio.Future()
            asyncio.run(main())
            """;

    @TempDir
    static Path home;

    private static final List<String> logLines = new CopyOnWriteArrayList<>();
    private static final AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            StringBuilder line = new StringBuilder(event.getFormattedMessage());
            for (var t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                line.append(' ').append(t.getMessage());
            }
            logLines.add(line.toString());
        }
    };
    private static Level previousLevel;
    private static LocalPlatform platform;
    private static PlatformHarness.Client client;
    private static String token;
    private static String url;
    private static String wsUrl;

    @BeforeAll
    static void start() {
        Logger berth = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.berth");
        previousLevel = berth.getLevel();
        berth.setLevel(Level.DEBUG);
        capture.start();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(capture);

        LocalConfig config = LocalConfig.fromEnv(Map.of()).withHome(PlatformHarness.newHome(home)).withPorts(0, 0);
        platform = LocalPlatform.start(config);
        client = new PlatformHarness.Client(platform.apiUri(), home, platform.ca().clientSslContext());

        ImageSpec image = ImageSpec.builder().pythonPackages("websockets==13.1")
                .file("echo.py", SERVER.getBytes(StandardCharsets.UTF_8)).build();
        JsonNode created = client.create(Json.write(PodSpec.builder().image(image).entrypoint("python3", "/app/echo.py")
                .ports(8000, 8765).authorized(true).build()));
        token = created.path("authToken").asText();
        JsonNode pod = client.awaitRunning(created.path("id").asText());
        url = client.url(pod, 8000);
        wsUrl = client.url(pod, 8765).replace("https://", "wss://");
    }

    @AfterAll
    static void stop() {
        try {
            if (platform != null) {
                for (JsonNode pod : client.json("GET", "/v1/pods?status=PENDING,BUILDING,STARTING,RUNNING", null).path("pods")) {
                    client.call("DELETE", "/v1/pods/" + pod.path("id").asText(), null);
                }
                platform.close();
                PlatformHarness.removeContainers(home);
            }
        } finally {
            LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(capture);
            context.getLogger("dev.berth").setLevel(previousLevel);
        }
    }

    private static HttpResponse<String> get(String target, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return PlatformHarness.send(client.pods, request.build());
    }

    @Test
    void createResponse_carriesTheTokenOnce_laterReadsDoNot() {
        assertThat(token).startsWith("bpt_");
        String id = url.substring("https://".length(), url.indexOf('-'));

        String later = client.call("GET", "/v1/pods/" + id, null).body() + client.call("GET", "/v1/pods", null).body();

        assertThat(later).contains(id).doesNotContain(token).doesNotContain("authToken").doesNotContain("authTokenHash");
    }

    @Test
    void withoutToken_or_withAWrongOne_is401SayingHowToPassIt() {
        HttpResponse<String> missing = get(url);
        HttpResponse<String> wrongHeader = get(url, "Authorization", "Bearer bpt_not-the-token");
        HttpResponse<String> wrongParam = get(url + "?auth_token=bpt_not-the-token");
        HttpResponse<String> wrongCookie = get(url, "Cookie", "berth_auth=bpt_not-the-token");

        for (HttpResponse<String> refused : List.of(missing, wrongHeader, wrongParam, wrongCookie)) {
            assertThat(refused.statusCode()).as(refused.uri() + " " + refused.body()).isEqualTo(401);
            assertThat(refused.body()).contains("Authorization: Bearer <token>").contains("auth_token=").doesNotContain("PATH ");
            assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"berth\"");
        }
    }

    @Test
    void bearerHeader_passes_andThePodSeesNoAuthorizationHeader() {
        HttpResponse<String> response = get(url + "hello?x=1", "Authorization", "Bearer " + token);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).startsWith("PATH /hello?x=1\n").doesNotContain(token).doesNotContainIgnoringCase("authorization");
    }

    @Test
    void authTokenParameter_redirectsWithACookie_whichThenPasses_andThePodSeesNeither() {
        HttpResponse<String> redirect = get(url + "notebooks?a=1&auth_token=" + token + "&b=2");

        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).contains("/notebooks?a=1&b=2");
        String setCookie = redirect.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).isEqualTo("berth_auth=" + token + "; Secure; HttpOnly; SameSite=Lax; Path=/");
        assertThat(setCookie).doesNotContainIgnoringCase("domain=");

        String location = URI.create(url).resolve(redirect.headers().firstValue("Location").orElseThrow()).toString();
        HttpResponse<String> followed = get(location, "Cookie", "theme=dark; berth_auth=" + token);

        assertThat(followed.statusCode()).as(followed.body()).isEqualTo(200);
        assertThat(followed.body()).startsWith("PATH /notebooks?a=1&b=2\n").contains("theme=dark")
                .doesNotContain(token).doesNotContain("berth_auth").doesNotContain("auth_token");
    }

    @Test
    void cookieAlone_passes() {
        HttpResponse<String> response = get(url, "Cookie", "berth_auth=" + token);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("PATH /\n").doesNotContain(token);
    }

    @Test
    void webSocket_needsTheToken_asHeaderOrParameter() throws Exception {
        assertThatThrownBy(() -> client.pods.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new Messages()).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));

        Messages viaHeader = new Messages();
        WebSocket withHeader = client.pods.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .buildAsync(URI.create(wsUrl), viaHeader).get(30, TimeUnit.SECONDS);
        withHeader.sendText("with a header", true).get(10, TimeUnit.SECONDS);
        assertThat(viaHeader.next.get(10, TimeUnit.SECONDS)).isEqualTo("with a header");
        withHeader.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);

        Messages viaParam = new Messages();
        WebSocket withParam = client.pods.newWebSocketBuilder()
                .buildAsync(URI.create(wsUrl + "?auth_token=" + token), viaParam).get(30, TimeUnit.SECONDS);
        withParam.sendText("with a parameter", true).get(10, TimeUnit.SECONDS);
        assertThat(viaParam.next.get(10, TimeUnit.SECONDS)).isEqualTo("with a parameter");
        withParam.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    }

    @Test
    void theToken_isInNoLogLine() {
        get(url + "?auth_token=" + token);
        get(url, "Authorization", "Bearer " + token);
        get(url, "Authorization", "Bearer " + token + "-wrong");

        assertThat(logLines).as("captured log lines").isNotEmpty();
        assertThat(logLines).noneMatch(line -> line.contains(token));
        assertThat(logLines).noneMatch(line -> line.contains(token.substring(4)));
    }

    /** Receives the first text message. */
    private static final class Messages implements WebSocket.Listener {
        final CompletableFuture<String> next = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            next.complete(data.toString());
            webSocket.request(1);
            return null;
        }
    }
}
