package dev.berth.functions.run;

import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.functions.internal.Events;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.run.Endpoint;
import dev.berth.run.PodRuntime;
import dev.berth.run.RuntimeState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.NetworkMode;
import software.amazon.awssdk.services.ecs.model.ResourceRequirement;
import software.amazon.awssdk.services.ecs.model.ResourceType;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * {@link PodRuntime} on ECS: one Fargate task per pod (a capacity provider with GPU instances for GPU pods).
 * Task definitions are made per image and size ({@code berth-<image12>-<cpu>-<memory>}) and reused; each
 * pod's command and environment go in {@code RunTask} overrides. Tasks run in {@code awsvpc} mode in private
 * subnets; {@code startedBy} and the tag {@code berth:pod} carry the pod id.
 *
 * <p>ECS cannot tell readiness synchronously: {@link #start} returns the task ARN, and the "ECS Task State
 * Change" events, handed to {@link #report}, tell the pod's {@link PodEvents}. With a sidecar image, each task has a
 * third, non-essential container {@code ready} ({@code activity.py --await-ports}) that exits 0 once every pod port
 * accepts a TCP connection inside the task, or 3 after the readiness timeout naming the ports that never did; its exit
 * changes the task and so sends an event. A pod is ready when its task is RUNNING and {@code ready} exited 0 (without
 * a {@code ready} container: when the task is RUNNING). Logs come from CloudWatch Logs ({@code awslogs} driver, stream
 * prefix {@code pod}). Thread-safe.
 */
public final class EcsFargatePodRuntime implements PodRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(EcsFargatePodRuntime.class);
    public static final String POD_CONTAINER = "pod";
    public static final String SIDECAR_CONTAINER = "activity";
    /** The readiness container: the sidecar image awaiting the pod's ports. */
    public static final String READY_CONTAINER = "ready";
    public static final String READINESS_VARIABLE = "BERTH_READINESS_SECONDS";
    /** How long a pod's ports may take to answer when the runtime is not told otherwise. */
    public static final Duration DEFAULT_READINESS_TIMEOUT = Duration.ofMinutes(5);
    /** The reason Berth gives ECS when it stops a task. */
    public static final String STOP_REASON = "Stopped by Berth";
    /** Changes whenever the task definition's layout changes, so that families registered before are not reused. */
    private static final String DEFINITION_LAYOUT = "2";
    static final String LOG_PREFIX = "pod";
    public static final String PORTS_VARIABLE = "BERTH_PORTS";
    public static final String POD_ID_VARIABLE = "BERTH_POD_ID";
    /** The sidecar's publish period, in whole seconds. */
    public static final String INTERVAL_VARIABLE = "BERTH_INTERVAL_SECONDS";
    /** How often the sidecar publishes the pod's open connections when the settings do not say. */
    public static final Duration DEFAULT_ACTIVITY_INTERVAL = Duration.ofSeconds(30);
    /**
     * The longest publish period: the idle alarm takes the maximum of each 60 s period and treats a period without
     * data as idle, so the sidecar publishes at least twice a period, and one late publish never leaves a period empty.
     */
    public static final Duration MAX_ACTIVITY_INTERVAL = Duration.ofSeconds(30);
    static final int SIDECAR_MEMORY_MIB = 64;

    private final EcsClient ecs;
    private final CloudWatchLogsClient logs;
    private final Settings settings;
    private final PodEvents events;
    private final Duration readinessTimeout;
    private final Map<String, String> taskDefinitions = new ConcurrentHashMap<>();

    /**
     * @param sidecarImage        the activity sidecar's image, or {@code null} to run pods without it
     * @param gpuCapacityProvider the capacity provider of GPU instances, or {@code null} (GPU pods are refused)
     * @param fargateSpot         whether non-GPU pods run on FARGATE_SPOT
     * @param activityInterval    how often the sidecar publishes (its {@value #INTERVAL_VARIABLE}): whole seconds, 1 s
     *                            to {@link #MAX_ACTIVITY_INTERVAL}
     */
    public record Settings(String region, String cluster, List<String> subnets, String securityGroup,
                           String executionRoleArn, String taskRoleArn, String logGroup, String sidecarImage,
                           String metricNamespace, String gpuCapacityProvider, boolean fargateSpot, Duration activityInterval) {
        public Settings {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(cluster, "cluster");
            subnets = List.copyOf(subnets);
            Objects.requireNonNull(securityGroup, "securityGroup");
            Objects.requireNonNull(executionRoleArn, "executionRoleArn");
            Objects.requireNonNull(logGroup, "logGroup");
            Objects.requireNonNull(metricNamespace, "metricNamespace");
            Objects.requireNonNull(activityInterval, "activityInterval");
            if (activityInterval.toSeconds() < 1 || activityInterval.compareTo(MAX_ACTIVITY_INTERVAL) > 0
                    || activityInterval.toNanosPart() != 0) {
                throw new IllegalArgumentException("activityInterval is " + activityInterval + "; give whole seconds from 1 to "
                        + MAX_ACTIVITY_INTERVAL.toSeconds());
            }
        }

        /** Settings with the sidecar publishing every {@link #DEFAULT_ACTIVITY_INTERVAL}. */
        public Settings(String region, String cluster, List<String> subnets, String securityGroup, String executionRoleArn,
                        String taskRoleArn, String logGroup, String sidecarImage, String metricNamespace, String gpuCapacityProvider,
                        boolean fargateSpot) {
            this(region, cluster, subnets, securityGroup, executionRoleArn, taskRoleArn, logGroup, sidecarImage, metricNamespace,
                    gpuCapacityProvider, fargateSpot, DEFAULT_ACTIVITY_INTERVAL);
        }
    }

    public EcsFargatePodRuntime(EcsClient ecs, CloudWatchLogsClient logs, Settings settings, PodEvents events) {
        this(ecs, logs, settings, DEFAULT_READINESS_TIMEOUT, events);
    }

    /** @param readinessTimeout how long every pod port may take to accept a connection before the pod fails */
    public EcsFargatePodRuntime(EcsClient ecs, CloudWatchLogsClient logs, Settings settings, Duration readinessTimeout, PodEvents events) {
        this.ecs = Objects.requireNonNull(ecs, "ecs");
        this.logs = Objects.requireNonNull(logs, "logs");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.events = Objects.requireNonNull(events, "events");
        Objects.requireNonNull(readinessTimeout, "readinessTimeout");
        if (readinessTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("readinessTimeout is " + readinessTimeout + "; give at least one second");
        }
        this.readinessTimeout = readinessTimeout;
    }

    @Override
    public void validate(PodSpec spec) {
        if (spec.authorized()) {
            // The ALB can match headers but cannot compare a bearer token with a per-pod hash; until a
            // verifying hop sits in front of the tasks, refusing is the only way not to serve them open.
            throw new BerthClientException(ErrorCode.UNSUPPORTED, "authorized",
                    "authorized is not supported on AWS yet (the load balancer cannot check pod tokens); remove it, "
                            + "put your own authentication in the server, or run the pod locally");
        }
        if (spec.blockNetwork()) {
            throw new BerthClientException(ErrorCode.UNSUPPORTED, "blockNetwork",
                    "blockNetwork is not supported on AWS (tasks share the stack's security group); remove it or run the pod locally");
        }
        if (spec.readOnlyRootFilesystem()) {
            // Not ignored silently: a pod that asked for a read-only root must not run with a writable one.
            throw new BerthClientException(ErrorCode.UNSUPPORTED, "readOnlyRootFilesystem",
                    "readOnlyRootFilesystem is not supported on AWS yet; remove it or run the pod locally");
        }
        if (spec.gpu() != null && settings.gpuCapacityProvider() == null) {
            throw new BerthClientException(ErrorCode.UNSUPPORTED, "gpu",
                    "gpu '" + spec.gpu() + "' was asked for but this stack has no GPU capacity provider; deploy the stack with GPU capacity or remove gpu");
        }
        if (spec.gpu() == null) {
            FargateSize.fitting(spec.cpu(), spec.memoryMiB());
        }
    }

    @Override
    public String start(Pod pod, String imageRef) {
        validate(pod.spec());
        boolean gpu = pod.spec().gpu() != null;
        String taskDefinition = taskDefinition(pod, imageRef);
        List<KeyValuePair> podEnv = new ArrayList<>();
        pod.spec().env().forEach((k, v) -> podEnv.add(pair(k, v)));
        podEnv.add(pair(POD_ID_VARIABLE, pod.id().value()));
        List<ContainerOverride> overrides = new ArrayList<>();
        overrides.add(ContainerOverride.builder().name(POD_CONTAINER).command(pod.spec().entrypoint()).environment(podEnv).build());
        String ports = pod.spec().ports().stream().map(String::valueOf).collect(Collectors.joining(","));
        if (settings.sidecarImage() != null) {
            overrides.add(ContainerOverride.builder().name(SIDECAR_CONTAINER).environment(
                    pair(POD_ID_VARIABLE, pod.id().value()), pair(PORTS_VARIABLE, ports),
                    pair("BERTH_METRIC_NAMESPACE", settings.metricNamespace()),
                    pair(INTERVAL_VARIABLE, Long.toString(settings.activityInterval().toSeconds()))).build());
            overrides.add(ContainerOverride.builder().name(READY_CONTAINER).environment(
                    pair(PORTS_VARIABLE, ports), pair(READINESS_VARIABLE, Long.toString(readinessTimeout.toSeconds()))).build());
        } else {
            podEnv.add(pair(PORTS_VARIABLE, ports));
        }
        RunTaskRequest.Builder run = RunTaskRequest.builder()
                .cluster(settings.cluster())
                .taskDefinition(taskDefinition)
                .count(1)
                .startedBy(pod.id().value())
                .networkConfiguration(n -> n.awsvpcConfiguration(a -> a.subnets(settings.subnets())
                        .securityGroups(settings.securityGroup()).assignPublicIp(AssignPublicIp.DISABLED)))
                .overrides(o -> o.containerOverrides(overrides))
                .tags(tag("berth:managed", "true"), tag("berth:pod", pod.id().value()));
        if (gpu) {
            run.capacityProviderStrategy(CapacityProviderStrategyItem.builder().capacityProvider(settings.gpuCapacityProvider()).weight(1).build());
        } else if (settings.fargateSpot()) {
            run.capacityProviderStrategy(CapacityProviderStrategyItem.builder().capacityProvider("FARGATE_SPOT").weight(1).build());
        } else {
            run.launchType(LaunchType.FARGATE);
        }
        RunTaskResponse response = ecs.runTask(run.build());
        if (response.tasks().isEmpty()) {
            String reasons = response.failures().stream().map(f -> f.reason() + (f.detail() == null ? "" : " (" + f.detail() + ")"))
                    .collect(Collectors.joining("; "));
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "ECS could not run the task of pod " + pod.id() + ": " + reasons, null);
        }
        String arn = response.tasks().get(0).taskArn();
        LOG.info("podId={} task={} started", pod.id(), arn);
        return arn;
    }

    /**
     * The task definition for the pod's image and size, registered on first use. The family ends with a digest of
     * everything else the definition holds (image reference, sidecar, log group, roles, layout), so that a family
     * registered with other settings, or by an earlier Berth, is never reused.
     */
    String taskDefinition(Pod pod, String imageRef) {
        FargateSize size = FargateSize.fitting(pod.spec().cpu(), pod.spec().memoryMiB());
        boolean gpu = pod.spec().gpu() != null;
        String family = "berth-" + pod.imageId().shortValue() + "-" + size.cpuUnits() + "-" + size.memoryMiB()
                + (gpu ? "-g" + pod.spec().gpuCount() : "") + "-" + digest(imageRef);
        return taskDefinitions.computeIfAbsent(family, f -> existing(f).orElseGet(() -> register(f, imageRef, size, gpu, pod.spec().gpuCount())));
    }

    private Optional<String> existing(String family) {
        try {
            return Optional.of(ecs.describeTaskDefinition(r -> r.taskDefinition(family)).taskDefinition().taskDefinitionArn());
        } catch (ClientException e) {
            return Optional.empty();
        }
    }

    private String register(String family, String imageRef, FargateSize size, boolean gpu, int gpuCount) {
        List<ContainerDefinition> containers = new ArrayList<>();
        ContainerDefinition.Builder pod = ContainerDefinition.builder()
                .name(POD_CONTAINER).image(imageRef).essential(true)
                // Soft limits (the task's size is the hard one); the sidecar keeps a small share.
                .memoryReservation(size.memoryMiB() - (settings.sidecarImage() != null ? 2 * SIDECAR_MEMORY_MIB : 0))
                .logConfiguration(l -> l.logDriver(LogDriver.AWSLOGS).options(Map.of(
                        "awslogs-group", settings.logGroup(), "awslogs-region", settings.region(), "awslogs-stream-prefix", LOG_PREFIX)));
        if (gpu) {
            pod.resourceRequirements(ResourceRequirement.builder().type(ResourceType.GPU).value(Integer.toString(gpuCount)).build());
        }
        containers.add(pod.build());
        if (settings.sidecarImage() != null) {
            containers.add(ContainerDefinition.builder()
                    .name(SIDECAR_CONTAINER).image(settings.sidecarImage()).essential(false)
                    .memoryReservation(SIDECAR_MEMORY_MIB)
                    .logConfiguration(l -> l.logDriver(LogDriver.AWSLOGS).options(Map.of(
                            "awslogs-group", settings.logGroup(), "awslogs-region", settings.region(), "awslogs-stream-prefix", LOG_PREFIX)))
                    .build());
            containers.add(ContainerDefinition.builder()
                    .name(READY_CONTAINER).image(settings.sidecarImage()).essential(false)
                    .entryPoint("python3", "/app/activity.py").command("--await-ports")
                    .memoryReservation(SIDECAR_MEMORY_MIB)
                    .logConfiguration(l -> l.logDriver(LogDriver.AWSLOGS).options(Map.of(
                            "awslogs-group", settings.logGroup(), "awslogs-region", settings.region(), "awslogs-stream-prefix", LOG_PREFIX)))
                    .build());
        }
        String arn = ecs.registerTaskDefinition(r -> r.family(family)
                .networkMode(NetworkMode.AWSVPC)
                .requiresCompatibilities(gpu ? Compatibility.EC2 : Compatibility.FARGATE)
                .cpu(Integer.toString(size.cpuUnits()))
                .memory(Integer.toString(size.memoryMiB()))
                .executionRoleArn(settings.executionRoleArn())
                .taskRoleArn(settings.taskRoleArn())
                .containerDefinitions(containers)
                .tags(tag("berth:managed", "true"))).taskDefinition().taskDefinitionArn();
        LOG.info("taskDefinition={} registered", arn);
        return arn;
    }

    @Override
    public RuntimeState inspect(String runtimeRef) {
        return describe(runtimeRef).map(EcsFargatePodRuntime::state).orElseGet(RuntimeState.Missing::new);
    }

    @Override
    public RuntimeState adopt(Pod pod) {
        if (pod.runtimeRef() == null) {
            return new RuntimeState.Missing();
        }
        Optional<Task> task = describe(pod.runtimeRef());
        RuntimeState state = task.map(EcsFargatePodRuntime::state).orElseGet(RuntimeState.Missing::new);
        if (state instanceof RuntimeState.Running running && ready(task.get())) {
            events.podReady(pod.id(), running.endpoints());
        } else if (state instanceof RuntimeState.Exited exited) {
            events.podExited(pod.id(), exited.exitCode());
        }
        return state;
    }

    @Override
    public void stop(String runtimeRef) {
        Optional<Task> task = describe(runtimeRef);
        if (task.isEmpty() || "STOPPED".equals(task.get().lastStatus()) || "STOPPED".equals(task.get().desiredStatus())) {
            return;
        }
        stopTask(runtimeRef, STOP_REASON);
    }

    private void stopTask(String taskArn, String reason) {
        // StopTask takes a reason of at most 255 characters.
        ecs.stopTask(r -> r.cluster(settings.cluster()).task(taskArn).reason(reason.length() > 255 ? reason.substring(0, 255) : reason));
        LOG.info("task={} stop requested", taskArn);
    }

    /** What a pod's task change means for the pod. */
    public enum Outcome {
        /** Nothing yet (the task is starting, or stopping). */
        NONE,
        READY,
        EXITED,
        FAILED
    }

    /**
     * Tells this runtime's {@link PodEvents} what an "ECS Task State Change" means for its pod: ready when the task
     * is RUNNING and its {@code ready} container exited 0 (or it has none); failed naming the ports when {@code ready}
     * exited otherwise, and the task is stopped; exited with the pod container's exit code when that container ended
     * the task; failed with the stop code and reasons when the task stopped for anything else. Repeated or late
     * events report again (the events are idempotent).
     */
    public Outcome report(Events.TaskChange task) {
        Objects.requireNonNull(task, "task");
        if ("STOPPED".equals(task.lastStatus()) || "DELETED".equals(task.lastStatus())) {
            if (task.exitCode() != null && (task.stopCode() == null || "EssentialContainerExited".equals(task.stopCode()))) {
                events.podExited(task.podId(), task.exitCode());
                return Outcome.EXITED;
            }
            events.podFailed(task.podId(), "Task stopped (" + task.stopCode() + "): " + task.stoppedReason()
                    + (task.containerReason() == null ? "" : "; container: " + task.containerReason()));
            return Outcome.FAILED;
        }
        if (!"RUNNING".equals(task.lastStatus()) || !"RUNNING".equals(task.desiredStatus())) {
            return Outcome.NONE;
        }
        Optional<Events.ContainerChange> ready = task.container(READY_CONTAINER);
        Integer readyExit = ready.map(Events.ContainerChange::exitCode).orElse(null);
        if (ready.isPresent() && readyExit == null) {
            return Outcome.NONE;
        }
        List<Integer> ports = task.ports() != null ? task.ports() : describe(task.taskArn()).map(EcsFargatePodRuntime::ports).orElse(List.of());
        if (readyExit != null && readyExit != 0) {
            String message = readinessFailure(task.taskArn(), ports, readyExit);
            // Stopped first, so that the task's stoppedReason is the message (the failed pod's own stop is then a no-op).
            stopTask(task.taskArn(), message);
            events.podFailed(task.podId(), message);
            return Outcome.FAILED;
        }
        if (task.privateIp() == null) {
            events.podFailed(task.podId(), "Task " + task.taskArn() + " runs without a private IP; check the stack's subnets");
            return Outcome.FAILED;
        }
        events.podReady(task.podId(), endpoints(task.privateIp(), ports));
        return Outcome.READY;
    }

    /** The last line the readiness container logged, or a message naming the ports. */
    private String readinessFailure(String taskArn, List<Integer> ports, int exitCode) {
        String stream = LOG_PREFIX + "/" + READY_CONTAINER + "/" + taskId(taskArn);
        try {
            List<OutputLogEvent> last = logs.getLogEvents(r -> r.logGroupName(settings.logGroup()).logStreamName(stream)
                    .startFromHead(false).limit(20)).events();
            for (int i = last.size() - 1; i >= 0; i--) {
                String line = last.get(i).message().strip();
                if (!line.isEmpty()) {
                    return line;
                }
            }
        } catch (software.amazon.awssdk.services.cloudwatchlogs.model.CloudWatchLogsException e) {
            LOG.warn("task={} readiness log {} unreadable: {}", taskArn, stream, e.getMessage());
        }
        String named = ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return "ports " + named + " did not all accept a connection within " + readinessTimeout.toSeconds()
                + " s (the readiness check exited " + exitCode + ")";
    }

    @Override
    public List<Owned> list() {
        List<String> arns = new ArrayList<>();
        for (DesiredStatus status : List.of(DesiredStatus.RUNNING, DesiredStatus.STOPPED)) {
            ecs.listTasksPaginator(r -> r.cluster(settings.cluster()).desiredStatus(status)).taskArns().forEach(arns::add);
        }
        List<Owned> owned = new ArrayList<>();
        for (int i = 0; i < arns.size(); i += 100) {
            List<String> batch = arns.subList(i, Math.min(arns.size(), i + 100));
            for (Task task : ecs.describeTasks(r -> r.cluster(settings.cluster()).tasks(batch).include(TaskField.TAGS)).tasks()) {
                RuntimeState state = state(task);
                if (!(state instanceof RuntimeState.Missing)) {
                    podId(task).ifPresent(id -> owned.add(new Owned(id, task.taskArn(), state)));
                }
            }
        }
        return owned;
    }

    @Override
    public Stream<String> logs(String runtimeRef, boolean follow) {
        String stream = LOG_PREFIX + "/" + POD_CONTAINER + "/" + taskId(runtimeRef);
        Iterator<String> lines = new Iterator<>() {
            private final List<String> buffer = new ArrayList<>();
            private String token;
            private boolean done;

            @Override
            public boolean hasNext() {
                while (buffer.isEmpty() && !done) {
                    fetch();
                }
                return !buffer.isEmpty();
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return buffer.remove(0);
            }

            private void fetch() {
                GetLogEventsResponse page;
                try {
                    page = logs.getLogEvents(r -> {
                        r.logGroupName(settings.logGroup()).logStreamName(stream).startFromHead(true);
                        if (token != null) {
                            r.nextToken(token);
                        }
                    });
                } catch (software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException e) {
                    page = null;
                }
                if (page != null) {
                    page.events().stream().map(OutputLogEvent::message).forEach(buffer::add);
                }
                boolean endOfStream = page == null || page.nextForwardToken() == null || page.nextForwardToken().equals(token);
                if (page != null) {
                    token = page.nextForwardToken();
                }
                if (endOfStream && buffer.isEmpty()) {
                    if (!follow || !(inspect(runtimeRef) instanceof RuntimeState.Running)) {
                        done = true;
                    } else {
                        pause();
                    }
                }
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines, Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    private static void pause() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted while following logs", e);
        }
    }

    private Optional<Task> describe(String taskArn) {
        try {
            return ecs.describeTasks(r -> r.cluster(settings.cluster()).tasks(taskArn).include(TaskField.TAGS)).tasks().stream().findFirst();
        } catch (ClientException e) {
            return Optional.empty();
        }
    }

    /**
     * What a described task means for its pod: a task someone stopped ({@code UserInitiated}) is gone, as a removed
     * container is; a stopped task whose pod container exited has exited; a RUNNING task serves its endpoints once its
     * {@code ready} container (if any) exited 0, and is starting before.
     */
    static RuntimeState state(Task task) {
        if ("UserInitiated".equals(task.stopCodeAsString())) {
            return new RuntimeState.Missing();
        }
        Integer podExit = task.containers().stream().filter(c -> POD_CONTAINER.equals(c.name())).map(Container::exitCode)
                .filter(Objects::nonNull).findFirst().orElse(null);
        if ("STOPPED".equals(task.lastStatus()) || "DELETED".equals(task.lastStatus())) {
            return podExit == null ? new RuntimeState.Missing() : new RuntimeState.Exited(podExit);
        }
        if ("STOPPED".equals(task.desiredStatus()) && podExit != null) {
            return new RuntimeState.Exited(podExit);
        }
        if (!ready(task)) {
            return new RuntimeState.Running(Map.of());
        }
        return new RuntimeState.Running(endpoints(privateIp(task), ports(task)));
    }

    /** Whether the task is RUNNING and its {@code ready} container, if it has one, exited 0. */
    static boolean ready(Task task) {
        if (!"RUNNING".equals(task.lastStatus()) || !"RUNNING".equals(task.desiredStatus())) {
            return false;
        }
        return task.containers().stream().filter(c -> READY_CONTAINER.equals(c.name())).findFirst()
                .map(c -> Integer.valueOf(0).equals(c.exitCode())).orElse(true);
    }

    /** Each pod port at the task's private IP. */
    public static Map<Integer, Endpoint> endpoints(String ip, List<Integer> ports) {
        Map<Integer, Endpoint> endpoints = new LinkedHashMap<>();
        if (ip != null) {
            ports.forEach(port -> endpoints.put(port, new Endpoint(ip, port)));
        }
        return endpoints;
    }

    private static String privateIp(Task task) {
        return task.attachments().stream().flatMap(a -> a.details().stream())
                .filter(d -> "privateIPv4Address".equals(d.name())).map(KeyValuePair::value).findFirst().orElse(null);
    }

    private static List<Integer> ports(Task task) {
        if (task.overrides() == null) {
            return List.of();
        }
        return task.overrides().containerOverrides().stream().flatMap(o -> o.environment().stream())
                .filter(e -> PORTS_VARIABLE.equals(e.name())).findFirst()
                .map(e -> parsePorts(e.value()))
                .orElse(List.of());
    }

    /** The ports of a {@code BERTH_PORTS} value ({@code 8080,8081}; empty for none). */
    public static List<Integer> parsePorts(String value) {
        return value == null || value.isBlank() ? List.of()
                : Stream.of(value.split(",")).map(String::strip).filter(p -> !p.isEmpty()).map(Integer::valueOf).toList();
    }

    /** Eight hex digits of SHA-256 over what a task definition holds besides its image id and size. */
    private String digest(String imageRef) {
        String all = String.join("\n", DEFINITION_LAYOUT, imageRef, String.valueOf(settings.sidecarImage()), settings.logGroup(),
                settings.region(), settings.executionRoleArn(), String.valueOf(settings.taskRoleArn()));
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(all.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static Optional<PodId> podId(Task task) {
        if (PodId.looksLikePodId(task.startedBy())) {
            return Optional.of(PodId.of(task.startedBy()));
        }
        return task.tags().stream().filter(t -> "berth:pod".equals(t.key())).map(Tag::value)
                .filter(PodId::looksLikePodId).map(PodId::of).findFirst();
    }

    static String taskId(String taskArn) {
        return taskArn.substring(taskArn.lastIndexOf('/') + 1);
    }

    private static KeyValuePair pair(String name, String value) {
        return KeyValuePair.builder().name(name).value(value).build();
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
