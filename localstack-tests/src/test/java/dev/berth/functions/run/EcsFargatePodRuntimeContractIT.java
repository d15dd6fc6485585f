package dev.berth.functions.run;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.EventPump;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.internal.AwsClients;
import dev.berth.functions.internal.Events;
import dev.berth.pod.PodEvents;
import dev.berth.run.PodRuntime;
import dev.berth.run.PodRuntimeContract;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Core's {@link PodRuntimeContract} against {@link EcsFargatePodRuntime} on moto with Berth's ECS data plane: each
 * test's cluster is tagged {@code berth:dataplane=docker}, so its tasks' containers (pod, activity sidecar, readiness
 * check) really run on the local Docker engine, their output goes to CloudWatch Logs and their "ECS Task State
 * Change" events reach the runtime through an EventBridge rule (an {@link EventPump} per runtime, as the task-events
 * function receives them on AWS).
 */
@ExtendWith(EmulatorExtension.class)
class EcsFargatePodRuntimeContractIT extends PodRuntimeContract {
    private final Emulator aws;
    private final AwsClients clients;
    private final String clusterArn;
    private final EcsFargatePodRuntime.Settings settings;
    private final Map<PodRuntime, EventPump> pumps = new ConcurrentHashMap<>();

    EcsFargatePodRuntimeContractIT(Emulator aws) {
        this.aws = aws;
        this.clients = aws.clients();
        Fixtures.Network network = Fixtures.network(aws);
        this.clusterArn = Fixtures.dataPlaneCluster(aws);
        this.settings = new EcsFargatePodRuntime.Settings("us-east-1", clusterArn, network.subnets(), network.securityGroup(),
                "arn:aws:iam::123456789012:role/berth-exec", "arn:aws:iam::123456789012:role/berth-task", Fixtures.logGroup(aws),
                Fixtures.sidecarImage(), "Berth/Pods", null, false);
    }

    @Override
    protected PodRuntime createRuntime(PodEvents events, Duration readinessTimeout) {
        EcsFargatePodRuntime runtime = new EcsFargatePodRuntime(clients.ecs(), clients.logs(), settings, readinessTimeout, events);
        String pattern = """
                {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": {"clusterArn": ["%s"]}}"""
                .formatted(clusterArn);
        pumps.put(runtime, EventPump.start(aws, pattern, event -> Events.taskChange(Events.tree(event)).ifPresent(runtime::report)));
        return runtime;
    }

    @Override
    protected void closeRuntime(PodRuntime runtime) {
        EventPump pump = pumps.remove(runtime);
        if (pump != null) {
            pump.close();
        }
    }

    @Override
    protected String imageRef() {
        return "berth/busybox:latest";
    }
}
