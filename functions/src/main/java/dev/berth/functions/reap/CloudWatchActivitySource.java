package dev.berth.functions.reap;

import dev.berth.functions.route.AlbRouter;
import dev.berth.functions.route.AlbRouter.TargetGroupMetric;
import dev.berth.pod.PodId;
import dev.berth.reap.Activity;
import dev.berth.reap.ActivitySource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;

/**
 * {@link ActivitySource} from CloudWatch: the activity sidecar's {@value IdleAlarms#CONNECTIONS_METRIC} (open
 * connections, WebSockets included) and the ALB's {@code RequestCount} of the pod's target groups, per minute
 * over the last {@code window}. ALB metrics arrive a minute or more late, so this is coarse; the alarms do
 * the timely reaping and this serves the sweep. Thread-safe.
 */
public final class CloudWatchActivitySource implements ActivitySource {
    private final CloudWatchClient cloudWatch;
    private final AlbRouter router;
    private final String namespace;
    private final Clock clock;
    private final Duration window;

    public CloudWatchActivitySource(CloudWatchClient cloudWatch, AlbRouter router, String namespace, Clock clock, Duration window) {
        this.cloudWatch = Objects.requireNonNull(cloudWatch, "cloudWatch");
        this.router = Objects.requireNonNull(router, "router");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = Objects.requireNonNull(window, "window");
    }

    @Override
    public Activity activity(PodId podId) {
        List<MetricDataQuery> queries = new ArrayList<>();
        queries.add(MetricDataQuery.builder().id("c").returnData(true).metricStat(s -> s.period(IdleAlarms.PERIOD).stat("Maximum")
                .metric(m -> m.namespace(namespace).metricName(IdleAlarms.CONNECTIONS_METRIC).dimensions(d -> d.name("PodId").value(podId.value()))))
                .build());
        List<TargetGroupMetric> groups = router.targetGroupMetrics(podId);
        for (int i = 0; i < groups.size(); i++) {
            TargetGroupMetric tg = groups.get(i);
            queries.add(MetricDataQuery.builder().id("r" + i).returnData(true).metricStat(s -> s.period(IdleAlarms.PERIOD).stat("Sum")
                    .metric(m -> m.namespace("AWS/ApplicationELB").metricName("RequestCount").dimensions(
                            d -> d.name("TargetGroup").value(tg.targetGroup()), d -> d.name("LoadBalancer").value(tg.loadBalancer()))))
                    .build());
        }
        Instant now = clock.instant();
        // Whole minutes, so that each datapoint is one period of the metric as published.
        Instant end = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(IdleAlarms.PERIOD);
        GetMetricDataResponse data = cloudWatch.getMetricData(r -> r.metricDataQueries(queries)
                .startTime(end.minus(window)).endTime(end));
        Instant last = null;
        int open = 0;
        Instant openAt = null;
        for (MetricDataResult result : data.metricDataResults()) {
            for (int i = 0; i < result.timestamps().size(); i++) {
                Instant at = result.timestamps().get(i);
                double value = result.values().get(i);
                if (value > 0 && (last == null || at.isAfter(last))) {
                    last = at;
                }
                if ("c".equals(result.id()) && (openAt == null || at.isAfter(openAt))) {
                    openAt = at;
                    open = (int) Math.round(value);
                }
            }
        }
        // A connection count older than two periods says nothing about now.
        if (openAt == null || openAt.isBefore(now.minusSeconds(3L * IdleAlarms.PERIOD))) {
            open = 0;
        }
        return new Activity(open, last);
    }
}
