package dev.berth.functions.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.functions.internal.Events;
import dev.berth.image.ImageId;
import dev.berth.image.ImageSpec;
import org.junit.jupiter.api.Test;

class CodeBuildImageBuilderTest {
    private static final ImageId ID = ImageId.of(ImageSpec.builder().commands("echo x").build());
    private static final String LINK = "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logEvent:group=/aws/codebuild/b;stream=s";

    private static Events.BuildFinished failed(String reason) {
        return new Events.BuildFinished("arn:aws:codebuild:us-east-1:123456789012:build/b:s", ID, "FAILED", reason, LINK,
                "/aws/codebuild/b", "s");
    }

    @Test
    void failureMessage_whenADockerStepFailed_namesTheStepDockersErrorAndThePhase() {
        String log = """
                [Container] 2026/11/28 16:12:29.1 Running command docker build --tag "$REPOSITORY_URI:$IMAGE_ID" /tmp/context
                Step 1/4 : FROM berth/busybox:latest
                 ---> dd248e872e68
                Step 3/4 : RUN echo MARK && false
                 ---> Running in 510125ac63bf
                MARK
                Removing intermediate container 510125ac63bf
                The command '/bin/sh -c echo MARK && false' returned a non-zero code: 1
                [Container] 2026/11/28 16:12:30.1 Command did not exit successfully docker build --tag "$REPOSITORY_URI:$IMAGE_ID" /tmp/context exit status 1
                [Container] 2026/11/28 16:12:30.1 Running command test "$CODEBUILD_BUILD_SUCCEEDING" = 1 && docker push "$REPOSITORY_URI:$IMAGE_ID"
                """;

        String message = CodeBuildImageBuilder.failureMessage(failed("BUILD FAILED: COMMAND_EXECUTION_ERROR: exit status 1"), log);

        assertThat(message).isEqualTo("Image build of " + ID.shortValue() + " failed at step 3/4 'RUN echo MARK && false': "
                + "The command '/bin/sh -c echo MARK && false' returned a non-zero code: 1 "
                + "(BUILD FAILED: COMMAND_EXECUTION_ERROR: exit status 1); log: " + LINK
                + ". Fix the image spec (packages, commands, Dockerfile) and create the pod again");
    }

    @Test
    void failureMessage_withoutALog_givesThePhasesAndTheLink() {
        String message = CodeBuildImageBuilder.failureMessage(failed("PRE_BUILD FAILED: COMMAND_EXECUTION_ERROR: exit status 1"), "");

        assertThat(message).startsWith("Image build of " + ID.shortValue() + " failed: PRE_BUILD FAILED: COMMAND_EXECUTION_ERROR: exit status 1; log: "
                + LINK);
    }

    @Test
    void registryHost_readsTheRegistryOnlyWhenTheFirstComponentIsAHost() {
        assertThat(CodeBuildImageBuilder.registryHost("python:3.12-slim")).isNull();
        assertThat(CodeBuildImageBuilder.registryHost("library/python:3.12")).isNull();
        assertThat(CodeBuildImageBuilder.registryHost("localhost/x")).isEqualTo("localhost");
        assertThat(CodeBuildImageBuilder.registryHost("localhost:5000/x:1")).isEqualTo("localhost");
        assertThat(CodeBuildImageBuilder.registryHost("127.0.0.1:5000/x")).isEqualTo("127.0.0.1");
        assertThat(CodeBuildImageBuilder.registryHost("public.ecr.aws/docker/library/python:3.12")).isEqualTo("public.ecr.aws");
    }
}
