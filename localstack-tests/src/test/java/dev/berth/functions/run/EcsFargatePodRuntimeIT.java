package dev.berth.functions.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthClientException;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.internal.AwsClients;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.run.PodRuntime;
import dev.berth.run.RuntimeState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

@ExtendWith(EmulatorExtension.class)
class EcsFargatePodRuntimeIT {
    private final AwsClients clients;
    private final String cluster;
    private final String logGroup;
    private final Fixtures.Network network;
    private final EcsFargatePodRuntime runtime;

    EcsFargatePodRuntimeIT(Emulator aws) {
        clients = aws.clients();
        network = Fixtures.network(aws);
        cluster = Fixtures.cluster(aws);
        logGroup = Fixtures.logGroup(aws);
        runtime = new EcsFargatePodRuntime(clients.ecs(), clients.logs(), new EcsFargatePodRuntime.Settings("us-east-1", cluster,
                network.subnets(), network.securityGroup(), "arn:aws:iam::123456789012:role/exec", "arn:aws:iam::123456789012:role/task",
                logGroup, "123456789012.dkr.ecr.us-east-1.amazonaws.com/berth-activity:1", "Berth/Pods", null, false), new PodEvents.Relay());
    }

    private static Pod pod(PodSpec spec) {
        return Pod.pending(PodId.random(), spec, null, Map.of(), Instant.now());
    }

    private Task task(String arn) {
        return clients.ecs().describeTasks(r -> r.cluster(cluster).tasks(arn).include(TaskField.TAGS)).tasks().get(0);
    }

    @Test
    void start_runsFargateTaskWithOverridesTagsAndReusedTaskDefinition() {
        PodSpec spec = PodSpec.builder().entrypoint("python3", "-m", "http.server", "8000").ports(8000, 9000)
                .env("GREETING", "hi").cpu(0.5).memoryMiB(1500).build();
        Pod first = pod(spec);
        Pod second = pod(spec);

        String arn = runtime.start(first, "123456789012.dkr.ecr.us-east-1.amazonaws.com/pods:" + first.imageId());
        String other = runtime.start(second, "123456789012.dkr.ecr.us-east-1.amazonaws.com/pods:" + first.imageId());

        Task task = task(arn);
        assertThat(task.launchTypeAsString()).isEqualTo("FARGATE");
        assertThat(task.startedBy()).isEqualTo(first.id().value());
        assertThat(task.tags()).extracting(t -> t.key() + "=" + t.value()).contains("berth:managed=true", "berth:pod=" + first.id());
        assertThat(task.overrides().containerOverrides()).anySatisfy(o -> {
            assertThat(o.name()).isEqualTo("pod");
            assertThat(o.command()).containsExactly("python3", "-m", "http.server", "8000");
            assertThat(o.environment()).extracting(e -> e.name() + "=" + e.value()).contains("GREETING=hi", "BERTH_POD_ID=" + first.id());
        });
        assertThat(task.taskDefinitionArn()).isEqualTo(task(other).taskDefinitionArn()).contains("berth-" + first.imageId().shortValue() + "-512-2048");
        var definition = clients.ecs().describeTaskDefinition(r -> r.taskDefinition(task.taskDefinitionArn())).taskDefinition();
        assertThat(definition.networkModeAsString()).isEqualTo("awsvpc");
        assertThat(definition.containerDefinitions()).extracting(c -> c.name()).containsExactly("pod", "activity", "ready");
        assertThat(definition.containerDefinitions().get(2)).satisfies(ready -> {
            assertThat(ready.essential()).isFalse();
            assertThat(ready.image()).isEqualTo("123456789012.dkr.ecr.us-east-1.amazonaws.com/berth-activity:1");
            assertThat(ready.entryPoint()).containsExactly("python3", "/app/activity.py");
            assertThat(ready.command()).containsExactly("--await-ports");
        });
        assertThat(task.overrides().containerOverrides()).anySatisfy(o -> {
            assertThat(o.name()).isEqualTo("ready");
            assertThat(o.environment()).extracting(e -> e.name() + "=" + e.value()).containsExactly("BERTH_PORTS=8000,9000", "BERTH_READINESS_SECONDS=300");
        });
        assertThat(task.overrides().containerOverrides()).anySatisfy(o -> {
            assertThat(o.name()).isEqualTo("activity");
            assertThat(o.environment()).extracting(e -> e.name() + "=" + e.value()).containsExactly("BERTH_POD_ID=" + first.id(),
                    "BERTH_PORTS=8000,9000", "BERTH_METRIC_NAMESPACE=Berth/Pods", "BERTH_INTERVAL_SECONDS=30");
        });
        assertThat(definition.containerDefinitions().get(0).logConfiguration().options()).containsEntry("awslogs-group", logGroup);
        assertThat(runtime.list()).extracting(PodRuntime.Owned::podId).contains(first.id(), second.id());
    }

