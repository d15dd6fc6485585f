package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Json;
import dev.berth.pod.PodSpec;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment keeps its URL across reaps: the first request to a deployment at zero starts a pod, is held
 * until it runs and then answered; many such requests start one pod; a pod slower than the wake limit gets
 * 503 with {@code Retry-After} and a later request succeeds. Real engine, real TLS, only the CA trusted.
 */
class DeploymentWakeIT {
    /** Longer than a busybox pod takes to start here, shorter than {@link #SLOW_START_SECONDS}. */
    private static final int WAKE_TIMEOUT_SECONDS = 8;
    private static final int SLOW_START_SECONDS = 20;

    @TempDir
    static Path home;

    private static LocalPlatform platform;
    private static PlatformHarness.Client client;

    @BeforeAll
    static void start() {
        LocalConfig config = LocalConfig.fromEnv(Map.of("BERTH_WAKE_TIMEOUT_SECONDS", String.valueOf(WAKE_TIMEOUT_SECONDS)))
                .withHome(PlatformHarness.newHome(home)).withPorts(0, 0);
        assertThat(config.wakeTimeout()).isEqualTo(Duration.ofSeconds(WAKE_TIMEOUT_SECONDS));
        platform = LocalPlatform.start(config);
        client = new PlatformHarness.Client(platform.apiUri(), home, platform.ca().clientSslContext());
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            for (JsonNode d : client.json("GET", "/v1/deployments", null).path("deployments")) {
                client.call("DELETE", "/v1/deployments/" + d.path("name").asText(), null);
            }
            platform.close();
            PlatformHarness.removeContainers(home);
        }
    }

    /** busybox httpd answering "{@code greeting}" on 8080 after {@code delaySeconds}, kept warm 1 s. */
    private static PodSpec web(String name, String greeting, int delaySeconds) {
        return web(name, greeting, delaySeconds, 1);
    }

    private static PodSpec web(String name, String greeting, int delaySeconds, int keepWarmSeconds) {
        String script = "sleep " + delaySeconds + " && mkdir -p /www && echo " + greeting
                + " > /www/index.html && exec httpd -f -p 8080 -h /www";
        return PodSpec.builder().name(name).image(ImageSpec.builder().base("busybox:latest").build())
                .entrypoint("sh", "-c", script).ports(8080).keepWarmSeconds(keepWarmSeconds).build();
    }

    private static List<String> podIds(String deployment) {
        return client.json("GET", "/v1/pods?name=" + deployment, null).path("pods").findValuesAsText("id");
    }

    private static JsonNode awaitReaped(String podId) {
        JsonNode pod = client.awaitStatus(podId, Duration.ofSeconds(30), "STOPPED", "FAILED");
        assertThat(pod.path("stopReason").asText()).as(pod.toString()).isEqualTo("IDLE");
        return pod;
    }

    @Test
    void reapedDeployment_wakesOnTheFirstRequestToItsUrl_andConcurrentRequestsStartOnePod() throws Exception {
        JsonNode deployed = client.json("POST", "/v1/deployments", Json.write(web("wake-me", "awake", 0)));
        String url = deployed.path("urls").path("8080").asText();
        String first = deployed.path("pod").path("id").asText();
        client.awaitRunning(first);
        assertThat(client.get(url).body()).isEqualTo("awake\n");
        awaitReaped(first);
        assertThat(client.json("GET", "/v1/deployments/wake-me", null).path("pod").path("status").asText()).isEqualTo("STOPPED");

        HttpResponse<String> woken = client.get(url);

        assertThat(woken.statusCode()).as(woken.body()).isEqualTo(200);
        assertThat(woken.body()).isEqualTo("awake\n");
        assertThat(url).isEqualTo("https://wake-me-8080.pods.localhost:" + platform.routerPort() + "/");
        List<String> afterOneWake = podIds("wake-me");
        assertThat(afterOneWake).hasSize(2).contains(first);
        String second = afterOneWake.stream().filter(id -> !id.equals(first)).findFirst().orElseThrow();
        awaitReaped(second);

        ExecutorService threads = Executors.newFixedThreadPool(6);
        List<Future<HttpResponse<String>>> concurrent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            concurrent.add(threads.submit(() -> client.get(url)));
        }
        for (Future<HttpResponse<String>> response : concurrent) {
            HttpResponse<String> r = response.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("awake\n");
        }
        threads.shutdown();

        Set<String> pods = new HashSet<>(podIds("wake-me"));
        assertThat(pods).hasSize(3).contains(first, second);
        pods.removeAll(Set.of(first, second));
        String third = pods.iterator().next();
        assertThat(client.json("GET", "/v1/deployments/wake-me", null).path("pod").path("id").asText()).isEqualTo(third);
    }

    @Test
    void wakeSlowerThanTheLimit_is503WithRetryAfter_andALaterRequestSucceeds() {
        JsonNode deployed = client.json("POST", "/v1/deployments", Json.write(web("slow-wake", "late", 0)));
        String url = deployed.path("urls").path("8080").asText();
        String first = deployed.path("pod").path("id").asText();
        client.awaitRunning(first);
        awaitReaped(first);
        // The same URL, now served by a spec whose server needs longer than the wake limit to listen.
        client.json("POST", "/v1/deployments", Json.write(web("slow-wake", "late", SLOW_START_SECONDS, 60)));
        String slow = client.json("GET", "/v1/deployments/slow-wake", null).path("pod").path("id").asText();
        client.call("POST", "/v1/deployments/slow-wake/stop", null);
        client.awaitStatus(slow, Duration.ofSeconds(30), "STOPPED");

        HttpResponse<String> held = client.get(url);

        assertThat(held.statusCode()).as(held.body()).isEqualTo(503);
        assertThat(held.headers().firstValue("Retry-After")).isPresent();
        assertThat(held.body()).contains("slow-wake");
        String woken = client.json("GET", "/v1/deployments/slow-wake", null).path("pod").path("id").asText();
        assertThat(woken).isNotIn(first, slow);
        client.awaitRunning(woken);
        HttpResponse<String> later = client.get(url);
        assertThat(later.statusCode()).as(later.body()).isEqualTo(200);
        assertThat(later.body()).isEqualTo("late\n");
        assertThat(podIds("slow-wake")).containsExactlyInAnyOrder(first, slow, woken);
    }
}
