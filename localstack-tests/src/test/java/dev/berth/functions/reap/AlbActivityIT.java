package dev.berth.functions.reap;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.emulator.ServedAlb;
import dev.berth.functions.route.AlbRouter;
import dev.berth.functions.route.AlbRouter.TargetGroupMetric;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.reap.Activity;
import dev.berth.route.Route;
import dev.berth.run.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricStat;

/**
 * Real requests through a load balancer the ALB data plane serves move {@link CloudWatchActivitySource}: the data
 * plane publishes {@code RequestCount} per request, with the dimensions AWS gives it, and the source and the pod's
 * idle alarm read exactly that metric.
 */
@ExtendWith(EmulatorExtension.class)
class AlbActivityIT {
    private static final String DOMAIN = "pods.example.com";
    private final CloudWatchClient cloudWatch;
    private final AlbRouter router;
    private final ServedAlb alb;
    private final String namespace = Emulator.unique("Berth/Test");
    private final HttpServer backend;

    AlbActivityIT(Emulator aws) throws IOException {
        this.cloudWatch = aws.clients().cloudWatch();
        Fixtures.Network network = Fixtures.network(aws);
        this.alb = ServedAlb.create(aws, network, DOMAIN);
        this.router = new AlbRouter(aws.clients().elb(), new AlbRouter.Settings(network.vpcId(), List.of(alb.listenerArn()), DOMAIN, null));
        this.backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        backend.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("ok".getBytes());
            }
        });
        backend.start();
    }

    @AfterEach
    void stopBackend() {
        backend.stop(0);
    }

    private PodId publishPod() {
        PodId pod = PodId.random();
        router.publish(new Route(pod, pod.value(), Map.of(8080, new Endpoint("127.0.0.1", backend.getAddress().getPort())), false));
        return pod;
    }

    private CloudWatchActivitySource source() {
        return new CloudWatchActivitySource(cloudWatch, router, namespace, Clock.systemUTC(), Duration.ofMinutes(10));
    }

    @Test
    void activity_afterRequestsThroughTheAlb_isThisMinuteAndCountsEachRequest() throws IOException {
        PodId pod = publishPod();
        Instant before = Instant.now();

        for (int i = 0; i < 3; i++) {
            assertThat(alb.get(router.host(pod.value(), 8080)).status()).isEqualTo(200);
        }

        Activity activity = source().activity(pod);
        assertThat(activity.lastActivity()).isBetween(before.truncatedTo(ChronoUnit.MINUTES), Instant.now());
        TargetGroupMetric group = router.targetGroupMetrics(pod).get(0);
        assertThat(requestCount(group, before)).isEqualTo(3.0);
    }

    @Test
    void activity_whenRequestsReachedAnotherPodOnly_hasNoLastActivity() throws IOException {
        PodId idle = publishPod();
        PodId busy = publishPod();

        assertThat(alb.get(router.host(busy.value(), 8080)).status()).isEqualTo(200);
        assertThat(alb.get(router.host(idle.value(), 9999)).status()).isEqualTo(404);

        assertThat(source().activity(idle).lastActivity()).isNull();
        assertThat(source().activity(busy).lastActivity()).isNotNull();
    }

    @Test
    void arm_idleAlarmWatchesTheRequestCountTheAlbPublishes() throws IOException {
        PodId pod = publishPod();
        assertThat(alb.get(router.host(pod.value(), 8080)).status()).isEqualTo(200);
        IdleAlarms alarms = new IdleAlarms(cloudWatch, namespace, null);
        Pod running = Pod.pending(pod, PodSpec.builder().entrypoint("x").ports(8080).keepWarmSeconds(120).build(), null, Map.of(),
                Instant.now());

        assertThat(alarms.arm(running, router.targetGroupMetrics(pod))).isTrue();

        MetricStat watched = alarms.describe(pod).orElseThrow().metrics().stream().filter(q -> "r0".equals(q.id()))
                .findFirst().orElseThrow().metricStat();
        Map<String, String> published = new HashMap<>();
        TargetGroupMetric group = router.targetGroupMetrics(pod).get(0);
        cloudWatch.listMetrics(r -> r.namespace("AWS/ApplicationELB").metricName("RequestCount")
                        .dimensions(d -> d.name("TargetGroup").value(group.targetGroup())))
                .metrics().forEach(m -> m.dimensions().forEach(d -> published.put(d.name(), d.value())));
        assertThat(watched.metric().namespace()).isEqualTo("AWS/ApplicationELB");
        assertThat(watched.metric().metricName()).isEqualTo("RequestCount");
        assertThat(watched.stat()).isEqualTo("Sum");
        assertThat(published).containsOnly(Map.entry("TargetGroup", group.targetGroup()), Map.entry("LoadBalancer", group.loadBalancer()));
        assertThat(watched.metric().dimensions()).extracting(Dimension::name, Dimension::value).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("TargetGroup", published.get("TargetGroup")),
                org.assertj.core.groups.Tuple.tuple("LoadBalancer", published.get("LoadBalancer")));
    }

    /** The sum of the target group's RequestCount since {@code since}. */
    private double requestCount(TargetGroupMetric group, Instant since) {
        Instant start = since.truncatedTo(ChronoUnit.MINUTES);
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
        return cloudWatch.getMetricData(r -> r.startTime(start).endTime(end).metricDataQueries(MetricDataQuery.builder().id("r")
                        .metricStat(s -> s.period(60).stat("Sum").metric(m -> m.namespace("AWS/ApplicationELB").metricName("RequestCount")
                                .dimensions(d -> d.name("TargetGroup").value(group.targetGroup()),
                                        d -> d.name("LoadBalancer").value(group.loadBalancer()))))
                        .build()))
                .metricDataResults().get(0).values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
