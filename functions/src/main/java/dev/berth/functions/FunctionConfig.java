package dev.berth.functions;

import dev.berth.InvalidSpecException;
import dev.berth.functions.route.AlbRouter;
import dev.berth.functions.run.EcsFargatePodRuntime;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The environment of the Berth functions, as set by the CDK stack (see {@code docs/aws-contract.md}). Every
 * function gets every variable; unused ones are ignored, so only presence of what a function needs is
 * checked, when it is first needed ({@link #require}).
 *
 * @param listenerArns          HTTPS listeners, one per ALB of the pool
 * @param subnets               private subnets for tasks
 * @param hostedZoneId          public hosted zone of the pod domain (records for labels on ALBs 2..n)
 * @param loadBalancerDnsNames  DNS name of each ALB of the pool, in listener order
 * @param loadBalancerZoneIds   canonical hosted zone id of each ALB of the pool, in listener order
 * @param platformNamespace     CloudWatch namespace of the platform's own metrics ({@code PodCreateLatency})
 * @param readinessTimeout      how long a pod's ports may take to accept connections once its task runs
 * @param activityInterval      how often the activity sidecar publishes the pod's open connections
 * @param wakerTargetGroup      name of the stack's own Lambda target group holding the waker (the CDK stack sets one per
 *                              stack; {@value AlbRouter#DEFAULT_WAKER_TARGET_GROUP} when unset)
 */
public record FunctionConfig(
        String table,
        String domain,
        String cluster,
        List<String> subnets,
        String taskSecurityGroup,
        String vpcId,
        List<String> listenerArns,
        String taskExecutionRoleArn,
        String taskRoleArn,
        String logGroup,
        String ecrRepository,
        String codeBuildProject,
        String contextBucket,
        String metricNamespace,
        String reaperArn,
        String wakerArn,
        String wakerTargetGroup,
        String sidecarImage,
        String gpuCapacityProvider,
        boolean fargateSpot,
        String hostedZoneId,
        List<String> loadBalancerDnsNames,
        List<String> loadBalancerZoneIds,
        String platformNamespace,
        Duration readinessTimeout,
        Duration activityInterval) {

    public static final String DEFAULT_METRIC_NAMESPACE = "Berth/Pods";
    public static final String DEFAULT_PLATFORM_NAMESPACE = "Berth/Platform";
    /** How long a pod's ports may take to accept connections after its task runs, unless BERTH_READINESS_TIMEOUT_SECONDS says. */
    public static final Duration DEFAULT_READINESS_TIMEOUT = Duration.ofMinutes(5);
    /** How often the activity sidecar publishes, unless BERTH_ACTIVITY_INTERVAL_SECONDS says. */
    public static final Duration DEFAULT_ACTIVITY_INTERVAL = EcsFargatePodRuntime.DEFAULT_ACTIVITY_INTERVAL;
    private static final int MAX_ACTIVITY_INTERVAL_SECONDS = (int) EcsFargatePodRuntime.MAX_ACTIVITY_INTERVAL.toSeconds();

    public FunctionConfig {
        subnets = List.copyOf(subnets == null ? List.of() : subnets);
        listenerArns = List.copyOf(listenerArns == null ? List.of() : listenerArns);
        metricNamespace = metricNamespace == null || metricNamespace.isBlank() ? DEFAULT_METRIC_NAMESPACE : metricNamespace;
        gpuCapacityProvider = gpuCapacityProvider == null || gpuCapacityProvider.isBlank() ? null : gpuCapacityProvider;
        loadBalancerDnsNames = List.copyOf(loadBalancerDnsNames == null ? List.of() : loadBalancerDnsNames);
        loadBalancerZoneIds = List.copyOf(loadBalancerZoneIds == null ? List.of() : loadBalancerZoneIds);
        platformNamespace = platformNamespace == null || platformNamespace.isBlank() ? DEFAULT_PLATFORM_NAMESPACE : platformNamespace;
        readinessTimeout = readinessTimeout == null ? DEFAULT_READINESS_TIMEOUT : readinessTimeout;
        activityInterval = activityInterval == null ? DEFAULT_ACTIVITY_INTERVAL : activityInterval;
        wakerTargetGroup = wakerTargetGroup == null || wakerTargetGroup.isBlank() ? AlbRouter.DEFAULT_WAKER_TARGET_GROUP : wakerTargetGroup;
        String problem = AlbRouter.wakerTargetGroupNameProblem(wakerTargetGroup);
        if (problem != null) {
            throw new InvalidSpecException("BERTH_WAKER_TARGET_GROUP", "Environment variable BERTH_WAKER_TARGET_GROUP is '" + wakerTargetGroup
                    + "', which " + problem + " (the Berth CDK stack sets berth-waker-<hash of the stack name>), or leave it unset for "
                    + AlbRouter.DEFAULT_WAKER_TARGET_GROUP);
        }
        if (readinessTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("readinessTimeout is " + readinessTimeout + "; give at least one second");
        }
        if (activityInterval.toSeconds() < 1 || activityInterval.toSeconds() > MAX_ACTIVITY_INTERVAL_SECONDS) {
            throw new IllegalArgumentException("activityInterval is " + activityInterval + "; give 1 to "
                    + MAX_ACTIVITY_INTERVAL_SECONDS + " whole seconds");
        }
    }

    /** Reads the {@code BERTH_*} variables; blank values count as absent. */
    public static FunctionConfig fromEnv(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        return new FunctionConfig(
                value(env, "BERTH_TABLE"),
                value(env, "BERTH_DOMAIN"),
                value(env, "BERTH_CLUSTER"),
                list(env, "BERTH_SUBNETS"),
                value(env, "BERTH_TASK_SECURITY_GROUP"),
                value(env, "BERTH_VPC_ID"),
                list(env, "BERTH_LISTENER_ARNS"),
                value(env, "BERTH_TASK_EXECUTION_ROLE_ARN"),
                value(env, "BERTH_TASK_ROLE_ARN"),
                value(env, "BERTH_LOG_GROUP"),
                value(env, "BERTH_ECR_REPOSITORY"),
                value(env, "BERTH_CODEBUILD_PROJECT"),
                value(env, "BERTH_CONTEXT_BUCKET"),
                value(env, "BERTH_METRIC_NAMESPACE"),
                value(env, "BERTH_REAPER_ARN"),
                value(env, "BERTH_WAKER_ARN"),
                value(env, "BERTH_WAKER_TARGET_GROUP"),
                value(env, "BERTH_SIDECAR_IMAGE"),
                value(env, "BERTH_GPU_CAPACITY_PROVIDER"),
                "true".equalsIgnoreCase(value(env, "BERTH_FARGATE_SPOT")),
                value(env, "BERTH_HOSTED_ZONE_ID"),
                list(env, "BERTH_LOAD_BALANCER_DNS_NAMES"),
                list(env, "BERTH_LOAD_BALANCER_ZONE_IDS"),
                value(env, "BERTH_PLATFORM_METRIC_NAMESPACE"),
                seconds(env, "BERTH_READINESS_TIMEOUT_SECONDS", 999_999, DEFAULT_READINESS_TIMEOUT, ""),
                seconds(env, "BERTH_ACTIVITY_INTERVAL_SECONDS", MAX_ACTIVITY_INTERVAL_SECONDS, DEFAULT_ACTIVITY_INTERVAL,
                        " (the idle alarm needs a sample at least twice in each 60 s period)"));
    }

    /**
     * The value of a setting a function needs.
     *
     * @throws InvalidSpecException naming the variable when it is not set
     */
    public static String require(String value, String variable) {
        if (value == null || value.isBlank()) {
            throw new InvalidSpecException(variable, "Environment variable " + variable
                    + " is not set; the Berth CDK stack sets it on every function (see docs/aws-contract.md)");
        }
        return value;
    }

    /** The list a function needs, not empty. */
    public static List<String> require(List<String> value, String variable) {
        if (value == null || value.isEmpty()) {
            require((String) null, variable);
        }
        return value;
    }

    /**
     * Where the router writes DNS records for labels on ALBs 2..n, or {@code null} for a pool of one ALB (the
     * stack's wildcard record covers it).
     *
     * @throws InvalidSpecException naming the variable that is missing or does not match the listeners
     */
    public AlbRouter.Dns dns() {
        if (listenerArns.size() <= 1) {
            return null;
        }
        String zone = require(hostedZoneId, "BERTH_HOSTED_ZONE_ID");
        for (var list : List.of(Map.entry("BERTH_LOAD_BALANCER_DNS_NAMES", loadBalancerDnsNames),
                Map.entry("BERTH_LOAD_BALANCER_ZONE_IDS", loadBalancerZoneIds))) {
            if (list.getValue().size() != listenerArns.size()) {
                throw new InvalidSpecException(list.getKey(), "Environment variable " + list.getKey() + " has " + list.getValue().size()
                        + " entries but BERTH_LISTENER_ARNS has " + listenerArns.size()
                        + "; give one per load balancer of the pool, in the same order (the Berth CDK stack does)");
            }
        }
        List<AlbRouter.AliasTarget> targets = new java.util.ArrayList<>();
        for (int i = 0; i < listenerArns.size(); i++) {
            targets.add(new AlbRouter.AliasTarget(loadBalancerDnsNames.get(i), loadBalancerZoneIds.get(i)));
        }
        return new AlbRouter.Dns(zone, targets);
    }

    /** A whole number of seconds from 1 to max, or null when unset. */
    private static Duration seconds(Map<String, String> env, String name, int max, Duration fallback, String why) {
        String v = value(env, name);
        if (v == null) {
            return null;
        }
        if (!v.matches("[0-9]{1,6}") || Integer.parseInt(v) == 0 || Integer.parseInt(v) > max) {
            throw new InvalidSpecException(name, "Environment variable " + name + " is '" + v
                    + "'; give a whole number of seconds from 1 to " + max + why + ", or leave it unset for " + fallback.toSeconds());
        }
        return Duration.ofSeconds(Integer.parseInt(v));
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static List<String> list(Map<String, String> env, String name) {
        String v = value(env, name);
        return v == null ? List.of() : Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
