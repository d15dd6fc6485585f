package dev.berth.functions.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.AwsPlatform;
import dev.berth.functions.SweepHandler;
import dev.berth.pod.Deployment;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.route.Route;
import dev.berth.run.Endpoint;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetTypeEnum;

/**
 * Two Berth stacks (staging and production) in one account and region, each with its own waker function and its own
 * waker target group name ({@code BERTH_WAKER_TARGET_GROUP}, as the CDK stack sets per stack): a stopped deployment's
 * host rule in each stack forwards to that stack's waker target group, whose only target is that stack's waker. A
 * stack deployed before the variable existed has its rules moved off the shared {@code berth-waker} group by the sweep.
 */
@ExtendWith(EmulatorExtension.class)
class TwoStacksWakerIT {
    private static final String DOMAIN_A = "pods.prod.example.com";
    private static final String DOMAIN_B = "pods.staging.example.com";
    private static final String LABEL = "notebook";

    private static final Map<String, Object> SCHEDULED = Map.of("source", "aws.events", "detail-type", "Scheduled Event");

    private final Emulator aws;
    private final ElasticLoadBalancingV2Client elb;
    private final AwsPlatform a;
    private final AwsPlatform b;
    private final String wakerA = "arn:aws:lambda:us-east-1:123456789012:function:" + Emulator.unique("Berth-waker") + ":live";
    private final String wakerB = "arn:aws:lambda:us-east-1:123456789012:function:" + Emulator.unique("Berth-staging-waker") + ":live";
    private final String groupA = Emulator.unique("berth-waker");
    private final String groupB = Emulator.unique("berth-waker");

    TwoStacksWakerIT(Emulator aws) {
        this.aws = aws;
        this.elb = aws.clients().elb();
        this.a = TestStack.platform(aws, Fixtures.network(aws), DOMAIN_A,
                Map.of("BERTH_WAKER_ARN", wakerA, "BERTH_WAKER_TARGET_GROUP", groupA));
        this.b = TestStack.platform(aws, Fixtures.network(aws), DOMAIN_B,
                Map.of("BERTH_WAKER_ARN", wakerB, "BERTH_WAKER_TARGET_GROUP", groupB));
    }

    /** Publishes a pod of the deployment {@value #LABEL} and withdraws it, as stopping the deployment does. */
    private static void stopDeployment(AwsPlatform stack, String ip) {
        PodId pod = PodId.random();
        stack.router().publish(new Route(pod, LABEL, Map.of(8888, new Endpoint(ip, 8888)), false));
        stack.router().withdraw(pod);
    }

    private Rule hostRule(AwsPlatform stack) {
        String host = stack.router().host(LABEL, 8888);
        List<Rule> rules = elb.describeRules(r -> r.listenerArn(stack.config().listenerArns().get(0))).rules().stream()
                .filter(r -> r.conditions().stream().anyMatch(c -> c.hostHeaderConfig() != null && c.hostHeaderConfig().values().contains(host)))
                .toList();
        assertThat(rules).as("host rules of %s", host).hasSize(1);
        return rules.get(0);
    }

    private TargetGroup targetGroup(String arn) {
        return elb.describeTargetGroups(r -> r.targetGroupArns(arn)).targetGroups().get(0);
    }

    private List<String> targets(String targetGroupArn) {
        return elb.describeTargetHealth(r -> r.targetGroupArn(targetGroupArn)).targetHealthDescriptions().stream()
                .map(TargetHealthDescription::target).map(t -> t.id()).toList();
    }

    @Test
    void stoppedDeployment_ofEachStack_forwardsToItsOwnWakerTargetGroupAndWaker() {
        stopDeployment(a, "10.20.1.20");
        stopDeployment(b, "10.20.1.21");

        String forwardA = hostRule(a).actions().get(0).targetGroupArn();
        String forwardB = hostRule(b).actions().get(0).targetGroupArn();
        assertThat(forwardA).isNotEqualTo(forwardB);
        assertThat(targetGroup(forwardA)).satisfies(tg -> {
            assertThat(tg.targetGroupName()).isEqualTo(groupA);
            assertThat(tg.targetType()).isEqualTo(TargetTypeEnum.LAMBDA);
        });
        assertThat(targetGroup(forwardB)).satisfies(tg -> {
            assertThat(tg.targetGroupName()).isEqualTo(groupB);
            assertThat(tg.targetType()).isEqualTo(TargetTypeEnum.LAMBDA);
        });
        assertThat(targets(forwardA)).containsExactly(wakerA);
        assertThat(targets(forwardB)).containsExactly(wakerB);
        assertThat(a.router().labels()).containsEntry(LABEL, true);
        assertThat(b.router().labels()).containsEntry(LABEL, true);

        a.router().forget(LABEL);
        b.router().forget(LABEL);
        assertThat(a.router().labels()).doesNotContainKey(LABEL);
        assertThat(b.router().labels()).doesNotContainKey(LABEL);
    }

    @Test
    void sweep_afterTheStackNamesItsOwnWakerGroup_movesItsRulesOffTheSharedGroup() {
        String waker = "arn:aws:lambda:us-east-1:123456789012:function:" + Emulator.unique("Berth-legacy-waker") + ":live";
        Map<String, String> env = TestStack.env(aws, Fixtures.network(aws), "pods.legacy.example.com");
        env.put("BERTH_WAKER_ARN", waker);
        // Deployed before BERTH_WAKER_TARGET_GROUP: its stopped deployment forwards to the shared berth-waker group.
        AwsPlatform before = TestStack.platform(aws, env);
        Instant now = Instant.now();
        before.store().createDeployment(new Deployment(LABEL, PodSpec.builder().name(LABEL).entrypoint("x").ports(8888).build(),
                null, Map.of(), now, now, 0));
        stopDeployment(before, "10.20.1.22");
        assertThat(targetGroup(hostRule(before).actions().get(0).targetGroupArn()).targetGroupName()).isEqualTo("berth-waker");
        String ownGroup = Emulator.unique("berth-waker");
        env.put("BERTH_WAKER_TARGET_GROUP", ownGroup);
        AwsPlatform after = TestStack.platform(aws, env);

        Map<String, Integer> swept = new SweepHandler(after).handleRequest(SCHEDULED, null);

        assertThat(swept).containsEntry("wakerRulesMoved", 1).containsEntry("rulesDeleted", 0);
        String forward = hostRule(after).actions().get(0).targetGroupArn();
        assertThat(targetGroup(forward).targetGroupName()).isEqualTo(ownGroup);
        assertThat(targets(forward)).containsExactly(waker);
        assertThat(after.router().labels()).containsEntry(LABEL, true);
        assertThat(new SweepHandler(after).handleRequest(SCHEDULED, null)).containsEntry("wakerRulesMoved", 0);

        after.router().forget(LABEL);
    }
}
