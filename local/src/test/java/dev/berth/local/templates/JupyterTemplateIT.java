package dev.berth.local.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.internal.Json;
import dev.berth.sdk.PodInstance;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code berth run --template jupyter} end to end: a real pip-installed JupyterLab behind the router. */
class JupyterTemplateIT {
    @RegisterExtension
    static final TemplatePod jupyter = new TemplatePod("jupyter");

    @Test
    void lab_rendersInHeadlessChromium_withItsLauncherAndTheWelcomeNotebookListed() {
        try (DevToolsBrowser browser = jupyter.browser(8888)) {
            // The router answers ?auth_token= with its cookie and a redirect to the bare URL; the lab's own calls carry the cookie.
            String files = "[...document.querySelectorAll('.jp-DirListing-item .jp-DirListing-itemText')].map(e => e.innerText).join('\\n')";
            String launcher = "[...document.querySelectorAll('.jp-Launcher .jp-LauncherCard')].map(e => e.innerText).join('\\n')";
            String listed;
            String cards;
            try {
                // Client-side rendered from the server's REST API: the file browser's listing and the launcher's kernel cards.
                listed = browser.openAndAwait(TemplatePlatform.browserUrl(jupyter.pod(), 8888, "/lab"), files, t -> t.contains("welcome.ipynb"),
                        Duration.ofMinutes(2));
                cards = browser.await(launcher, t -> t.contains("Python 3 (ipykernel)"), Duration.ofMinutes(1));
            } finally {
                browser.screenshot(Path.of("target", "screenshots", "jupyter.png"));
            }

            assertThat(listed.lines()).contains("welcome.ipynb");
            assertThat(cards).contains("Python 3 (ipykernel)", "Terminal");
            assertThat(browser.evaluate("document.querySelector('#jp-main-dock-panel .jp-Launcher') !== null")).isEqualTo("true");
            assertThat(browser.evaluate("document.location.pathname")).isEqualTo("/lab");
            assertThat(browser.evaluate("document.location.search")).doesNotContain("auth_token");
        }
    }

    @Test
    void notebookCell_executesThroughTheRestAndWebSocketApi_viaTheRouter() throws Exception {
        HttpClient http = jupyter.berth().client.httpClient();
        // Jupyter's own token is off (Berth's pod auth guards the URL); its XSRF check stays on, so take its cookie.
        HttpResponse<String> page = http.send(request("/lab").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        String xsrf = page.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("_xsrf="))
                .map(c -> c.substring(6, c.indexOf(';') < 0 ? c.length() : c.indexOf(';'))).findFirst().orElseThrow();

        HttpResponse<String> created = http.send(request("/api/kernels").header("X-XSRFToken", xsrf).header("Cookie", "_xsrf=" + xsrf)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"python3\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String kernel = Json.MAPPER.readTree(created.body()).path("id").asText();

        List<JsonNode> received = new CopyOnWriteArrayList<>();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        String msgId = UUID.randomUUID().toString();
        URI ws = URI.create(jupyter.pod().url(8888).toString().replace("https://", "wss://")).resolve("/api/kernels/" + kernel + "/channels?session_id=" + UUID.randomUUID());
        WebSocket.Builder builder = http.newWebSocketBuilder().header("Cookie", "_xsrf=" + xsrf);
        jupyter.pod().authToken().ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        WebSocket socket = builder.buildAsync(ws, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        JsonNode message = Json.MAPPER.readTree(partial.toString());
                        received.add(message);
                        if (message.path("msg_type").asText().equals("execute_reply")
                                && message.path("parent_header").path("msg_id").asText().equals(msgId)) {
                            reply.complete(message);
                        }
                    } catch (Exception e) {
                        reply.completeExceptionally(e);
                    }
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);

        String execute = """
                {"header":{"msg_id":"%s","username":"berth","session":"%s","msg_type":"execute_request","version":"5.3","date":""},
                 "parent_header":{},"metadata":{},"channel":"shell","buffers":[],
                 "content":{"code":"import sys\\nprint(6 * 7, sys.version_info.major)","silent":false,"store_history":true,
                            "user_expressions":{},"allow_stdin":false,"stop_on_error":true}}""".formatted(msgId, UUID.randomUUID());
        socket.sendText(execute, true).get(10, TimeUnit.SECONDS);

        JsonNode done = reply.get(2, TimeUnit.MINUTES);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        assertThat(done.path("content").path("status").asText()).isEqualTo("ok");
        assertThat(received).anySatisfy(m -> {
            assertThat(m.path("msg_type").asText()).isEqualTo("stream");
            assertThat(m.path("parent_header").path("msg_id").asText()).isEqualTo(msgId);
            assertThat(m.path("content").path("text").asText()).isEqualTo("42 3\n");
        });
    }

    private static HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(jupyter.pod().url(8888).resolve(path)).timeout(Duration.ofSeconds(60));
        jupyter.pod().authToken().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }
}
