package dev.berth.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.berth.functions.internal.Events;
import dev.berth.functions.reap.IdleAlarms;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodStatus;
import dev.berth.pod.StopReason;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invoked by a pod's idle alarm going to ALARM (no connections or requests for keep-warm): stops the pod with
 * reason IDLE — which stops its task and withdraws its rules and target groups — and deletes the alarm. A
 * pod not RUNNING, or RUNNING for less than keep-warm (a stale alarm), is left alone.
 */
public final class ReaperHandler implements RequestHandler<Map<String, Object>, String> {
    private static final Logger LOG = LoggerFactory.getLogger(ReaperHandler.class);
    private final Supplier<AwsPlatform> platform;

    public ReaperHandler() {
        this.platform = Lazy.of(AwsPlatform::fromEnvironment);
    }

    public ReaperHandler(AwsPlatform platform) {
        this.platform = () -> platform;
    }

    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        Events.AlarmChange alarm = Events.alarmChange(Events.tree(event));
        Optional<PodId> podId = IdleAlarms.podOf(alarm.alarmName());
        if (podId.isEmpty() || !"ALARM".equals(alarm.state())) {
            return "ignored";
        }
        AwsPlatform p = platform.get();
        Optional<Pod> pod = p.store().find(podId.get());
        if (pod.isEmpty() || pod.get().status().isTerminal()) {
            p.alarms().disarm(podId.get());
            return "gone";
        }
        if (pod.get().status() != PodStatus.RUNNING) {
            return "not running";
        }
        Instant since = pod.get().runningSince() != null ? pod.get().runningSince() : pod.get().updatedAt();
        if (p.clock().instant().isBefore(since.plusSeconds(pod.get().spec().keepWarmSeconds()))) {
            return "too early";
        }
        Pod stopped = p.service().stop(podId.get(), StopReason.IDLE);
        p.alarms().disarm(podId.get());
        LOG.info("podId={} reaped: {} ({})", podId.get(), stopped.status(), stopped.stopReason());
        return stopped.stopReason() == StopReason.IDLE ? "reaped" : "stopped already";
    }
}
