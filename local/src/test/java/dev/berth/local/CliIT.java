package dev.berth.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.pod.PodStatus;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.PodInstance;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code berth} command as a process against a real in-process local platform (real engine, router and
 * TLS): the CLI finds the platform through {@code BERTH_HOME}; pod URLs are fetched trusting only the JDK's CAs
 * and the platform's CA.
 */
class CliIT {
    @TempDir
    static Path home;

    private static LocalPlatform platform;
    private static BerthClient client;
    private static CliProcess berth;

    @BeforeAll
    static void start() {
        platform = LocalPlatform.start(LocalConfig.fromEnv(Map.of()).withHome(PlatformHarness.newHome(home)).withPorts(0, 0));
        client = BerthClient.builder().home(home).environment(Map.of()).build();
        berth = new CliProcess(home, Map.of());
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

    private static String web(String marker, String page) {
        return "sh -c 'echo " + marker + " && mkdir -p /www && echo " + page + " > /www/index.html && exec httpd -f -p 8080 -h /www'";
    }

    private static HttpResponse<String> fetch(String url) throws Exception {
        return client.httpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void run_busybox_printsTheUrlLast_whichAnswers200_andLogsShowTheOutput() throws Exception {
        String marker = "marker-" + UUID.randomUUID().toString().substring(0, 8);

        CliProcess.Result run = berth.run("run", "--image", "busybox:latest", "--entrypoint", web(marker, "hello-cli"), "--port", "8080",
                "--keep-warm-seconds", "120");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String url = run.lastLine();
        assertThat(url).matches("https://p[a-z0-9]{11}-8080\\.pods\\.localhost:" + platform.routerPort() + "/");
        assertThat(run.out()).contains("Pod p", "created", "running", "Ready. Open in a browser");
        HttpResponse<String> page = fetch(url);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).isEqualTo("hello-cli\n");

        String id = url.substring("https://".length(), url.indexOf("-8080"));
        CliProcess.Result logs = berth.run("logs", id);
        assertThat(logs.exitCode()).as(logs.toString()).isZero();
        assertThat(logs.out()).contains(marker);
    }

    @Test
    void run_uncachedImage_streamsTheBuildLogBeforeTheUrl() throws Exception {
        String marker = "berth-cli-build-" + UUID.randomUUID().toString().substring(0, 8);

        CliProcess.Result run = berth.run("run", "--image", "busybox:latest", "--commands", "echo " + marker,
                "--entrypoint", web("built", "built-page"), "--port", "8080", "--keep-warm-seconds", "60");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        List<String> lines = run.out().lines().toList();
        int building = lines.indexOf("  building — the image's build log:");
        int firstStep = indexOfFirst(lines, "  │ Step 1/");
        int runStep = indexOfFirst(lines, "  │ Step ", ": RUN echo " + marker);
        int echoed = lines.indexOf("  │ " + marker); // the command's output, not the step that names it
        int ready = indexOfFirst(lines, "Ready. Open in a browser");
        assertThat(building).as(run.toString()).isNotNegative();
        assertThat(firstStep).as(run.toString()).isGreaterThan(building);
        assertThat(runStep).as(run.toString()).isGreaterThan(firstStep);
        assertThat(echoed).as(run.toString()).isGreaterThan(runStep);
        assertThat(ready).as(run.toString()).isGreaterThan(echoed);
        assertThat(lines.get(firstStep)).contains("FROM " + PlatformHarness.BUSYBOX);
        String url = run.lastLine();
        assertThat(url).matches("https://p[a-z0-9]{11}-8080\\.pods\\.localhost:" + platform.routerPort() + "/");
        assertThat(fetch(url).body()).isEqualTo("built-page\n");
    }

    @Test
    void run_failingBuild_exits4_withTheFailingStepAndTheLogTail_andThePodIsFailed() {
        String marker = "berth-cli-fail-" + UUID.randomUUID().toString().substring(0, 8);

        CliProcess.Result run = berth.run("run", "--image", "busybox:latest", "--commands", "echo " + marker, "--commands", "exit 3",
                "--entrypoint", "sleep 600", "--port", "8080");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
        String id = run.out().lines().filter(l -> l.startsWith("Pod p") && l.contains(" created ")).findFirst()
                .map(l -> l.substring("Pod ".length(), l.indexOf(' ', "Pod ".length()))).orElseThrow(() -> new AssertionError(run.toString()));
        assertThat(run.err()).as(run.toString())
                .contains("error: Pod " + id + " failed: its image did not build: Image build failed at step ")
                .contains("'RUN exit 3': The command '/bin/sh -c exit 3' returned a non-zero code: 3")
                .contains("Last lines of the build log:\n")
                .contains("\n" + marker + "\n");
        assertThat(run.out() + run.err()).doesNotContain("Ready.", "https://" + id);

        JsonNode all = berth.run("container", "list", "--all", "-o", "json").json();
        JsonNode pod = null;
        for (JsonNode p : all.path("pods")) {
            if (p.path("id").asText().equals(id)) {
                pod = p;
            }
        }
        assertThat(pod).as(all.toString()).isNotNull();
        assertThat(pod.path("status").asText()).isEqualTo("FAILED");
        assertThat(client.get(id).status()).isEqualTo(PodStatus.FAILED);
    }

    /** The index of the first line that starts with {@code prefix} and contains every one of {@code parts}; -1 if none. */
    private static int indexOfFirst(List<String> lines, String prefix, String... parts) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith(prefix) && Arrays.stream(parts).allMatch(line::contains)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void runDetach_outputJson_givesThePodFieldByField_andContainerListJsonHasIt() {
        CliProcess.Result run = berth.run("run", "--detach", "--output", "json", "--image", "busybox:latest",
                "--entrypoint", web("detached", "x"), "--port", "8080", "--env", "A=1", "--cpu", "0.5", "--memory", "128Mi",
                "--keep-warm-seconds", "60");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode pod = run.json();
        String id = pod.path("id").asText();
        assertThat(id).matches("p[a-z0-9]{11}");
        assertThat(pod.path("status").asText()).isIn("PENDING", "BUILDING", "STARTING", "RUNNING");
        assertThat(pod.path("urls").path("8080").asText()).isEqualTo("https://" + id + "-8080.pods.localhost:" + platform.routerPort() + "/");
        assertThat(pod.path("spec").path("image").path("base").asText()).isEqualTo("busybox:latest");
        assertThat(pod.path("spec").path("entrypoint").get(0).asText()).isEqualTo("sh");
        assertThat(pod.path("spec").path("env").path("A").asText()).isEqualTo("1");
        assertThat(pod.path("spec").path("cpu").asDouble()).isEqualTo(0.5);
        assertThat(pod.path("spec").path("memoryMiB").asInt()).isEqualTo(128);
        assertThat(pod.path("spec").path("keepWarmSeconds").asInt()).isEqualTo(60);
        assertThat(pod.has("authToken")).isFalse();

        CliProcess.Result list = berth.run("container", "list", "--output", "json");

        assertThat(list.exitCode()).as(list.toString()).isZero();
        JsonNode listed = null;
        for (JsonNode p : list.json().path("pods")) {
            if (p.path("id").asText().equals(id)) {
                listed = p;
            }
        }
        assertThat(listed).as(list.out()).isNotNull();
        assertThat(listed.path("status").asText()).isIn("PENDING", "BUILDING", "STARTING", "RUNNING");
        assertThat(listed.path("urls").path("8080").asText()).isEqualTo(pod.path("urls").path("8080").asText());
        assertThat(listed.path("imageId").asText()).isEqualTo(pod.path("imageId").asText());
        assertThat(listed.path("createdAt").asText()).isEqualTo(pod.path("createdAt").asText());

        CliProcess.Result table = berth.run("container", "list");
        assertThat(table.out().lines().findFirst().orElse("")).startsWith("ID").contains("STATUS", "AGE", "DEPLOYMENT", "REASON", "URLS");
        assertThat(table.out()).contains(id);
    }

    @Test
    void containerStopAll_stopsEveryActivePod() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CliProcess.Result run = berth.run("run", "-d", "-o", "json", "--image", "busybox:latest", "--entrypoint", "sleep 600");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            ids.add(run.json().path("id").asText());
        }

