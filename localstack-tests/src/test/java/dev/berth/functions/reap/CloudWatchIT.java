package dev.berth.functions.reap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.functions.route.AlbRouter;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.reap.Activity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;

/** The CloudWatch calls through the SDK's CBOR client (transcoded for moto, see CborToJsonInterceptor). */
@ExtendWith(EmulatorExtension.class)
class CloudWatchIT {
    private final Emulator aws;
    private final CloudWatchClient cloudWatch;
    private final String namespace = Emulator.unique("Berth/Test");

    CloudWatchIT(Emulator aws) {
        this.aws = aws;
        this.cloudWatch = aws.clients().cloudWatch();
    }

    private static Pod pod(int keepWarm) {
        return Pod.pending(PodId.random(), PodSpec.builder().entrypoint("x").ports(8000).keepWarmSeconds(keepWarm).build(),
                null, Map.of(), Instant.now());
    }

    @Test
    void arm_createsOneAlarmOnConnectionsPlusRequests_disarmDeletesIt() {
        IdleAlarms alarms = new IdleAlarms(cloudWatch, namespace, "arn:aws:lambda:us-east-1:123456789012:function:reaper");
        Pod pod = pod(300);

        assertThat(alarms.arm(pod, List.of(new AlbRouter.TargetGroupMetric(8000, "targetgroup/berth-x-8000/abc", "app/berth/def")))).isTrue();

        MetricAlarm alarm = alarms.describe(pod.id()).orElseThrow();
        assertThat(alarm.alarmName()).isEqualTo("berth-idle-" + pod.id());
        assertThat(alarm.evaluationPeriods()).isEqualTo(5);
        assertThat(alarm.alarmActions()).containsExactly("arn:aws:lambda:us-east-1:123456789012:function:reaper");
        assertThat(alarm.metrics()).extracting(m -> m.id()).containsExactly("c", "r0", "activity");
        assertThat(alarm.metrics().get(2).expression()).isEqualTo("FILL(c,0) + FILL(r0,0)");
        assertThat(alarms.armed()).contains(pod.id());

        alarms.disarm(pod.id());

        assertThat(alarms.describe(pod.id())).isEmpty();
        assertThat(alarms.armed()).doesNotContain(pod.id());
    }

    @Test
    void arm_whenKeepWarmForever_createsNoAlarm() {
        IdleAlarms alarms = new IdleAlarms(cloudWatch, namespace, null);
        Pod pod = pod(-1);
        assertThat(alarms.arm(pod, List.of())).isFalse();
        assertThat(alarms.describe(pod.id())).isEmpty();
    }

    @Test
    void activity_readsSidecarConnectionsFromGetMetricData() {
        PodId pod = PodId.random();
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES).minusSeconds(60);
        cloudWatch.putMetricData(r -> r.namespace(namespace).metricData(d -> d.metricName(IdleAlarms.CONNECTIONS_METRIC)
                .dimensions(x -> x.name("PodId").value(pod.value())).timestamp(minute).value(2.0)));
        AlbRouter router = new AlbRouter(aws.clients().elb(), new AlbRouter.Settings("vpc-none",
                List.of("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/none/0000000000000000/0000000000000000"), "pods.example.com", null));
        CloudWatchActivitySource source = new CloudWatchActivitySource(cloudWatch, router, namespace, Clock.systemUTC(), Duration.ofHours(1));

        Activity activity = source.activity(pod);

        assertThat(activity.openConnections()).isEqualTo(2);
        assertThat(activity.lastActivity()).isEqualTo(minute);
    }
}
