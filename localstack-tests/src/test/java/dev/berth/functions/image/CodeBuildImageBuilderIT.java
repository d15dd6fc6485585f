package dev.berth.functions.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.internal.AwsClients;
import dev.berth.functions.internal.CodeBuildApi;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuildStatus;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.RecordingPodEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmulatorExtension.class)
class CodeBuildImageBuilderIT {
    private final AwsClients clients;
    private final String project;
    private final String bucket;
    private final String repository;
    private final RecordingPodEvents events = new RecordingPodEvents();
    private final CodeBuildImageBuilder builder;

    CodeBuildImageBuilderIT(Emulator aws) {
        clients = aws.clients();
        project = Fixtures.codeBuildProject(aws);
        bucket = Fixtures.bucket(aws);
        repository = Fixtures.repository(aws);
        builder = new CodeBuildImageBuilder(clients.codeBuild(), clients.s3(), clients.ecr(), clients.dynamoDb(),
                new CodeBuildImageBuilder.Settings(project, bucket, repository, Fixtures.table(aws)), events);
    }

    private List<String> builds() {
        JsonNode ids = clients.codeBuild().call("ListBuildsForProject", CodeBuildApi.object().put("projectName", project)).path("ids");
        List<String> result = new ArrayList<>();
        ids.forEach(id -> result.add(id.asText()));
        return result;
    }

    @Test
    void build_uploadsContextAndStartsOneBuild_evenWhenAskedTwice() throws Exception {
        ImageSpec spec = ImageSpec.builder().pythonPackages("requests==2.32.3").file("app.py", "print(1)".getBytes()).build();
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);
        builder.build(id, spec);

        assertThat(builds()).hasSize(1);
        assertThat(builder.status(id).status()).isEqualTo(ImageBuildStatus.BUILDING);
        List<String> entries = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(clients.s3().getObject(r -> r.bucket(bucket).key("contexts/" + id + ".zip")))) {
            for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                entries.add(e.getName());
            }
        }
        assertThat(entries).containsExactlyInAnyOrder("Dockerfile", "files/app.py");
        assertThat(builder.find(id)).isEmpty();
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

        ImageBuild failed = builder.buildFinished(id, false, "BUILD: COMMAND_EXECUTION_ERROR: exit status 3", "https://console.aws.amazon.com/logs/x");

        assertThat(failed.status()).isEqualTo(ImageBuildStatus.FAILED);
        assertThat(builder.status(id).message()).contains("exit status 3").contains("https://console.aws.amazon.com/logs/x");
        builder.build(id, spec);
        assertThat(builds()).hasSize(2);
    }
}
