package dev.berth.functions.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.emulator.DataPlaneStack;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.ServedAlb;
import dev.berth.functions.ReaperHandler;
import dev.berth.functions.reap.IdleAlarms;
import dev.berth.functions.route.AlbRouter;
import dev.berth.pod.PodId;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pod through the whole AWS side with nothing stubbed between the calls: the API handler creates it, CodeBuild
 * (the emulator's data plane) builds its image into ECR, the build event reaches the build-events handler through
 * an EventBridge rule, ECS runs the task's containers (pod, activity sidecar, readiness check), the task events
 * reach the task-events handler the same way, the router's host rule sends real HTTPS through the ALB to the pod.
 * Only the Lambda invocations are ours: an event pump per rule stands in for the Lambda targets ({@link DataPlaneStack}).
 */
@ExtendWith(EmulatorExtension.class)
class DataPlaneFlowIT {
    private static final String DOMAIN = "pods.example.test";
    private static final Duration FLOW_TIMEOUT = Duration.ofMinutes(3);

    private final DataPlaneStack stack;

    DataPlaneFlowIT(Emulator aws) {
        stack = DataPlaneStack.start(aws, DOMAIN, Map.of("BERTH_READINESS_TIMEOUT_SECONDS", "8"));
    }

    @AfterEach
    void stopPumps() {
        stack.close();
    }

    @Test
    void create_buildsRunsAndServesThePageOverHttpsThroughTheAlb_andStopTakesItDown() throws Exception {
        String marker = Emulator.unique("served");
        JsonNode created = call("POST", "/v1/pods", """
                {"image": {"base": "busybox:latest", "commands": ["mkdir -p /www && echo %s > /www/index.html"]},
                 "entrypoint": ["sh", "-c", "echo serving from Fargate; exec httpd -f -p 8080 -h /www"],
                 "ports": [8080], "cpu": 0.25, "memoryMiB": 512, "keepWarmSeconds": 600}""".formatted(marker), 202);
        String id = created.path("id").asText();

        JsonNode running = awaitPod(id, pod -> !pod.path("status").asText().matches("PENDING|BUILDING|STARTING"));
        assertThat(running.path("status").asText()).as(running.toString()).isEqualTo("RUNNING");
        String host = id + "-8080." + DOMAIN;
        assertThat(running.path("urls").path("8080").asText()).isEqualTo("https://" + host + "/");

        ServedAlb.Response page = stack.alb().get(host);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body().strip()).isEqualTo(marker);
        assertThat(stack.logs(id)).contains("serving from Fargate");

        JsonNode stopped = call("DELETE", "/v1/pods/" + id, null, 200);
        assertThat(stopped.path("status").asText()).isIn("STOPPING", "STOPPED");
        JsonNode gone = awaitPod(id, pod -> pod.path("status").asText().equals("STOPPED"));
        assertThat(gone.path("stopReason").asText()).isEqualTo("USER");
        assertThat(stack.alb().get(host).status()).isEqualTo(404);
        String task = stack.platform().store().find(PodId.of(id)).orElseThrow().runtimeRef();
        assertThat(stack.awaitTaskStatus(task, "STOPPED")).isEqualTo("STOPPED");
    }

    @Test
    void idleAlarm_reapsTheRunningPod_itsTaskStopsAndItsRouteTargetGroupAndAlarmGo() throws Exception {
        JsonNode created = call("POST", "/v1/pods", """
                {"image": {"base": "busybox:latest", "commands": ["mkdir -p /www && echo idle-soon > /www/index.html"]},
                 "entrypoint": ["httpd", "-f", "-p", "8080", "-h", "/www"], "ports": [8080], "keepWarmSeconds": 0}""", 202);
        PodId id = PodId.of(created.path("id").asText());
        assertThat(awaitPod(id.value(), pod -> !pod.path("status").asText().matches("PENDING|BUILDING|STARTING")).path("status").asText())
                .isEqualTo("RUNNING");
        String host = id.value() + "-8080." + DOMAIN;
        assertThat(stack.alb().get(host).status()).isEqualTo(200);
        assertThat(stack.platform().alarms().describe(id)).get()
                .satisfies(alarm -> assertThat(alarm.alarmActions()).containsExactly(stack.config().reaperArn()));
        String task = stack.platform().store().find(id).orElseThrow().runtimeRef();

        // CloudWatch fires the alarm after keep-warm without requests or connections; moto evaluates no alarm, so the
        // test delivers the alarm's state change (its real shape) to the reaper, as the alarm's Lambda action does.
        String reaped = new ReaperHandler(stack.platform()).handleRequest(EventShapes.alarmStateChange(IdleAlarms.alarmName(id), "ALARM"), null);

        assertThat(reaped).isEqualTo("reaped");
        JsonNode stopped = awaitPod(id.value(), pod -> pod.path("status").asText().equals("STOPPED"));
        assertThat(stopped.path("stopReason").asText()).isEqualTo("IDLE");
        assertThat(stack.awaitTaskStatus(task, "STOPPED")).isEqualTo("STOPPED");
        assertThat(stack.alb().get(host).status()).isEqualTo(404);
        assertThat(stack.platform().alarms().describe(id)).isEmpty();
        assertThat(stack.clients().elb().describeTargetGroups().targetGroups())
                .noneMatch(tg -> tg.targetGroupName().equals(AlbRouter.targetGroupName(id, 8080)));
    }

    @Test
    void create_whenTheBuildFails_failsThePodNamingTheStepFromTheBuildLog() throws Exception {
        String marker = Emulator.unique("broken");
        JsonNode created = call("POST", "/v1/pods", """
                {"image": {"base": "busybox:latest", "commands": ["echo %s && exit 9"]},
                 "entrypoint": ["sleep", "60"], "keepWarmSeconds": 60}""".formatted(marker), 202);

        JsonNode failed = awaitPod(created.path("id").asText(), pod -> !pod.path("status").asText().matches("PENDING|BUILDING"));

        assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("FAILED");
        assertThat(failed.path("message").asText()).contains(marker).contains("9");
    }

    @Test
    void create_whenThePortNeverAnswers_failsThePodNamingThePort() throws Exception {
        JsonNode created = call("POST", "/v1/pods", """
                {"image": {"base": "busybox:latest", "commands": ["echo quiet"]},
                 "entrypoint": ["sleep", "3600"], "ports": [8080], "keepWarmSeconds": 60}""", 202);

        JsonNode failed = awaitPod(created.path("id").asText(), pod -> !pod.path("status").asText().matches("PENDING|BUILDING|STARTING"));

        assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("FAILED");
        assertThat(failed.path("message").asText()).contains("8080");
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private JsonNode call(String method, String path, String body, int expectedStatus) {
        return stack.call(method, path, body, expectedStatus);
    }

    private JsonNode awaitPod(String id, Predicate<JsonNode> until) throws InterruptedException {
        return stack.awaitPod(id, until, FLOW_TIMEOUT);
    }
}
