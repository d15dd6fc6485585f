package dev.berth.functions.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.InvalidSpecException;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.EventPump;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.internal.AwsClients;
import dev.berth.functions.internal.CodeBuildApi;
import dev.berth.functions.internal.Events;
import dev.berth.image.ImageBuilder;
import dev.berth.image.ImageBuilderContract;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import dev.berth.pod.PodEvents;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Core's {@link ImageBuilderContract} against CodeBuild, S3, ECR, CloudWatch Logs and EventBridge in moto, with the
 * data plane really building marked projects' images on the local Docker engine ({@code berth_dataplane/codebuild.py}).
 * Outcomes reach the builder as in the stack: "CodeBuild Build State Change" on the default bus, a rule for the
 * project, {@link CodeBuildImageBuilder#buildFinished} (the build-events function's call), fed by an {@link EventPump}.
 *
 * <p>Bases are public names ({@code busybox:latest}) which the data plane maps to local images
 * ({@code berth/busybox:latest}, {@code ~/.berth/base-images.properties}), as the local platform does.
 */
@ExtendWith(EmulatorExtension.class)
class CodeBuildImageBuilderContractIT extends ImageBuilderContract {
    private final Emulator aws;
    private final AwsClients clients;
    private final String project;
    private final CodeBuildImageBuilder.Settings settings;
    private final List<EventPump> pumps = new CopyOnWriteArrayList<>();

    CodeBuildImageBuilderContractIT(Emulator aws) {
        this.aws = aws;
        this.clients = aws.clients();
        String bucket = Fixtures.bucket(aws);
        String repository = Fixtures.repository(aws);
        this.project = Fixtures.codeBuildProject(aws, bucket, repository);
        this.settings = new CodeBuildImageBuilder.Settings(project, bucket, repository, Fixtures.table(aws));
    }

    @Override
    protected ImageBuilder createBuilder(PodEvents events) {
        CodeBuildImageBuilder builder = new CodeBuildImageBuilder(clients.codeBuild(), clients.s3(), clients.ecr(),
                clients.dynamoDb(), clients.logs(), settings, events);
        String pattern = """
                {"source": ["aws.codebuild"], "detail-type": ["CodeBuild Build State Change"], "detail": {"project-name": ["%s"]}}"""
                .formatted(project);
        pumps.add(EventPump.start(aws, pattern, event -> Events.buildFinished(Events.tree(event)).ifPresent(builder::buildFinished)));
        return builder;
    }

    @AfterEach
    void closePumps() {
        pumps.forEach(EventPump::close);
    }

    /** CodeBuild pulls public bases, so an unknown public name is only found out by the build; a loopback registry never works. */
    @Override
    protected ImageSpec unknownBaseSpec() {
        return ImageSpec.builder().base("localhost:5000/nosuch-berth-base:1").build();
    }

    @Test
    void validate_withABaseInADockerfileOnLoopback_throwsNamingTheFieldAndTheFix() {
        ImageSpec spec = ImageSpec.builder().dockerfile("FROM busybox AS first\nFROM 127.0.0.1:5000/team/base:2\nCOPY --from=first / /\n").build();

        assertThatThrownBy(() -> builder.validate(spec))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("image.base"))
                .hasMessageContaining("'127.0.0.1:5000/team/base:2' in a FROM line of image.dockerfile")
                .hasMessageContaining("public registry");
    }

    @Test
    void validate_withAPublicBaseNotPulledYet_passes() {
        builder.validate(ImageSpec.builder().base("public.ecr.aws/docker/library/nosuch-berth-base:1").build());
    }

    /** What the buildspec's {@code docker build} made: the local image, tagged as ECR reports it, holding the spec's work. */
    @Test
    void build_leavesTheImageOnTheEngineTaggedAsTheRefWithTheSpecsWork() throws Exception {
        String marker = marker();
        ImageSpec spec = buildableSpec(marker);
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);
        String ref = events.awaitImageBuilt(id).ref();

        assertThat(docker("image", "inspect", "--format", "{{index .Config.Labels \"dev.berth.dataplane\"}}", ref)).isEqualTo("codebuild");
        assertThat(docker("run", "--rm", "--label", "dev.berth.dataplane=codebuild", ref, "cat", "/marker")).isEqualTo(marker);
    }

    /** A context missing from S3 fails the buildspec's {@code aws s3 cp} in PRE_BUILD, before any Dockerfile step. */
    @Test
    void buildFinished_whenTheContextIsMissing_reportsThePreBuildFailureFromTheLog() {
        ImageSpec spec = buildableSpec(marker());
        ImageId id = ImageId.of(spec);

        clients.codeBuild().call("StartBuild", CodeBuildImageBuilder.startBuildRequest(project, id, CodeBuildImageBuilder.contextKey(id)));

        String message = events.awaitImageFailed(id).message();
        assertThat(message).contains("PRE_BUILD FAILED: COMMAND_EXECUTION_ERROR: Error while executing command: aws s3 cp",
                "Key \"" + CodeBuildImageBuilder.contextKey(id) + "\" does not exist");
        assertThat(message).doesNotContain("at step");
    }

    private static String docker(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor()).as("%s: %s", command, output).isZero();
        return output;
    }

    @Test
    void build_whenAStepFails_namesTheStepAndDockersError_andTheBuildRecordSaysWhichPhaseFailed() {
        String marker = marker();
        ImageSpec spec = failingSpec(marker);
        ImageId id = ImageId.of(spec);

        builder.build(id, spec);

        String message = events.awaitImageFailed(id).message();
        assertThat(message).contains("at step 4/", "'RUN echo " + marker + " && false'",
                "The command '/bin/sh -c echo " + marker + " && false' returned a non-zero code: 1",
                "BUILD FAILED: COMMAND_EXECUTION_ERROR", "/aws/codebuild/" + project);
        assertThat(builder.status(id).log()).contains("Step 1/", "FROM berth/busybox:latest", "first",
                "Phase complete: BUILD State: FAILED");
        JsonNode ids = clients.codeBuild().call("ListBuildsForProject", CodeBuildApi.object().put("projectName", project)).path("ids");
        JsonNode build = clients.codeBuild().call("BatchGetBuilds", CodeBuildApi.object().set("ids", ids)).path("builds").get(0);
        assertThat(build.path("buildStatus").asText()).isEqualTo("FAILED");
        assertThat(build.path("currentPhase").asText()).isEqualTo("COMPLETED");
        assertThat(build.path("phases").findValuesAsText("phaseStatus")).contains("FAILED");
    }
}
