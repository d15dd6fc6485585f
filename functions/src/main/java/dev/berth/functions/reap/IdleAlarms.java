package dev.berth.functions.reap;

import dev.berth.functions.route.AlbRouter.TargetGroupMetric;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.Tag;

/**
 * One CloudWatch alarm per RUNNING pod, {@code berth-idle-<podId>}: it goes to ALARM when the sum of the
 * sidecar's established connections and the ALB's {@code RequestCount} of each of the pod's target groups has
 * been 0 for keep-warm seconds (whole minutes, at least one), and then invokes the reaper. Pods that keep warm
 * forever, or longer than a day (CloudWatch evaluates at most a day), get no alarm; the sweep reaps those.
 * Thread-safe.
 */
public final class IdleAlarms {
    private static final Logger LOG = LoggerFactory.getLogger(IdleAlarms.class);
    public static final String PREFIX = "berth-idle-";
    /** The sidecar's metric: established TCP connections on the pod's ports, per pod. */
    public static final String CONNECTIONS_METRIC = "EstablishedConnections";
    static final int PERIOD = 60;

    private final CloudWatchClient cloudWatch;
    private final String namespace;
    private final String reaperArn;

    public IdleAlarms(CloudWatchClient cloudWatch, String namespace, String reaperArn) {
        this.cloudWatch = Objects.requireNonNull(cloudWatch, "cloudWatch");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.reaperArn = reaperArn;
    }

    public static String alarmName(PodId podId) {
        return PREFIX + podId.value();
    }

    /** The pod an alarm name belongs to, if it is one of ours. */
    public static Optional<PodId> podOf(String alarmName) {
        if (alarmName == null || !alarmName.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String id = alarmName.substring(PREFIX.length());
        return PodId.looksLikePodId(id) ? Optional.of(PodId.of(id)) : Optional.empty();
    }

    /** Creates or replaces the pod's alarm; returns whether the pod has one. */
    public boolean arm(Pod pod, List<TargetGroupMetric> targetGroups) {
        int keepWarm = pod.spec().keepWarmSeconds();
        if (keepWarm < 0 || keepWarm > 86_400) {
            return false;
        }
        int periods = Math.max(1, (keepWarm + PERIOD - 1) / PERIOD);
        List<MetricDataQuery> queries = new ArrayList<>();
        queries.add(MetricDataQuery.builder().id("c").returnData(false).metricStat(s -> s.period(PERIOD).stat("Maximum")
                .metric(m -> m.namespace(namespace).metricName(CONNECTIONS_METRIC).dimensions(d -> d.name("PodId").value(pod.id().value()))))
                .build());
        for (int i = 0; i < targetGroups.size(); i++) {
            TargetGroupMetric tg = targetGroups.get(i);
            queries.add(MetricDataQuery.builder().id("r" + i).returnData(false).metricStat(s -> s.period(PERIOD).stat("Sum")
                    .metric(m -> m.namespace("AWS/ApplicationELB").metricName("RequestCount").dimensions(
                            d -> d.name("TargetGroup").value(tg.targetGroup()), d -> d.name("LoadBalancer").value(tg.loadBalancer()))))
                    .build());
        }
        String expression = queries.stream().map(q -> "FILL(" + q.id() + ",0)").collect(Collectors.joining(" + "));
        queries.add(MetricDataQuery.builder().id("activity").expression(expression).label("connections + requests").returnData(true).build());
        cloudWatch.putMetricAlarm(r -> {
            r.alarmName(alarmName(pod.id()))
                    .alarmDescription("Berth: pod " + pod.id() + " idle for " + keepWarm + " s (keep-warm)")
                    .metrics(queries)
                    .comparisonOperator(ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD)
                    .threshold(0.0)
                    .evaluationPeriods(periods)
                    .datapointsToAlarm(periods)
                    .treatMissingData("breaching")
                    .tags(tag("berth:managed", "true"), tag("berth:pod", pod.id().value()));
            if (reaperArn != null) {
                r.alarmActions(reaperArn);
            }
        });
        LOG.info("podId={} idle alarm armed ({} x {} s)", pod.id(), periods, PERIOD);
        return true;
    }

    /** Deletes the pod's alarm; does nothing if it has none. */
    public void disarm(PodId podId) {
        cloudWatch.deleteAlarms(r -> r.alarmNames(alarmName(podId)));
    }

    /**
     * Every pod that has an alarm of this stack. Alarm names are unique per account and region, not per stack, so
     * the name prefix alone would list another Berth stack's alarms too; the stack's own are those whose alarm
     * actions are exactly the ones {@link #arm} sets: its reaper (none when there is no reaper). Every stack has its
     * own reaper function, while the metric namespace is the same ({@code Berth/Pods}) unless configured.
     */
    public List<PodId> armed() {
        List<String> actions = reaperArn == null ? List.of() : List.of(reaperArn);
        List<PodId> pods = new ArrayList<>();
        cloudWatch.describeAlarmsPaginator(r -> r.alarmNamePrefix(PREFIX)).metricAlarms().stream()
                .filter(alarm -> alarm.alarmActions().equals(actions))
                .map(MetricAlarm::alarmName).map(IdleAlarms::podOf).flatMap(Optional::stream).forEach(pods::add);
        return pods;
    }

    public Optional<MetricAlarm> describe(PodId podId) {
        return cloudWatch.describeAlarms(r -> r.alarmNames(alarmName(podId))).metricAlarms().stream().findFirst();
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
