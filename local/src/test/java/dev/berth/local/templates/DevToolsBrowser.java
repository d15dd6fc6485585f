package dev.berth.local.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.internal.Json;
import dev.berth.local.PlatformHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}) driven over the DevTools protocol: one page, navigated to a
 * URL, polled with {@code Runtime.evaluate} until the app's own content is in the DOM (content that arrives over a
 * WebSocket included), and photographed with {@code Page.captureScreenshot}. {@link #close} kills Chromium and
 * deletes its profile.
 *
 * <p>Trust: Chromium is told to accept exactly the router's key ({@code --ignore-certificate-errors-spki-list} with
 * the SHA-256 of the certificate's SubjectPublicKeyInfo, read from the router over a TLS connection that trusts only
 * Berth's CA). That pins one key rather than trusting everything, and needs no NSS database.
 *
 * <p>Host network changes: Chromium aborts its in-flight requests with {@code net::ERR_NETWORK_CHANGED} when an
 * interface comes or goes on the host — Docker adds and removes a veth for every container another test (or
 * anything else on the machine) starts or stops. A page whose script bundles were cut off that way stays blank.
 * {@link #openAndAwait} reloads then, and only then, as a user would; every failed load is recorded
 * ({@link #failedLoads}) and shown when the page never gets there.
 */
final class DevToolsBrowser implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Path profile;
    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending;
    private final Events events;

    private DevToolsBrowser(Path profile, Process process, WebSocket socket, Map<Integer, CompletableFuture<JsonNode>> pending,
                            Events events) {
        this.profile = profile;
        this.process = process;
        this.socket = socket;
        this.pending = pending;
        this.events = events;
    }

    /** Starts Chromium pinned to the key the router at {@code localhost:routerPort} presents for {@code host}. */
    static DevToolsBrowser pinnedTo(int routerPort, String host, SSLContext berthTls) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException("Debian's chromium is missing; ./test.sh installs it (apt-get install -y chromium)");
        }
        String pin = spkiPin(routerPort, host, berthTls);
        Path profile = null;
        Process process = null;
        try {
            profile = Files.createTempDirectory("berth-chromium");
            process = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--remote-debugging-port=0",
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--ignore-certificate-errors-spki-list=" + pin, "--user-data-dir=" + profile,
                    "--window-size=1280,900", "about:blank"))
                    .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
            int port = awaitDevToolsPort(process, profile);
            URI page = pageTarget(port, process, profile);
            Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
            Events events = new Events();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(CALL_TIMEOUT)
                    .buildAsync(page, new Listener(msg -> dispatch(pending, events, msg))).get(30, TimeUnit.SECONDS);
            DevToolsBrowser browser = new DevToolsBrowser(profile, process, socket, pending, events);
            browser.call("Network.enable", Json.MAPPER.createObjectNode());
            return browser;
        } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
            kill(process);
            String log = log(profile);
            deleteTree(profile);
            throw new IllegalStateException("Cannot start Chromium over DevTools: " + e + "\n" + log, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
            deleteTree(profile);
            throw new IllegalStateException(e);
        }
    }

    /** Navigates the page to {@code url}; fails with Chromium's error (a certificate or network failure, say). */
    void open(URI url) {
        events.failed.clear();
        JsonNode result = call("Page.navigate", Json.MAPPER.createObjectNode().put("url", url.toString()));
        if (result.hasNonNull("errorText")) {
            throw new AssertionError("Chromium could not open " + redacted(url) + ": " + result.get("errorText").asText());
        }
    }

    /** The value of the JavaScript {@code expression} in the page, as text ({@code null} for null or undefined). */
    String evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", Json.MAPPER.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (result.has("exceptionDetails")) {
            JsonNode details = result.get("exceptionDetails");
            throw new IllegalStateException("'" + expression + "' threw: "
                    + details.path("exception").path("description").asText(details.path("text").asText()));
        }
        JsonNode value = result.path("result").path("value");
        return value.isMissingNode() || value.isNull() ? null : value.isTextual() ? value.asText() : value.toString();
    }

    /**
     * Polls {@code expression} until its value satisfies {@code until}, and returns that value; after
     * {@code timeout} fails with the last value and the page's text.
     */
    String await(String expression, Predicate<String> until, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = null;
        while (true) {
            try {
                last = evaluate(expression);
                if (last != null && until.test(last)) {
                    return last;
                }
            } catch (IllegalStateException e) {
                last = e.getMessage(); // a page in the middle of loading: no element yet, or no context
            }
            if (Instant.now().isAfter(deadline)) {
                String text;
                try {
                    text = evaluate("document.location.pathname + '\\n' + (document.body ? document.body.innerText : '')");
                } catch (RuntimeException e) {
                    text = e.toString();
                }
                throw new AssertionError("After " + timeout + ", '" + expression + "' was: " + last
                        + "\n--- the page's text ---\n" + text);
            }
            PlatformHarness.sleep(250);
        }
    }

    /**
     * Opens {@code url} and awaits {@code expression} as {@link #await} does. If the page does not get there and some
     * of its loads were aborted by a host network change ({@code net::ERR_NETWORK_CHANGED}, see the class comment),
     * opens it again, at most twice; any other failure fails at once with the failed loads.
     */
    String openAndAwait(URI url, String expression, Predicate<String> until, Duration timeout) {
        for (int attempt = 1; ; attempt++) {
            open(url);
            try {
                return await(expression, until, timeout);
            } catch (AssertionError notThere) {
                List<String> failed = failedLoads();
                if (attempt == 3 || failed.stream().noneMatch(f -> f.contains("net::ERR_NETWORK_CHANGED"))) {
                    throw new AssertionError(notThere.getMessage() + "\n--- failed loads ---\n" + String.join("\n", failed), notThere);
                }
            }
        }
    }

    /** The loads that failed since the last {@link #open}: Chromium's error and the URL (auth tokens redacted). */
    List<String> failedLoads() {
        return List.copyOf(events.failed);
    }

    /** Presses and releases {@code key} (a DOM key name with no text, such as {@code ArrowRight}) in the focused element. */
    void press(String key) {
        for (String type : List.of("rawKeyDown", "keyUp")) {
            call("Input.dispatchKeyEvent", Json.MAPPER.createObjectNode().put("type", type).put("key", key).put("code", key)
                    .put("windowsVirtualKeyCode", switch (key) {
                        case "ArrowLeft" -> 37;
                        case "ArrowRight" -> 39;
                        default -> throw new IllegalArgumentException("key '" + key + "' is not mapped; add its key code");
                    }));
        }
    }

    /** Saves a PNG of the viewport to {@code file} and returns it. */
    Path screenshot(Path file) {
        JsonNode shot = call("Page.captureScreenshot", Json.MAPPER.createObjectNode().put("format", "png"));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        socket.abort();
        kill(process);
        deleteTree(profile);
    }

    private JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ObjectNode message = Json.MAPPER.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        try {
            socket.sendText(Json.MAPPER.writeValueAsString(message), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            JsonNode answer = reply.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (answer.has("error")) {
                throw new IllegalStateException(method + " failed: " + answer.get("error"));
            }
            return answer.path("result");
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException(method + " got no answer from Chromium: " + e + "\n" + log(profile), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            pending.remove(id);
        }
    }

    private static void dispatch(Map<Integer, CompletableFuture<JsonNode>> pending, Events events, String text) {
        try {
            JsonNode message = Json.MAPPER.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> reply = pending.get(message.get("id").asInt());
                if (reply != null) {
                    reply.complete(message);
                }
            } else {
                events.accept(message);
            }
        } catch (IOException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }

    /** What the tests want of the Network domain's events: which loads failed, and why. */
    private static final class Events {
        private final Map<String, String> urls = new ConcurrentHashMap<>();
        private final List<String> failed = new java.util.concurrent.CopyOnWriteArrayList<>();

        void accept(JsonNode event) {
            JsonNode params = event.path("params");
            switch (event.path("method").asText()) {
                case "Network.requestWillBeSent" -> urls.put(params.path("requestId").asText(), params.path("request").path("url").asText());
                case "Network.loadingFailed" -> {
                    if (!params.path("canceled").asBoolean()) {
                        String url = urls.getOrDefault(params.path("requestId").asText(), "?");
                        failed.add(params.path("errorText").asText() + " " + url.replaceAll("auth_token=[^&#]*", "auth_token=***"));
                    }
                }
                default -> {
                    // other events are not needed: the tests poll the DOM
                }
            }
        }
    }

    /** Collects a text message's fragments (a screenshot arrives in many) and hands over whole messages. */
    private static final class Listener implements WebSocket.Listener {
        private final java.util.function.Consumer<String> onMessage;
        private final StringBuilder partial = new StringBuilder();

        Listener(java.util.function.Consumer<String> onMessage) {
            this.onMessage = onMessage;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String message = partial.toString();
                partial.setLength(0);
                onMessage.accept(message);
            }
            webSocket.request(1);
            return null;
        }
    }

    /** Chromium writes {@code DevToolsActivePort} (the port, then the browser's path) into the profile when it listens. */
    private static int awaitDevToolsPort(Process process, Path profile) throws IOException {
        Path file = profile.resolve("DevToolsActivePort");
        Instant deadline = Instant.now().plus(CALL_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (Files.isRegularFile(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= 2) {
                    return Integer.parseInt(lines.get(0).strip());
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Chromium exited with " + process.exitValue());
            }
            PlatformHarness.sleep(100);
        }
        throw new IllegalStateException("Chromium wrote no " + file + " within " + CALL_TIMEOUT);
    }

    /** The page target's WebSocket URL, from {@code /json/list}. */
    private static URI pageTarget(int port, Process process, Path profile) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).build();
        Instant deadline = Instant.now().plus(CALL_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .timeout(CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode target : Json.MAPPER.readTree(list.body())) {
                if (target.path("type").asText().equals("page") && target.hasNonNull("webSocketDebuggerUrl")) {
                    return URI.create(target.get("webSocketDebuggerUrl").asText());
                }
            }
            PlatformHarness.sleep(100);
        }
        throw new IllegalStateException("Chromium listed no page target on port " + port);
    }

    private static String spkiPin(int routerPort, String host, SSLContext berthTls) {
        try (SSLSocket socket = (SSLSocket) berthTls.getSocketFactory().createSocket("127.0.0.1", routerPort)) {
            var params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(host)));
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(leaf.getPublicKey().getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the router's certificate on port " + routerPort, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String redacted(URI url) {
        return url.toString().replaceAll("auth_token=[^&#]*", "auth_token=***");
    }

    private static String log(Path profile) {
        try {
            Path log = profile == null ? null : profile.resolve("chromium.log");
            return log != null && Files.isRegularFile(log) ? "--- chromium's output ---\n" + Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Ends Chromium and its helper processes (renderer, GPU, zygote). */
    private static void kill(Process process) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp profile is harmless.
        }
    }
}
