package dev.berth.functions.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.pod.PodId;
import org.junit.jupiter.api.Test;

class EventsTest {
    private static final String IMAGE = "a".repeat(64);

    @Test
    void buildFinished_whenFailed_namesFailedPhaseContextAndLogLink() {
        var event = Events.read("""
                {"detail-type": "CodeBuild Build State Change", "source": "aws.codebuild",
                 "detail": {"build-status": "FAILED", "build-id": "arn:b",
                  "additional-information": {
                    "environment": {"environment-variables": [{"name": "CONTEXT_BUCKET", "type": "PLAINTEXT", "value": "berth-contexts"}, {"name": "IMAGE_ID", "type": "PLAINTEXT", "value": "%s"}]},
                    "logs": {"group-name": "/aws/codebuild/berth", "stream-name": "8745a7a9", "deep-link": "https://console/log"},
                    "phases": [{"phase-type": "SUBMITTED", "phase-status": "SUCCEEDED", "phase-context": []},
                               {"phase-type": "BUILD", "phase-status": "FAILED", "phase-context": ["COMMAND_EXECUTION_ERROR: exit status 3"]},
                               {"phase-type": "COMPLETED"}]}}}""".formatted(IMAGE));

        Events.BuildFinished build = Events.buildFinished(event).orElseThrow();

        assertThat(build.succeeded()).isFalse();
        assertThat(build.finished()).isTrue();
        assertThat(build.imageId().value()).isEqualTo(IMAGE);
        assertThat(build.reason()).isEqualTo("BUILD FAILED: COMMAND_EXECUTION_ERROR: exit status 3");
        assertThat(build.logUrl()).isEqualTo("https://console/log");
        assertThat(build.logGroup()).isEqualTo("/aws/codebuild/berth");
        assertThat(build.logStream()).isEqualTo("8745a7a9");
    }

    @Test
    void buildFinished_whenNotABerthBuild_isEmpty() {
        assertThat(Events.buildFinished(Events.read("{\"detail\": {\"build-status\": \"SUCCEEDED\"}}"))).isEmpty();
    }

    @Test
    void taskChange_readsPodIpExitCodeAndVersion() {
        var event = Events.read("""
                {"detail-type": "ECS Task State Change", "detail": {"taskArn": "arn:t", "startedBy": "pabcdefghijk", "lastStatus": "STOPPED",
                 "desiredStatus": "STOPPED", "version": 7, "stopCode": "EssentialContainerExited", "stoppedReason": "Essential container in task exited",
                 "attachments": [{"type": "eni", "details": [{"name": "privateIPv4Address", "value": "10.0.1.5"}]}],
                 "containers": [{"name": "activity", "exitCode": 1}, {"name": "pod", "exitCode": 3, "reason": "oops"}]}}""");

        Events.TaskChange change = Events.taskChange(event).orElseThrow();

        assertThat(change.podId()).isEqualTo(PodId.of("pabcdefghijk"));
        assertThat(change.privateIp()).isEqualTo("10.0.1.5");
        assertThat(change.exitCode()).isEqualTo(3);
        assertThat(change.version()).isEqualTo(7);
        assertThat(change.stopCode()).isEqualTo("EssentialContainerExited");
    }

    @Test
    void taskChange_readsEveryContainerAndThePortsOfTheOverrides() {
        var event = Events.read("""
                {"detail": {"taskArn": "arn:t", "startedBy": "pabcdefghijk", "lastStatus": "RUNNING", "desiredStatus": "RUNNING",
                 "containers": [{"name": "pod", "lastStatus": "RUNNING"}, {"name": "ready", "lastStatus": "STOPPED", "exitCode": 3}],
                 "overrides": {"containerOverrides": [{"name": "pod", "command": ["sh"]},
                   {"name": "ready", "environment": [{"name": "BERTH_PORTS", "value": "8080,8081"}, {"name": "BERTH_READINESS_SECONDS", "value": "60"}]}]}}}""");

        Events.TaskChange change = Events.taskChange(event).orElseThrow();

        assertThat(change.container("ready")).contains(new Events.ContainerChange("ready", "STOPPED", 3, null));
        assertThat(change.container("activity")).isEmpty();
        assertThat(change.exitCode()).isNull();
        assertThat(change.ports()).containsExactly(8080, 8081);
    }

    @Test
    void taskChange_withoutPortsInTheOverrides_hasNoPorts() {
        var event = Events.read("""
                {"detail": {"taskArn": "arn:t", "startedBy": "pabcdefghijk", "lastStatus": "RUNNING",
                 "overrides": {"containerOverrides": [{"name": "pod"}]}}}""");

        assertThat(Events.taskChange(event).orElseThrow().ports()).isNull();
    }

    @Test
    void taskChange_whenNotStartedByBerth_isEmpty() {
        assertThat(Events.taskChange(Events.read("{\"detail\": {\"startedBy\": \"ecs-svc/123\"}}"))).isEmpty();
    }

    @Test
    void alarmChange_readsNameAndState() {
        var alarm = Events.alarmChange(Events.read("{\"alarmData\": {\"alarmName\": \"berth-idle-pabcdefghijk\", \"state\": {\"value\": \"ALARM\"}}}"));
        assertThat(alarm).isEqualTo(new Events.AlarmChange("berth-idle-pabcdefghijk", "ALARM"));
    }
}