    @Test
    void start_withAnActivityInterval_passesItAsTheSidecarsInterval() {
        EcsFargatePodRuntime every2s = new EcsFargatePodRuntime(clients.ecs(), clients.logs(), new EcsFargatePodRuntime.Settings("us-east-1",
                cluster, network.subnets(), network.securityGroup(), "arn:aws:iam::123456789012:role/exec", "arn:aws:iam::123456789012:role/task",
                logGroup, "123456789012.dkr.ecr.us-east-1.amazonaws.com/berth-activity:1", "Berth/Test", null, false, Duration.ofSeconds(2)),
                new PodEvents.Relay());
        Pod pod = pod(PodSpec.builder().entrypoint("sleep", "infinity").ports(8000).build());

        Task task = task(every2s.start(pod, "repo:tag"));

        assertThat(task.overrides().containerOverrides()).filteredOn(o -> o.name().equals("activity")).singleElement().satisfies(o ->
                assertThat(o.environment()).extracting(e -> e.name() + "=" + e.value())
                        .contains("BERTH_POD_ID=" + pod.id(), "BERTH_METRIC_NAMESPACE=Berth/Test", "BERTH_INTERVAL_SECONDS=2"));
        assertThat(task.overrides().containerOverrides()).filteredOn(o -> !o.name().equals("activity"))
                .allSatisfy(o -> assertThat(o.environment()).extracting(e -> e.name()).doesNotContain("BERTH_INTERVAL_SECONDS"));
        every2s.stop(task.taskArn());
    }

    @Test
    void settings_whenActivityIntervalOutOfRange_rejectsNamingIt() {
        for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(1500), Duration.ofSeconds(31))) {
            assertThatThrownBy(() -> new EcsFargatePodRuntime.Settings("us-east-1", cluster, network.subnets(), network.securityGroup(),
                    "arn:aws:iam::123456789012:role/exec", null, logGroup, null, "Berth/Pods", null, false, bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("activityInterval is " + bad).hasMessageContaining("whole seconds from 1 to 30");
        }
    }

    @Test
    void inspect_runningTask_hasEndpointsAtPrivateIp_andStopMakesItGone() {
        Pod pod = pod(PodSpec.builder().entrypoint("sleep", "infinity").ports(8000).build());
        String arn = runtime.start(pod, "repo:tag");
        RuntimeState state = runtime.inspect(arn);
        String ip = task(arn).attachments().get(0).details().stream().filter(d -> d.name().equals("privateIPv4Address")).findFirst().orElseThrow().value();
        assertThat(state).isInstanceOfSatisfying(RuntimeState.Running.class,
                r -> assertThat(r.endpoints().get(8000).toString()).isEqualTo(ip + ":8000"));

        runtime.stop(arn);
        runtime.stop(arn);

        assertThat(task(arn).lastStatus()).isEqualTo("STOPPED");
        assertThat(task(arn).stoppedReason()).isEqualTo("Stopped by Berth");
        assertThat(runtime.inspect(arn)).isNotInstanceOf(RuntimeState.Running.class);
    }

    @Test
    void logs_readsThePodContainersStreamInCloudWatchLogs() {
        Pod pod = pod(PodSpec.builder().entrypoint("echo", "hello").build());
        String arn = runtime.start(pod, "repo:tag");
        String stream = "pod/pod/" + arn.substring(arn.lastIndexOf('/') + 1);
        clients.logs().createLogStream(r -> r.logGroupName(logGroup).logStreamName(stream));
        long now = System.currentTimeMillis();
        clients.logs().putLogEvents(r -> r.logGroupName(logGroup).logStreamName(stream).logEvents(
                e -> e.timestamp(now).message("hello"), e -> e.timestamp(now + 1).message("world")));

        try (var lines = runtime.logs(arn, false)) {
            assertThat(lines.toList()).containsExactly("hello", "world");
        }
    }

    @Test
    void validate_whenBlockNetworkOrGpuWithoutCapacity_rejectsWithField() {
        assertThatThrownBy(() -> runtime.validate(PodSpec.builder().entrypoint("x").blockNetwork(true).build()))
                .isInstanceOfSatisfying(BerthClientException.class, e -> assertThat(e.field()).isEqualTo("blockNetwork"))
                .hasMessageContaining("not supported on AWS");
        assertThatThrownBy(() -> runtime.validate(PodSpec.builder().entrypoint("x").gpu("T4").build()))
                .isInstanceOfSatisfying(BerthClientException.class, e -> assertThat(e.field()).isEqualTo("gpu"))
                .hasMessageContaining("no GPU capacity provider");
    }

    @Test
    void validate_whenAuthorized_rejectsAsUnsupportedNamingTheField() {
        assertThatThrownBy(() -> runtime.validate(PodSpec.builder().entrypoint("x").authorized(true).build()))
                .isInstanceOfSatisfying(BerthClientException.class, e -> {
                    assertThat(e.field()).isEqualTo("authorized");
                    assertThat(e.code()).isEqualTo(dev.berth.ErrorCode.UNSUPPORTED);
                })
                .hasMessageContaining("authorized is not supported on AWS");
    }
}
