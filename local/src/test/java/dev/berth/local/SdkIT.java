package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthClientException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import dev.berth.NotFoundException;
import dev.berth.pod.PodStatus;
import dev.berth.pod.StopReason;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.Deployment;
import dev.berth.sdk.Image;
import dev.berth.sdk.Pod;
import dev.berth.sdk.PodInstance;
import dev.berth.sdk.PodNotReadyException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java SDK against a real in-process local platform (real Docker engine, real router and TLS with only the
 * platform's CA trusted). The client finds the platform through its home, as {@code BerthClient.create()} does.
 */
class SdkIT {
    @TempDir
    static Path home;

    private static LocalPlatform platform;
    private static BerthClient client;

    @BeforeAll
    static void start() {
        LocalConfig config = LocalConfig.fromEnv(Map.of()).withHome(PlatformHarness.newHome(home)).withPorts(0, 0);
        platform = LocalPlatform.start(config);
        client = BerthClient.builder().home(home).environment(Map.of()).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.list(PodStatus.PENDING, PodStatus.BUILDING, PodStatus.STARTING, PodStatus.RUNNING).forEach(PodInstance::terminate);
            client.close();
        }
        if (platform != null) {
            platform.close();
            PlatformHarness.removeContainers(home);
        }
    }

    private static Pod.Builder busyboxWeb(String greeting) {
        return Pod.builder().image(Image.fromRegistry("busybox:latest"))
                .entrypoint("sh", "-c", "mkdir -p /www && echo \"" + greeting + "\" > /www/index.html && exec httpd -f -p 8080 -h /www")
                .ports(8080);
    }

    /** The README's "Java SDK" example, verbatim between the markers (there with {@code BerthClient.create()}). */
    @Test
    void readmeExample_pythonWebApp_answers200ThroughItsHttpsUrl_thenTerminates() throws Exception {
        Path app = Path.of("..", "examples", "hello", "app.py");
        // README:begin
        Pod pod = Pod.builder()
                .image(Image.python("3.12").addLocalPath(app, "app.py"))   // → /app/app.py
                .entrypoint("python3", "app.py")
                .ports(8000)
                .env("GREETING", "Hello from Java")
                .keepWarmSeconds(300)
                .build();
        PodInstance instance = client.create(pod).awaitReady(Duration.ofMinutes(5));

        // Any java.net.http client reaches the pod: the SDK resolves *.localhost and gives the CA to trust.
        HttpClient http = HttpClient.newBuilder().sslContext(client.sslContext()).build();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(instance.url(8000)).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println(page.statusCode() + " " + instance.url(8000));

        instance.terminate();
        // README:end

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h1>Hello from Java</h1>");
        assertThat(instance.url(8000)).isEqualTo(URI.create("https://" + instance.id() + "-8000.pods.localhost:" + platform.routerPort() + "/"));
        assertThat(instance.status()).isIn(PodStatus.STOPPING, PodStatus.STOPPED);
        assertThat(client.get(instance.id()).record().stopReason()).isEqualTo(StopReason.USER);
    }

    @Test
    void create_discoversThePlatformThroughBerthHome() {
        try (BerthClient discovered = BerthClient.builder().environment(Map.of("BERTH_HOME", home.toString())).build()) {
            assertThat(discovered.endpoint()).isEqualTo(URI.create(platform.apiUri() + "/"));
            assertThat(discovered.deployments()).isNotNull();
        }
    }

    @Test
    void httpClient_trustsTheLocalCa_andGetListAndStopSeeThePod() throws Exception {
        PodInstance pod = client.create(busyboxWeb("via the SDK client").build()).awaitReady(Duration.ofMinutes(3));

        HttpResponse<String> page = client.httpClient().send(HttpRequest.newBuilder(pod.url()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).isEqualTo("via the SDK client\n");
        assertThat(client.list(PodStatus.RUNNING)).extracting(PodInstance::id).contains(pod.id());
        assertThat(client.get(pod.id()).status()).isEqualTo(PodStatus.RUNNING);
        assertThat(pod.authToken()).isEmpty();

        PodInstance stopped = client.stop(pod.id());

        assertThat(stopped.status()).isIn(PodStatus.STOPPING, PodStatus.STOPPED);
        assertThat(client.list(PodStatus.RUNNING)).extracting(PodInstance::id).doesNotContain(pod.id());
    }

    @Test
    void deploy_givesAStableUrl_thatTheNextPodKeeps() throws Exception {
        String name = "sdk-" + UUID.randomUUID().toString().substring(0, 8);
        Deployment deployment = client.deploy(busyboxWeb("deployed").name(name).build());
        URI stable = URI.create("https://" + name + "-8080.pods.localhost:" + platform.routerPort() + "/");

        assertThat(deployment.url(8080)).isEqualTo(stable);
        PodInstance first = deployment.pod().orElseThrow().awaitReady(Duration.ofMinutes(3));
        assertThat(first.url(8080)).isEqualTo(stable);
        assertThat(client.httpClient().send(HttpRequest.newBuilder(stable).build(), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("deployed\n");

        deployment.stop();
        assertThat(client.get(first.id()).status()).isIn(PodStatus.STOPPING, PodStatus.STOPPED);
        PodInstance second = client.startDeployment(name).pod().orElseThrow().awaitReady(Duration.ofMinutes(3));

        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(second.url(8080)).isEqualTo(stable);
        assertThat(client.httpClient().send(HttpRequest.newBuilder(stable).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(client.deployments()).extracting(Deployment::name).contains(name);

        client.deleteDeployment(name);
        assertThatThrownBy(() -> client.deployment(name)).isInstanceOf(NotFoundException.class).hasMessageContaining(name);
    }

    @Test
    void logs_returnTheOutput_andFollowStreamsNewLines() {
        PodInstance pod = client.create(Pod.builder().image(Image.fromRegistry("busybox:latest"))
                .entrypoint("sh", "-c", "echo first line; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done").build())
                .awaitReady(Duration.ofMinutes(3));
        try {
            try (Stream<String> followed = pod.logs(true)) {
                Iterator<String> lines = followed.iterator();
                assertThat(lines.next()).isEqualTo("first line");
                assertThat(lines.next()).isEqualTo("tick 1");
                assertThat(lines.next()).isEqualTo("tick 2");
            }
            try (Stream<String> sofar = pod.logs()) {
                assertThat(sofar.toList()).startsWith("first line", "tick 1", "tick 2");
            }
        } finally {
            pod.terminate();
        }
    }

    @Test
    void awaitReady_whenTheEntrypointExits_failsWithItsOutputAndExitCode() {
        PodInstance pod = client.create(Pod.builder().image(Image.fromRegistry("busybox:latest"))
                .entrypoint("sh", "-c", "echo cannot bind the port >&2; exit 3").ports(8080).build());

        assertThatThrownBy(() -> pod.awaitReady(Duration.ofMinutes(3)))
                .isInstanceOfSatisfying(PodNotReadyException.class, e -> {
                    assertThat(e.podEnded()).isTrue();
                    assertThat(e.podId()).isEqualTo(pod.id());
                })
                .hasMessageContaining("exit code 3").hasMessageContaining("cannot bind the port");
    }

    @Test
    void errors_areTyped_withFieldAndFix() {
        assertThatThrownBy(() -> busyboxWeb("x").ports(70000).build())
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("ports[1]"))
                .hasMessageContaining("Invalid port 70000 at ports[1]");
        assertThatThrownBy(() -> client.create(busyboxWeb("x").gpu("T4").build()))
                .isInstanceOfSatisfying(BerthClientException.class, e -> {
                    assertThat(e.field()).isEqualTo("gpu");
                    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
                })
                .hasMessageContaining("no GPU runtime");
        assertThatThrownBy(() -> client.get("pzzzzzzzzzzz")).isInstanceOf(NotFoundException.class).hasMessageContaining("pzzzzzzzzzzz");
        assertThatThrownBy(() -> client.get("not-a-pod-id")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("pod ids are 'p' and 11 lowercase letters or digits");
        assertThatThrownBy(() -> client.deploy(busyboxWeb("x").build())).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("A deployment needs a name");
    }
}
