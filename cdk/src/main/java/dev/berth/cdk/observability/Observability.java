package dev.berth.cdk.observability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.DashboardProps;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.GraphWidgetProps;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.MetricProps;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * A CloudWatch dashboard of the platform: pods running (Container Insights task count of the cluster), create
 * latency ({@code PodCreateLatency} the functions emit in EMF, next to the API's own latency), build failures
 * (CodeBuild), reaps (reaper invocations) and dead letters.
 */
public final class Observability extends Construct {
    /** Metric the functions emit (EMF) when a pod reaches RUNNING: milliseconds since its creation. */
    public static final String CREATE_LATENCY_METRIC = "PodCreateLatency";

    private final Dashboard dashboard;

    public Observability(Construct scope, String id, ObservabilityProps props) {
        super(scope, id);
        Duration period = Duration.minutes(5);
        Metric podsRunning = new Metric(MetricProps.builder()
                .namespace("ECS/ContainerInsights")
                .metricName("RunningTaskCount")
                .dimensionsMap(Map.of("ClusterName", props.cluster().getClusterName()))
                .statistic("Maximum")
                .period(period)
                .label("pods running")
                .build());
        Metric createLatencyP50 = createLatency(props, "p50", period);
        Metric createLatencyP90 = createLatency(props, "p90", period);
        IMetric apiLatency = props.api().metricDuration(MetricOptions.builder()
                .statistic("p90").period(period).label("API p90 (ms)").build());
        IMetric buildFailures = props.buildProject().metricFailedBuilds(MetricOptions.builder()
                .statistic("Sum").period(period).label("failed builds").build());
        IMetric builds = props.buildProject().metricBuilds(MetricOptions.builder()
                .statistic("Sum").period(period).label("builds").build());
        IMetric reaps = props.reaper().metricInvocations(MetricOptions.builder()
                .statistic("Sum").period(period).label("reaper invocations").build());
        IMetric reaperErrors = props.reaper().metricErrors(MetricOptions.builder()
                .statistic("Sum").period(period).label("reaper errors").build());
        List<IMetric> deadLetters = new ArrayList<>();
        for (IQueue queue : props.deadLetterQueues()) {
            deadLetters.add(queue.metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
                    .statistic("Maximum").period(period).build()));
        }

        List<IWidget> widgets = new ArrayList<>(List.of(
                graph("Pods running", List.of(podsRunning)),
                graph("Create latency (ms)", List.of(createLatencyP50, createLatencyP90, apiLatency)),
                graph("Image builds", List.of(builds, buildFailures)),
                graph("Reaps", List.of(reaps, reaperErrors))));
        if (!deadLetters.isEmpty()) {
            widgets.add(graph("Dead letters", deadLetters));
        }
        this.dashboard = new Dashboard(this, "Dashboard", DashboardProps.builder()
                .widgets(rowsOfTwo(widgets))
                .build());
    }

    private static Metric createLatency(ObservabilityProps props, String statistic, Duration period) {
        return new Metric(MetricProps.builder()
                .namespace(props.platformNamespace())
                .metricName(CREATE_LATENCY_METRIC)
                .statistic(statistic)
                .period(period)
                .unit(software.amazon.awscdk.services.cloudwatch.Unit.MILLISECONDS)
                .label("create → running " + statistic)
                .build());
    }

    private static List<List<IWidget>> rowsOfTwo(List<IWidget> widgets) {
        List<List<IWidget>> rows = new ArrayList<>();
        for (int i = 0; i < widgets.size(); i += 2) {
            rows.add(List.copyOf(widgets.subList(i, Math.min(i + 2, widgets.size()))));
        }
        return rows;
    }

    private static GraphWidget graph(String title, List<? extends IMetric> metrics) {
        return new GraphWidget(GraphWidgetProps.builder()
                .title(title)
                .left(List.copyOf(metrics))
                .width(12)
                .height(6)
                .build());
    }

    public Dashboard dashboard() {
        return dashboard;
    }
}
