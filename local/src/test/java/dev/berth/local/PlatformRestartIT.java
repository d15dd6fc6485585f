package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Json;
import dev.berth.local.cli.BerthCli;
import dev.berth.local.net.LocalCa;
import dev.berth.pod.PodSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the platform process with pods running ({@code kill -9}: no shutdown hook runs), starts it again, and
 * checks that nothing a user created is lost: every record is there, running pods are re-adopted and still
 * reachable at the same URL, and a pod whose container died meanwhile is marked LOST.
 */
class PlatformRestartIT {
    @TempDir
    Path home;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killAll() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly().waitFor();
        }
        PlatformHarness.removeContainers(home);
    }

    @Test
    void killedPlatform_restarts_withEveryRecord_readoptingLivePodsAndMarkingDeadOnesLost() throws Exception {
        PlatformHarness.newHome(home);
        int apiPort = freePort();
        int routerPort = freePort();

        Process first = startPlatform(apiPort, routerPort);
        PlatformHarness.Client client = client(apiPort);
        String survivor = create(client, "survivor");
        String victim = create(client, "victim");
        String exited = client.create(Json.write(PodSpec.builder().image(ImageSpec.builder().base("busybox:latest").build())
                .entrypoint("sh", "-c", "exit 3").build())).path("id").asText();
        JsonNode survivorPod = client.awaitRunning(survivor);
        JsonNode victimPod = client.awaitRunning(victim);
        client.awaitStatus(exited, Duration.ofMinutes(1), "STOPPED");
        String url = client.url(survivorPod, 8080);
        assertThat(client.get(url).body()).isEqualTo("survivor\n");

        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        docker("rm", "-f", victimPod.path("runtimeRef").asText());

        startPlatform(apiPort, routerPort);
        PlatformHarness.Client after = client(apiPort);

        JsonNode survivorAfter = after.awaitRunning(survivor);
        assertThat(survivorAfter.path("urls")).isEqualTo(survivorPod.path("urls"));
        assertThat(PlatformHarness.await(() -> after.get(url).statusCode(), s -> s == 200, Duration.ofSeconds(30), "the URL to answer"))
                .isEqualTo(200);
        assertThat(after.get(url).body()).isEqualTo("survivor\n");
        JsonNode lost = after.awaitStatus(victim, Duration.ofSeconds(30), "STOPPED");
        assertThat(lost.path("stopReason").asText()).isEqualTo("LOST");
        JsonNode exitedAfter = after.pod(exited);
        assertThat(exitedAfter.path("stopReason").asText()).isEqualTo("EXITED");
        assertThat(exitedAfter.path("exitCode").asInt()).isEqualTo(3);
        assertThat(after.json("GET", "/v1/pods", null).path("pods").findValuesAsText("id")).contains(survivor, victim, exited);

        after.json("DELETE", "/v1/pods/" + survivor, null);
    }

    private static String create(PlatformHarness.Client client, String greeting) {
        PodSpec spec = PodSpec.builder().image(ImageSpec.builder().base("busybox:latest").build())
                .entrypoint("sh", "-c", "mkdir -p /www && echo " + greeting + " > /www/index.html && exec httpd -f -p 8080 -h /www")
                .ports(8080).keepWarmSeconds(-1).build();
        return client.create(Json.write(spec)).path("id").asText();
    }

    private PlatformHarness.Client client(int apiPort) {
        LocalCa ca = LocalCa.open(home.resolve("tls"), LocalCa.DEFAULT_DOMAIN, Clock.systemUTC());
        return new PlatformHarness.Client(java.net.URI.create("http://127.0.0.1:" + apiPort), home, ca.clientSslContext());
    }

    /** {@code berth up} in a JVM of its own, returning once its API answers. */
    private Process startPlatform(int apiPort, int routerPort) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BerthCli.class.getName(), "up"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("platform.log").toFile()));
        builder.environment().put("BERTH_HOME", home.toString());
        builder.environment().put("BERTH_API_PORT", String.valueOf(apiPort));
        builder.environment().put("BERTH_ROUTER_PORT", String.valueOf(routerPort));
        Process process = builder.start();
        processes.add(process);
        PlatformHarness.await(() -> LocalPlatform.Instance.read(home).filter(i -> i.pid() == process.pid()).isPresent()
                || !process.isAlive(), done -> done, Duration.ofSeconds(60), "the platform to start");
        if (!process.isAlive()) {
            throw new AssertionError("The platform exited:\n" + Files.readString(home.resolve("platform.log")));
        }
        return process;
    }

    private static void docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