        CliProcess.Result stop = berth.run("container", "stop", "--all", "-o", "json");

        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        List<String> stopped = new ArrayList<>();
        stop.json().path("pods").forEach(p -> {
            stopped.add(p.path("id").asText());
            assertThat(p.path("status").asText()).isIn("STOPPING", "STOPPED");
            assertThat(p.path("stopReason").asText()).isEqualTo("USER");
        });
        assertThat(stopped).containsAll(ids);
        for (String id : ids) {
            assertThat(client.get(id).status()).isIn(PodStatus.STOPPING, PodStatus.STOPPED);
        }
        CliProcess.Result none = berth.run("container", "stop");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("give the ids of the pods to stop, or --all");
    }

    @Test
    void deploy_thenDeploymentListStopStartDelete() throws Exception {
        String name = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        String stable = "https://" + name + "-8080.pods.localhost:" + platform.routerPort() + "/";

        CliProcess.Result deploy = berth.run("deploy", "--name", name, "--image", "busybox:latest", "--entrypoint", web("d", "deployed"),
                "--port", "8080");

        assertThat(deploy.exitCode()).as(deploy.toString()).isZero();
        assertThat(deploy.lastLine()).isEqualTo(stable);
        assertThat(fetch(stable).body()).isEqualTo("deployed\n");

        CliProcess.Result list = berth.run("deployment", "list", "-o", "json");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        JsonNode found = null;
        for (JsonNode d : list.json().path("deployments")) {
            if (d.path("name").asText().equals(name)) {
                found = d;
            }
        }
        assertThat(found).as(list.out()).isNotNull();
        assertThat(found.path("urls").path("8080").asText()).isEqualTo(stable);
        assertThat(found.path("pod").path("status").asText()).isEqualTo("RUNNING");
        assertThat(found.path("pod").path("deployment").asText()).isEqualTo(name);
        assertThat(found.path("spec").path("ports").get(0).asInt()).isEqualTo(8080);
        String firstPod = found.path("pod").path("id").asText();

        CliProcess.Result stop = berth.run("deployment", "stop", name);
        assertThat(stop.exitCode()).as(stop.toString()).isZero();
        assertThat(client.get(firstPod).status()).isIn(PodStatus.STOPPING, PodStatus.STOPPED);

        CliProcess.Result start = berth.run("deployment", "start", name);
        assertThat(start.exitCode()).as(start.toString()).isZero();
        assertThat(start.lastLine()).isEqualTo(stable);
        assertThat(fetch(stable).statusCode()).isEqualTo(200);
        assertThat(client.deployment(name).pod().orElseThrow().id()).isNotEqualTo(firstPod);

        CliProcess.Result delete = berth.run("deployment", "delete", name);
        assertThat(delete.exitCode()).as(delete.toString()).isZero();
        assertThat(berth.run("deployment", "list", "-o", "json").out()).doesNotContain("\"" + name + "\"");
        CliProcess.Result again = berth.run("deployment", "delete", name);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains(name);
    }

    @Test
    void runFile_podYaml_resolvesFilesAgainstItsFolder_andFlagsOverrideIt() throws Exception {
        Path dir = Files.createDirectories(home.resolve("yaml-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.createDirectories(dir.resolve("site"));
        Files.writeString(dir.resolve("site/index.html"), "from the yaml folder\n");
        Files.writeString(dir.resolve("pod.yaml"), String.join("\n",
                "# a busybox web server",
                "image:",
                "  base: busybox:latest",
                "  files:",
                "    www: site",
                "entrypoint: sh -c 'echo greeting=$GREETING && exec httpd -f -p 8080 -h /app/www'",
                "ports: [8080]",
                "env:",
                "  GREETING: from-file",
                "keepWarmSeconds: 300",
                ""));

        CliProcess.Result run = berth.run("run", "-f", dir.resolve("pod.yaml").toString(), "--env", "GREETING=from-flag",
                "--keep-warm-seconds", "90", "-o", "json");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode pod = run.json();
        assertThat(pod.path("status").asText()).isEqualTo("RUNNING");
        assertThat(pod.path("spec").path("keepWarmSeconds").asInt()).isEqualTo(90);
        assertThat(pod.path("spec").path("env").path("GREETING").asText()).isEqualTo("from-flag");
        HttpResponse<String> page = fetch(pod.path("urls").path("8080").asText());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).isEqualTo("from the yaml folder\n");
        assertThat(berth.run("logs", pod.path("id").asText()).out()).contains("greeting=from-flag");
        assertThat(run.err()).contains("created"); // progress goes to stderr with --output json
    }

    @Test
    void badFlags_areUsageErrors_namingTheFlagAndTheFix_exit2() {
        CliProcess.Result port = berth.run("run", "--image", "busybox:latest", "--entrypoint", "sleep 1", "--port", "70000");
        assertThat(port.exitCode()).as(port.toString()).isEqualTo(2);
        assertThat(port.err()).contains("error: --port: Invalid port 70000 at ports[0]; give the container port your server listens on, between 1 and 65535");

        CliProcess.Result notNumber = berth.run("run", "--entrypoint", "sleep 1", "--port", "http");
        assertThat(notNumber.exitCode()).isEqualTo(2);
        assertThat(notNumber.err()).contains("'--port'", "'http' is not an int", "Run 'berth run --help'");

        CliProcess.Result unknown = berth.run("run", "--entrypoint", "sleep 1", "--keep-warm", "5");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown options: '--keep-warm', '5'", "Possible solutions: --keep-warm-seconds");

        CliProcess.Result memory = berth.run("run", "--entrypoint", "sleep 1", "--memory", "lots");
        assertThat(memory.exitCode()).isEqualTo(2);
        assertThat(memory.err()).contains("--memory 'lots': give MiB as a whole number (2048) or with a unit (512Mi, 2Gi)");

        CliProcess.Result noEntrypoint = berth.run("run", "--image", "busybox:latest");
        assertThat(noEntrypoint.exitCode()).isEqualTo(2);
        assertThat(noEntrypoint.err()).contains("--entrypoint", "entrypoint is empty; give the command the container runs");

        CliProcess.Result env = berth.run("run", "--entrypoint", "sleep 1", "--env", "NOVALUE");
        assertThat(env.exitCode()).isEqualTo(2);
        assertThat(env.err()).contains("--env", "KEY=VALUE");
    }

    @Test
    void badFiles_areUsageErrors_namingFileLineAndFix_exit2() throws Exception {
        Path dir = Files.createDirectories(home.resolve("bad-" + UUID.randomUUID().toString().substring(0, 8)));
        Path unknownField = dir.resolve("unknown.yaml");
        Files.writeString(unknownField, "entrypoint: [sleep, '1']\nimage:\n  base: busybox:latest\nprots: [8080]\n");
        Path badPort = dir.resolve("port.yaml");
        Files.writeString(badPort, "entrypoint: [sleep, '1']\nports:\n  - 8080\n  - 70000\n");
        Path badSyntax = dir.resolve("syntax.yaml");
        Files.writeString(badSyntax, "entrypoint: [sleep, '1'\nports: [8080]\n");
        Path missingFile = dir.resolve("files.yaml");
        Files.writeString(missingFile, "entrypoint: [sleep, '1']\nimage:\n  files:\n    app.py: ./nope.py\n");

        CliProcess.Result unknown = berth.run("run", "-f", unknownField.toString());
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.err()).contains(unknownField + ":4: unknown field 'prots'; known fields: authorized, blockNetwork, cpu, entrypoint, env, gpu");

        CliProcess.Result port = berth.run("run", "-f", badPort.toString());
        assertThat(port.exitCode()).as(port.toString()).isEqualTo(2);
        assertThat(port.err()).contains(badPort + ":4: Invalid port 70000 at ports[1]; give the container port your server listens on");

        CliProcess.Result syntax = berth.run("run", "-f", badSyntax.toString());
        assertThat(syntax.exitCode()).as(syntax.toString()).isEqualTo(2);
        assertThat(syntax.err()).contains(badSyntax + ":", "not valid YAML", "fix the syntax");

        CliProcess.Result files = berth.run("run", "-f", missingFile.toString());
        assertThat(files.exitCode()).as(files.toString()).isEqualTo(2);
        assertThat(files.err()).contains(missingFile + ":4: no file or folder at " + dir.resolve("nope.py").toAbsolutePath().normalize().getParent());

        CliProcess.Result none = berth.run("run", "-f", dir.resolve("absent.yaml").toString());
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("absent.yaml: no such file; give the path of a pod YAML file");
    }

    @Test
    void config_showsTheLocalPlatformAsJson_andProfilesAreSetListedRemoved() {
        CliProcess.Result shown = berth.run("config", "--output", "json");

        assertThat(shown.exitCode()).as(shown.toString()).isZero();
        JsonNode config = shown.json();
        assertThat(config.path("endpoint").asText()).isEqualTo(platform.apiUri() + "/");
        assertThat(config.path("local").asBoolean()).isTrue();
        assertThat(config.path("running").asBoolean()).isTrue();
        assertThat(config.path("home").asText()).isEqualTo(home.toString());
        assertThat(config.path("source").asText()).isEqualTo("the local platform of " + home);
        assertThat(config.path("configFile").asText()).isEqualTo(home.resolve("config").toString());

        CliProcess.Result set = berth.run("config", "set", "team", "--endpoint", "https://berth.example.com", "--token", "s3cret");
        assertThat(set.exitCode()).as(set.toString()).isZero();
        JsonNode profiles = berth.run("config", "list", "-o", "json").json();
        assertThat(profiles.path("profiles").get(0).path("name").asText()).isEqualTo("team");
        assertThat(profiles.path("profiles").get(0).path("endpoint").asText()).isEqualTo("https://berth.example.com");
        assertThat(profiles.path("profiles").get(0).path("token").asText()).isEqualTo("***");

        CliProcess.Result viaProfile = berth.run("--profile", "team", "config", "-o", "json");
        assertThat(viaProfile.exitCode()).as(viaProfile.toString()).isZero();
        assertThat(viaProfile.json().path("endpoint").asText()).isEqualTo("https://berth.example.com/");
        assertThat(viaProfile.json().path("source").asText()).contains("profile [team]");
        assertThat(viaProfile.json().path("local").asBoolean()).isFalse();

        assertThat(berth.run("config", "remove", "team").exitCode()).isZero();
        CliProcess.Result gone = berth.run("config", "remove", "team");
        assertThat(gone.exitCode()).isEqualTo(2);
        assertThat(gone.err()).contains("No profile [team]");
        CliProcess.Result unknownProfile = berth.run("--profile", "nope", "container", "list");
        assertThat(unknownProfile.exitCode()).isEqualTo(2);
        assertThat(unknownProfile.err()).contains("No profile [nope] (from --profile)", "berth config set nope --endpoint URL");
    }

    @Test
    void version_json_andCompletionScript() {
        CliProcess.Result version = berth.run("version", "-o", "json");

        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.json().path("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(version.json().path("java").asText()).isEqualTo(Runtime.version().toString());
        assertThat(berth.run("version").out()).startsWith("berth " + version.json().path("version").asText() + " (Java ");

        CliProcess.Result completion = berth.run("completion");
        assertThat(completion.exitCode()).isZero();
        assertThat(completion.out()).contains("complete -F _complete_berth", "deployment", "--keep-warm-seconds");

        CliProcess.Result help = berth.run("run", "--help");
        assertThat(help.out()).contains("Exit codes:", "2   usage error", "--python-packages", "--block-network");
    }
}
