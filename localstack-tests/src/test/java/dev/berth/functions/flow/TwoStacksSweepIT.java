package dev.berth.functions.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.AwsPlatform;
import dev.berth.functions.SweepHandler;
import dev.berth.functions.internal.AwsClients;
import dev.berth.functions.route.AlbRouter;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.pod.PodStatus;
import dev.berth.route.Route;
import dev.berth.run.Endpoint;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetTypeEnum;

/**
 * Two Berth stacks (staging and production) in one account and region: each sweep finds only its own stack's
 * target groups, rules and idle alarms, never the other's, though all are named {@code berth-…} account-wide.
 */
@ExtendWith(EmulatorExtension.class)
class TwoStacksSweepIT {
    private static final String DOMAIN_A = "pods.prod.example.com";
    private static final String DOMAIN_B = "pods.staging.example.com";
    private static final Map<String, Object> SCHEDULED = Map.of("source", "aws.events", "detail-type", "Scheduled Event");

    private final AwsClients clients;
    private final Fixtures.Network networkB;
    private final AwsPlatform a;
    private final AwsPlatform b;

    TwoStacksSweepIT(Emulator aws) {
        this.clients = aws.clients();
        this.networkB = Fixtures.network(aws);
        this.a = TestStack.platform(aws, Fixtures.network(aws), DOMAIN_A);
        this.b = TestStack.platform(aws, networkB, DOMAIN_B);
    }

    private static Pod pod() {
        return Pod.pending(PodId.random(), PodSpec.builder().entrypoint("x").ports(8000).keepWarmSeconds(300).build(), null, Map.of(), Instant.now());
    }

    /** A RUNNING record in the stack's table, its route published and its idle alarm armed: a live pod. */
    private PodId runningPod(AwsPlatform stack, String ip) {
        Pod pod = stack.store().create(pod());
        Pod starting = stack.store().update(pod, pod.moveTo(PodStatus.STARTING, Instant.now())).orElseThrow();
        Pod running = stack.store().update(starting, starting.moveTo(PodStatus.RUNNING, Instant.now())).orElseThrow();
        stack.router().publish(new Route(running.id(), running.id().value(), Map.of(8000, new Endpoint(ip, 8000)), false));
        assertThat(stack.alarms().arm(running, stack.router().targetGroupMetrics(running.id()))).isTrue();
        return running.id();
    }

    private Optional<TargetGroup> targetGroup(PodId pod, int port) {
        return clients.elb().describeTargetGroups().targetGroups().stream()
                .filter(tg -> tg.targetGroupName().equals(AlbRouter.targetGroupName(pod, port))).findFirst();
    }

    private List<Rule> rules(AwsPlatform stack, PodId pod, int port) {
        String host = stack.router().host(pod.value(), port);
        return clients.elb().describeRules(r -> r.listenerArn(stack.config().listenerArns().get(0))).rules().stream()
                .filter(r -> r.conditions().stream().anyMatch(c -> c.hostHeaderConfig() != null && c.hostHeaderConfig().values().contains(host)))
                .toList();
    }

    /** A target group as a publish leaves it when it dies between CreateTargetGroup and CreateRule: tagged, forwarded to by nothing. */
    private String unattachedTargetGroup(AwsPlatform stack, String vpcId, PodId pod) {
        return clients.elb().createTargetGroup(r -> r.name(AlbRouter.targetGroupName(pod, 8000)).protocol(ProtocolEnum.HTTP).port(8000)
                .vpcId(vpcId).targetType(TargetTypeEnum.IP)
                .tags(t -> t.key("berth:managed").value("true"), t -> t.key("berth:pod").value(pod.value()),
                        t -> t.key(AlbRouter.OWNER_TAG).value(AlbRouter.loadBalancerArn(stack.config().listenerArns().get(0)))))
                .targetGroups().get(0).targetGroupArn();
    }

    @Test
    void sweep_ofOneStack_leavesTheOtherStacksLivePodRouted_andCleansItsOwnOrphans() {
        PodId live = runningPod(a, "10.20.1.10");
        String liveGroup = targetGroup(live, 8000).orElseThrow().targetGroupArn();
        // A's publish half-done in a VPC A shares with B (an imported VPC): only A's tag tells it from B's.
        PodId publishingInA = PodId.random();
        String publishingGroup = unattachedTargetGroup(a, networkB.vpcId(), publishingInA);
        // B's own leftovers: a route and an alarm of a pod B has no record of, and a target group its publish left.
        PodId strayRouted = PodId.random();
        b.router().publish(new Route(strayRouted, strayRouted.value(), Map.of(8000, new Endpoint("10.20.1.11", 8000)), false));
        Pod strayArmed = pod();
        assertThat(b.alarms().arm(strayArmed, List.of())).isTrue();
        PodId strayUnattached = PodId.random();
        unattachedTargetGroup(b, networkB.vpcId(), strayUnattached);

        Map<String, Integer> swept = new SweepHandler(b).handleRequest(SCHEDULED, null);

        assertThat(a.store().find(live).map(Pod::status)).contains(PodStatus.RUNNING);
        assertThat(targetGroup(live, 8000)).map(TargetGroup::targetGroupArn).contains(liveGroup);
        assertThat(rules(a, live, 8000)).singleElement()
                .satisfies(rule -> assertThat(rule.actions().get(0).targetGroupArn()).isEqualTo(liveGroup));
        assertThat(a.alarms().describe(live)).hasValueSatisfying(alarm -> assertThat(alarm.alarmActions()).containsExactly(a.config().reaperArn()));
        assertThat(a.alarms().armed()).contains(live);
        assertThat(targetGroup(publishingInA, 8000)).isPresent();

        assertThat(targetGroup(strayRouted, 8000)).isEmpty();
        assertThat(rules(b, strayRouted, 8000)).isEmpty();
        assertThat(b.alarms().describe(strayArmed.id())).isEmpty();
        assertThat(targetGroup(strayUnattached, 8000)).isEmpty();
        assertThat(swept).containsEntry("routesWithdrawn", 2).containsEntry("alarmsDeleted", 1);

        a.router().withdraw(live);
        a.alarms().disarm(live);
        clients.elb().deleteTargetGroup(r -> r.targetGroupArn(publishingGroup));
    }

    @Test
    void router_ofOneStack_seesOnlyItsOwnTargetGroups() {
        PodId live = runningPod(a, "10.20.1.12");

        assertThat(a.router().podsWithTargetGroups()).contains(live);
        assertThat(a.router().targetGroupMetrics(live)).singleElement().satisfies(m -> assertThat(m.port()).isEqualTo(8000));
        assertThat(b.router().podsWithTargetGroups()).doesNotContain(live);
        assertThat(b.router().targetGroupMetrics(live)).isEmpty();
        assertThat(b.alarms().armed()).doesNotContain(live);

        // B withdrawing a pod id it does not own touches none of A's resources.
        b.router().withdraw(live);
        assertThat(targetGroup(live, 8000)).isPresent();
        assertThat(rules(a, live, 8000)).hasSize(1);

        a.router().withdraw(live);
        a.alarms().disarm(live);
        assertThat(targetGroup(live, 8000)).isEmpty();
        assertThat(rules(a, live, 8000)).isEmpty();
    }
}
