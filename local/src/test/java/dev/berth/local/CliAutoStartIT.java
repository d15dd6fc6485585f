package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth run} with no platform running for its home: it starts the embedded platform as a background
 * {@code berth up} (on the fixed free ports given by {@code BERTH_API_PORT} / {@code BERTH_ROUTER_PORT}), then
 * runs the pod against it. The background platform is stopped after each test, its pods first.
 */
class CliAutoStartIT {
    @TempDir
    Path home;

    private int apiPort;
    private int routerPort;
    private CliProcess berth;

    @BeforeEach
    void freshHome() {
        PlatformHarness.newHome(home);
        apiPort = freePort();
        routerPort = freePort();
        berth = new CliProcess(home, Map.of("BERTH_API_PORT", String.valueOf(apiPort), "BERTH_ROUTER_PORT", String.valueOf(routerPort)));
    }

    @AfterEach
    void stopBackgroundPlatform() throws Exception {
        Optional<LocalPlatform.Instance> instance = LocalPlatform.Instance.read(home).filter(LocalPlatform.Instance::isAlive);
        if (instance.isEmpty()) {
            return;
        }
        try {
            CliProcess.Result stop = berth.run("container", "stop", "--all");
            assertThat(stop.exitCode()).as(stop.toString()).isZero();
        } finally {
            ProcessHandle process = ProcessHandle.of(instance.get().pid()).orElseThrow();
            process.destroy();
            try {
                process.onExit().get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                process.destroyForcibly();
                process.onExit().get(10, TimeUnit.SECONDS);
            }
            PlatformHarness.removeContainers(home);
        }
    }

    @Test
    void run_withNoPlatformRunning_startsTheEmbeddedOne_andPrintsTheUrlLast_whichAnswers200() throws Exception {
        assertThat(LocalPlatform.Instance.read(home)).isEmpty();
        String page = "auto-" + UUID.randomUUID().toString().substring(0, 8);

        CliProcess.Result run = berth.run("run", "--image", "busybox:latest", "--port", "8080", "--keep-warm-seconds", "-1",
                "--entrypoint", "sh -c 'mkdir -p /www && echo " + page + " > /www/index.html && exec httpd -f -p 8080 -h /www'");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> lines = run.out().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines.getFirst()).as(run.toString())
                .isEqualTo("Starting the Berth platform in the background (log: " + home.resolve("platform.log") + ") …");
        assertThat(run.out()).contains("created", "running", "Ready. Open in a browser (trust the CA " + home.resolve("tls").resolve("ca.pem") + "):");
        String url = run.lastLine();
        assertThat(url).matches("https://p[a-z0-9]{11}-8080\\.pods\\.localhost:" + routerPort + "/");

        LocalPlatform.Instance instance = LocalPlatform.Instance.read(home).orElseThrow(() -> new AssertionError("no platform.json in " + home));
        assertThat(instance.isAlive()).as("platform pid %d alive", instance.pid()).isTrue();
        assertThat(instance.pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(instance.api().getPort()).isEqualTo(apiPort);
        assertThat(instance.routerPort()).isEqualTo(routerPort);

        HttpResponse<String> response = trustingTheHomeCa().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(page + "\n");

        String id = url.substring("https://".length(), url.indexOf("-8080"));
        CliProcess.Result stop = berth.run("container", "stop", "--all", "-o", "json");
        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        JsonNode all = berth.run("container", "list", "--all", "-o", "json").json();
        JsonNode pod = null;
        for (JsonNode p : all.path("pods")) {
            if (p.path("id").asText().equals(id)) {
                pod = p;
            }
        }
        assertThat(pod).as(all.toString()).isNotNull();
        assertThat(pod.path("status").asText()).isEqualTo("STOPPED");
    }

    /** An HTTPS client trusting only the CA the platform generated in {@code $BERTH_HOME/tls/ca.pem}. */
    private HttpClient trustingTheHomeCa() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream pem = Files.newInputStream(home.resolve("tls").resolve("ca.pem"))) {
            trust.setCertificateEntry("berth-ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
