package dev.berth.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.berth.pod.Deployment;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every five minutes, so that a lost event leaks nothing: reconciles records with ECS (tasks without records
 * are stopped, records whose task is gone or exited are closed, stops left half-done are finished), reaps idle
 * pods the alarms missed, and removes target groups, rules and alarms that no active pod or deployment owns.
 * It looks only at this stack's resources: another Berth stack in the same account and region has its own records,
 * so its target groups and alarms are never taken for orphans (see {@code AlbRouter#podsWithTargetGroups} and
 * {@code IdleAlarms#armed}).
 */
public final class SweepHandler implements RequestHandler<Map<String, Object>, Map<String, Integer>> {
    private static final Logger LOG = LoggerFactory.getLogger(SweepHandler.class);
    private final Supplier<AwsPlatform> platform;

    public SweepHandler() {
        this.platform = Lazy.of(AwsPlatform::fromEnvironment);
    }

    public SweepHandler(AwsPlatform platform) {
        this.platform = () -> platform;
    }

    @Override
    public Map<String, Integer> handleRequest(Map<String, Object> event, Context context) {
        AwsPlatform p = platform.get();
        Map<String, Integer> done = new LinkedHashMap<>();
        p.service().recover();
        done.put("reaped", p.service().reapIdle());
        int routes = 0;
        for (PodId pod : p.router().podsWithTargetGroups()) {
            if (!active(p, pod)) {
                p.router().withdraw(pod);
                routes++;
            }
        }
        done.put("routesWithdrawn", routes);
        int alarms = 0;
        for (PodId pod : p.alarms().armed()) {
            if (p.store().find(pod).map(Pod::status).orElse(PodStatus.STOPPED) != PodStatus.RUNNING) {
                p.alarms().disarm(pod);
                alarms++;
            }
        }
        done.put("alarmsDeleted", alarms);
        Set<String> deployments = p.store().listDeployments().stream().map(Deployment::name).collect(Collectors.toSet());
        int rules = 0;
        for (String label : p.router().labels().keySet()) {
            if (!PodId.looksLikePodId(label) && !deployments.contains(label)) {
                p.router().forget(label);
                rules++;
            } else if (PodId.looksLikePodId(label) && !active(p, PodId.of(label))) {
                p.router().forget(label);
                rules++;
            }
        }
        done.put("rulesDeleted", rules);
        done.put("wakerRulesMoved", p.router().moveRulesOffSharedWakerGroup());
        LOG.info("sweep {}", done);
        return done;
    }

    private static boolean active(AwsPlatform p, PodId pod) {
        Optional<Pod> record = p.store().find(pod);
        return record.isPresent() && record.get().status().isActive();
    }
}
