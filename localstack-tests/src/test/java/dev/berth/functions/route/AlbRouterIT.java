package dev.berth.functions.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.pod.PodId;
import dev.berth.route.Route;
import dev.berth.run.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.route53.model.RRType;

@ExtendWith(EmulatorExtension.class)
class AlbRouterIT {
    private static final String DOMAIN = "pods.example.com";
    private final Emulator aws;
    private final ElasticLoadBalancingV2Client elb;
    private final Fixtures.Network network;

    AlbRouterIT(Emulator aws) {
        this.aws = aws;
        this.elb = aws.clients().elb();
        this.network = Fixtures.network(aws);
    }

    private AlbRouter router(List<String> listeners, String waker) {
        return new AlbRouter(elb, new AlbRouter.Settings(network.vpcId(), listeners, DOMAIN, waker));
    }

    private List<Rule> hostRules(String listener) {
        List<Rule> rules = new ArrayList<>();
        String marker = null;
        do {
            String m = marker;
            var page = elb.describeRules(r -> r.listenerArn(listener).marker(m));
            rules.addAll(page.rules());
            marker = page.nextMarker();
        } while (marker != null);
        return rules.stream().filter(r -> !r.isDefault()).toList();
    }

    private static String host(Rule rule) {
        return rule.conditions().get(0).hostHeaderConfig() != null && !rule.conditions().get(0).hostHeaderConfig().values().isEmpty()
                ? rule.conditions().get(0).hostHeaderConfig().values().get(0) : rule.conditions().get(0).values().get(0);
    }

    private TargetGroup targetGroup(String name) {
        return elb.describeTargetGroups(r -> r.names(name)).targetGroups().get(0);
    }

    @Test
    void publish_createsTargetGroupWithIpTargetAndHostRule_withdrawRemovesBoth() {
        List<String> listeners = Fixtures.listeners(aws, network, 1);
        AlbRouter router = router(listeners, null);
        PodId pod = PodId.random();

        router.publish(new Route(pod, pod.value(), Map.of(8888, new Endpoint("10.20.1.7", 8888)), false));

        TargetGroup tg = targetGroup(AlbRouter.targetGroupName(pod, 8888));
        assertThat(tg.targetTypeAsString()).isEqualTo("ip");
        assertThat(elb.describeTargetHealth(r -> r.targetGroupArn(tg.targetGroupArn())).targetHealthDescriptions())
                .extracting(d -> d.target().id() + ":" + d.target().port()).containsExactly("10.20.1.7:8888");
        assertThat(elb.describeTargetGroupAttributes(r -> r.targetGroupArn(tg.targetGroupArn())).attributes())
                .anySatisfy(a -> {
                    assertThat(a.key()).isEqualTo("deregistration_delay.timeout_seconds");
                    assertThat(a.value()).isEqualTo("5");
                });
        List<Rule> rules = hostRules(listeners.get(0));
        assertThat(rules).hasSize(1);
        assertThat(host(rules.get(0))).isEqualTo(pod.value() + "-8888." + DOMAIN);
        assertThat(rules.get(0).actions().get(0).targetGroupArn()).isEqualTo(tg.targetGroupArn());

        router.withdraw(pod);
        router.withdraw(pod);

        assertThat(hostRules(listeners.get(0))).isEmpty();
        assertThat(elb.describeTargetGroups().targetGroups()).noneMatch(g -> g.targetGroupName().startsWith("berth-" + pod.value()));
    }

    @Test
    void publish_whenDeploymentGetsNewPod_movesItsRuleAndWithdrawOfOldPodKeepsIt() {
        List<String> listeners = Fixtures.listeners(aws, network, 1);
        AlbRouter router = router(listeners, null);
        PodId first = PodId.random();
        PodId second = PodId.random();

        router.publish(new Route(first, "notebook", Map.of(8888, new Endpoint("10.20.1.8", 8888)), false));
        router.publish(new Route(second, "notebook", Map.of(8888, new Endpoint("10.20.1.9", 8888)), false));
        router.withdraw(first);

        List<Rule> rules = hostRules(listeners.get(0));
        assertThat(rules).singleElement().satisfies(rule -> {
            assertThat(host(rule)).isEqualTo("notebook-8888." + DOMAIN);
            assertThat(rule.actions().get(0).targetGroupArn()).isEqualTo(targetGroup(AlbRouter.targetGroupName(second, 8888)).targetGroupArn());
        });
    }

    @Test
    void withdraw_ofDeploymentPodWithWaker_pointsRuleAtWakerTargetGroup() {
        List<String> listeners = Fixtures.listeners(aws, network, 1);
        AlbRouter router = router(listeners, "arn:aws:lambda:us-east-1:123456789012:function:berth-waker");
        PodId pod = PodId.random();
        router.publish(new Route(pod, "app", Map.of(8080, new Endpoint("10.20.1.10", 8080)), false));

        router.withdraw(pod);

        String waker = targetGroup(AlbRouter.DEFAULT_WAKER_TARGET_GROUP).targetGroupArn();
        assertThat(hostRules(listeners.get(0))).singleElement()
                .satisfies(rule -> assertThat(rule.actions().get(0).targetGroupArn()).isEqualTo(waker));
        assertThat(router.labels()).containsEntry("app", true);

        router.forget("app");
        assertThat(hostRules(listeners.get(0))).isEmpty();
    }

