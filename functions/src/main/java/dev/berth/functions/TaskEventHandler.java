package dev.berth.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.berth.functions.internal.Emf;
import dev.berth.functions.internal.Events;
import dev.berth.functions.run.EcsFargatePodRuntime;
import dev.berth.pod.Pod;
import dev.berth.pod.PodStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EventBridge "ECS Task State Change" of the cluster, deduplicated on the event's {@code version}; what a change means
 * for the pod is {@link EcsFargatePodRuntime#report}'s call. RUNNING: once the runtime reports the pod ready (the
 * task's {@code ready} container exited 0), its target groups and host rules are published, its idle alarm is armed,
 * and the time from create to RUNNING goes out as the EMF metric {@code PodCreateLatency}; a readiness failure fails
 * the pod and stops the task. STOPPED: the alarm goes; a pod still active records the exit code (entrypoint ended) or
 * the stop code and reason (anything else), and its rules are withdrawn.
 */
public final class TaskEventHandler implements RequestHandler<Map<String, Object>, String> {
    private static final Logger LOG = LoggerFactory.getLogger(TaskEventHandler.class);
    private final Supplier<AwsPlatform> platform;
    private final PrintStream metrics;

    public TaskEventHandler() {
        this.platform = Lazy.of(AwsPlatform::fromEnvironment);
        this.metrics = System.out;
    }

    public TaskEventHandler(AwsPlatform platform) {
        this(platform, System.out);
    }

    /** @param metrics where the EMF lines go (Lambda's standard output) */
    public TaskEventHandler(AwsPlatform platform, PrintStream metrics) {
        this.platform = () -> platform;
        this.metrics = metrics;
    }

    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        Optional<Events.TaskChange> parsed = Events.taskChange(Events.tree(event));
        if (parsed.isEmpty()) {
            return "ignored";
        }
        Events.TaskChange task = parsed.get();
        if (!"RUNNING".equals(task.lastStatus()) && !"STOPPED".equals(task.lastStatus())) {
            return "ignored";
        }
        AwsPlatform p = platform.get();
        if (!p.taskEvents().firstSeen(task.taskArn(), task.version())) {
            LOG.info("podId={} task={} version={} already handled", task.podId(), task.taskArn(), task.version());
            return "duplicate";
        }
        try {
            return handle(p, task);
        } catch (RuntimeException e) {
            // Lambda retries a failed asynchronous invocation with the same event: let the retry through.
            p.taskEvents().forget(task.taskArn(), task.version());
            throw e;
        }
    }

    private String handle(AwsPlatform p, Events.TaskChange task) {
        Optional<Pod> pod = p.store().find(task.podId());
        if (pod.isEmpty()) {
            return "unknown pod";
        }
        if ("RUNNING".equals(task.lastStatus())) {
            EcsFargatePodRuntime.Outcome outcome = p.runtime().report(task);
            if (outcome == EcsFargatePodRuntime.Outcome.FAILED) {
                return "failed";
            }
            if (outcome != EcsFargatePodRuntime.Outcome.READY) {
                LOG.info("podId={} task={} running, not ready yet", task.podId(), task.taskArn());
                return "starting";
            }
            Pod now = p.store().find(task.podId()).orElseThrow();
            if (now.status() == PodStatus.RUNNING) {
                p.alarms().arm(now, p.router().targetGroupMetrics(now.id()));
                if (pod.get().status() != PodStatus.RUNNING) {
                    Instant at = now.runningSince() != null ? now.runningSince() : p.clock().instant();
                    new Emf(p.config().platformNamespace(), metrics).milliseconds(Emf.POD_CREATE_LATENCY,
                            Duration.between(now.createdAt(), at).toMillis(), now.id().value(), at);
                }
            }
            LOG.info("podId={} task={} running at {}", task.podId(), task.taskArn(), task.privateIp());
            return "running";
        }
        p.alarms().disarm(task.podId());
        if (pod.get().status().isActive() && pod.get().status() != PodStatus.STOPPING) {
            p.runtime().report(task);
        }
        p.router().withdraw(task.podId());
        LOG.info("podId={} task={} stopped ({}, exitCode={})", task.podId(), task.taskArn(), task.stopCode(), task.exitCode());
        return "stopped";
    }
}
