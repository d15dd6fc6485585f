package dev.berth.functions.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.emulator.RecordingHttpClient;
import dev.berth.functions.internal.AwsClients;
import dev.berth.functions.internal.CodeBuildApi;
import dev.berth.functions.internal.Events;
import dev.berth.image.DockerfileRenderer;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuildStatus;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.RecordingPodEvents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmulatorExtension.class)
class CodeBuildImageBuilderIT {
    private final AwsClients clients;
    private final String project;
    private final String bucket;
    private final String repository;
    private final RecordingPodEvents events = new RecordingPodEvents();
    private final CodeBuildImageBuilder builder;

    /** The JSON bodies of the CodeBuild StartBuild calls the builder sent (moto accepts but ignores overrides). */
    private final List<JsonNode> startBuilds = new CopyOnWriteArrayList<>();

    CodeBuildImageBuilderIT(Emulator aws) {
        clients = aws.clients();
        project = Fixtures.codeBuildProject(aws);
        bucket = Fixtures.bucket(aws);
        repository = Fixtures.repository(aws);
        CodeBuildApi recorded = new CodeBuildApi(clients.endpoint(), clients.region(), clients.credentials(),
                new RecordingHttpClient(clients.http(), "CodeBuild_20161006.StartBuild", startBuilds));
        builder = new CodeBuildImageBuilder(recorded, clients.s3(), clients.ecr(), clients.dynamoDb(), clients.logs(),
                new CodeBuildImageBuilder.Settings(project, bucket, repository, Fixtures.table(aws)), events);
    }

    private List<String> builds() {
        JsonNode ids = clients.codeBuild().call("ListBuildsForProject", CodeBuildApi.object().put("projectName", project)).path("ids");
        List<String> result = new ArrayList<>();
        ids.forEach(id -> result.add(id.asText()));
        return result;
    }

    @Test
    void build_uploadsContextAndStartsOneBuild_evenWhenAskedTwice() {
        ImageSpec spec = ImageSpec.builder().pythonPackages("requests==2.32.3").file("app.py", "print(1)".getBytes()).build();
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);
        builder.build(id, spec);

        assertThat(builds()).hasSize(1);
        assertThat(builder.status(id).status()).isEqualTo(ImageBuildStatus.BUILDING);
        assertThat(builder.find(id)).isEmpty();
    }

    /** What the stack's buildspec does with it: {@code aws s3 cp s3://$CONTEXT_BUCKET/$CONTEXT_KEY …; tar -xzf … -C /tmp/context}. */
    @Test
    void build_uploadsTarGzAtTheBuildspecKey_whichGnuTarUnpacksWithDockerfileAtRoot(@TempDir Path dir) throws Exception {
        ImageSpec spec = ImageSpec.builder().pythonPackages("requests==2.32.3").file("app.py", "print(1)".getBytes()).build();
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);

        Path archive = dir.resolve("context.tar.gz");
        Files.write(archive, clients.s3().getObjectAsBytes(r -> r.bucket(bucket).key("contexts/" + id.value() + ".tar.gz")).asByteArray());
        Path context = Files.createDirectory(dir.resolve("context"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", context.toString()).redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).as("tar -xzf: %s", output).isZero();
        assertThat(Files.readString(context.resolve("Dockerfile"))).isEqualTo(DockerfileRenderer.render(spec).dockerfile());
        assertThat(context.resolve("files/app.py")).hasContent("print(1)");
    }

    /** The stack's buildspec reads $IMAGE_ID (and $CONTEXT_KEY), and uses its own source and buildspec. */
    @Test
    void build_startsTheProjectAsConfigured_withImageIdAndContextKeyOverridesOnly() {
        ImageSpec spec = ImageSpec.builder().commands("echo overrides").build();
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);

        assertThat(startBuilds).singleElement().satisfies(body -> {
            List<String> fields = new ArrayList<>();
            body.fieldNames().forEachRemaining(fields::add);
            assertThat(fields).containsExactlyInAnyOrder("projectName", "environmentVariablesOverride");
            assertThat(body.path("projectName").asText()).isEqualTo(project);
            Map<String, String> env = new LinkedHashMap<>();
            body.path("environmentVariablesOverride").forEach(v -> {
                assertThat(v.path("type").asText()).isEqualTo("PLAINTEXT");
                env.put(v.path("name").asText(), v.path("value").asText());
            });
            assertThat(env).containsExactly(Map.entry("IMAGE_ID", id.value()), Map.entry("CONTEXT_KEY", "contexts/" + id.value() + ".tar.gz"));
        });
    }

    @Test
    void build_whenTagAlreadyInEcr_startsNoBuildAndReportsBuilt() {
        ImageSpec spec = ImageSpec.builder().commands("echo cached").build();
        ImageId id = ImageId.of(spec);
        clients.ecr().putImage(r -> r.repositoryName(repository).imageTag(id.value()).imageManifest(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"digest\":\"sha256:"
                        + id.value() + "\",\"size\":1,\"mediaType\":\"application/vnd.docker.container.image.v1+json\"},\"layers\":[]}"));

        builder.build(id, spec);

        assertThat(builds()).isEmpty();
        assertThat(builder.find(id)).get().asString().endsWith("/" + repository + ":" + id.value());
        assertThat(builder.status(id).status()).isEqualTo(ImageBuildStatus.READY);
        assertThat(events.events(RecordingPodEvents.ImageBuilt.class)).singleElement()
                .satisfies(e -> assertThat(e.ref()).isEqualTo(builder.find(id).orElseThrow()));
    }

    @Test
    void buildFinished_whenFailed_recordsReasonAndLogLink_andAllowsARetry() {
        ImageSpec spec = ImageSpec.builder().commands("exit 3").build();
        ImageId id = ImageId.of(spec);
        builder.build(id, spec);

        // An unmarked project: moto runs no build, so its log stream does not exist; the phases' contexts and the link remain.
        ImageBuild failed = builder.buildFinished(new Events.BuildFinished("arn:aws:codebuild:us-east-1:123456789012:build/" + builds().get(0),
                id, "FAILED", "BUILD FAILED: COMMAND_EXECUTION_ERROR: exit status 3", "https://console.aws.amazon.com/logs/x",
                "/aws/codebuild/" + project, "no-such-stream"));

        assertThat(failed.status()).isEqualTo(ImageBuildStatus.FAILED);
        assertThat(builder.status(id).message()).contains("exit status 3").contains("https://console.aws.amazon.com/logs/x");
        assertThat(events.events(RecordingPodEvents.ImageFailed.class)).singleElement()
                .satisfies(e -> assertThat(e.message()).isEqualTo(failed.message()));
        builder.build(id, spec);
        assertThat(builds()).hasSize(2);
    }
}