    @Test
    void publish_150PodsConcurrentlyOverTwoAlbs_noPriorityCollisionAndNoAlbOverfull() throws Exception {
        List<String> listeners = Fixtures.listeners(aws, network, 2);
        AlbRouter router = router(listeners, null);
        List<PodId> pods = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            pods.add(PodId.random());
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < pods.size(); i++) {
                PodId pod = pods.get(i);
                String ip = "10.20." + (1 + i / 200) + "." + (10 + i % 200);
                done.add(pool.submit(() -> router.publish(new Route(pod, pod.value(), Map.of(8000, new Endpoint(ip, 8000)), false))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }

        Map<String, String> listenerOfHost = new HashMap<>();
        for (String listener : listeners) {
            List<Rule> rules = hostRules(listener);
            assertThat(rules).extracting(Rule::priority).doesNotHaveDuplicates();
            assertThat(rules).hasSizeBetween(1, 100);
            rules.forEach(rule -> assertThat(listenerOfHost.put(host(rule), listener)).isNull());
        }
        assertThat(listenerOfHost.keySet()).containsExactlyInAnyOrderElementsOf(
                pods.stream().map(p -> p.value() + "-8000." + DOMAIN).toList());
    }

    /** The A records of the zone, name → alias target DNS name (trailing dots dropped). */
    private Map<String, String> aliasRecords(String zone) {
        Map<String, String> records = new HashMap<>();
        aws.clients().route53().listResourceRecordSetsPaginator(r -> r.hostedZoneId(zone)).resourceRecordSets().forEach(rr -> {
            if (rr.type() == RRType.A && rr.aliasTarget() != null) {
                records.put(stripDot(rr.name()), stripDot(rr.aliasTarget().dnsName()) + "@" + rr.aliasTarget().hostedZoneId());
            }
        });
        return records;
    }

    private static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** A label the pool places on the given listener first. */
    private static String labelOn(int listener, String prefix) {
        for (int i = 0; ; i++) {
            String label = prefix + i;
            if (RulePriorities.preferredListener(label, 2) == listener) {
                return label;
            }
        }
    }

    @Test
    void publish_onSecondAlb_writesAliasRecordToIt_firstAlbNeedsNone_withdrawAndForgetDeleteIt() {
        List<String> listeners = Fixtures.listeners(aws, network, 2);
        List<AlbRouter.AliasTarget> albs = Fixtures.aliasTargets(aws, listeners);
        String zone = Fixtures.hostedZone(aws, DOMAIN);
        AlbRouter router = new AlbRouter(elb, aws.clients().route53(), new AlbRouter.Settings(network.vpcId(), listeners, DOMAIN,
                "arn:aws:lambda:us-east-1:123456789012:function:berth-waker", new AlbRouter.Dns(zone, albs)));
        String first = labelOn(0, "first");
        String second = labelOn(1, "second");
        PodId onFirst = PodId.random();
        PodId onSecond = PodId.random();

        router.publish(new Route(onFirst, first, Map.of(8000, new Endpoint("10.20.1.20", 8000)), false));
        router.publish(new Route(onSecond, second, Map.of(8000, new Endpoint("10.20.1.21", 8000), 9000, new Endpoint("10.20.1.21", 9000)), false));

        assertThat(hostRules(listeners.get(1))).extracting(AlbRouterIT::host)
                .containsExactlyInAnyOrder(second + "-8000." + DOMAIN, second + "-9000." + DOMAIN);
        String secondAlb = stripDot(albs.get(1).dnsName()) + "@" + albs.get(1).canonicalHostedZoneId();
        assertThat(aliasRecords(zone)).containsOnly(
                Map.entry(second + "-8000." + DOMAIN, secondAlb), Map.entry(second + "-9000." + DOMAIN, secondAlb));

        // At zero the rules forward to the waker, which must stay reachable: the records stay.
        router.withdraw(onSecond);
        assertThat(router.labels()).containsEntry(second, true);
        assertThat(aliasRecords(zone)).containsOnlyKeys(second + "-8000." + DOMAIN, second + "-9000." + DOMAIN);

        router.forget(second);
        router.forget(second);
        assertThat(aliasRecords(zone)).isEmpty();
        assertThat(hostRules(listeners.get(1))).isEmpty();
    }

    @Test
    void withdraw_ofPodOnSecondAlbWithoutWaker_deletesRecordWithRule_andAgainIsANoOp() {
        List<String> listeners = Fixtures.listeners(aws, network, 2);
        String zone = Fixtures.hostedZone(aws, DOMAIN);
        AlbRouter router = new AlbRouter(elb, aws.clients().route53(), new AlbRouter.Settings(network.vpcId(), listeners, DOMAIN,
                null, new AlbRouter.Dns(zone, Fixtures.aliasTargets(aws, listeners))));
        PodId pod = PodId.random();
        String label = labelOn(1, "p");

        router.publish(new Route(pod, label, Map.of(8888, new Endpoint("10.20.1.22", 8888)), false));
        assertThat(aliasRecords(zone)).containsOnlyKeys(label + "-8888." + DOMAIN);

        router.withdraw(pod);
        router.withdraw(pod);

        assertThat(aliasRecords(zone)).isEmpty();
        assertThat(hostRules(listeners.get(1))).isEmpty();
    }
}
