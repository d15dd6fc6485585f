package dev.berth.functions.route;

import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.pod.PodId;
import dev.berth.route.Route;
import dev.berth.route.Router;
import dev.berth.run.Endpoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Action;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ActionTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.DuplicateTargetGroupNameException;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.PriorityInUseException;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.RuleCondition;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Tag;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroup;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupNotFoundException;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetTypeEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TooManyRulesException;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;
import software.amazon.awssdk.services.route53.model.RRType;

/**
 * {@link Router} on a pool of Application Load Balancers: per pod port a target group {@code berth-<pod>-<port>}
 * (type ip, 5 s deregistration delay) holding the task's IP, and on one HTTPS listener a rule
 * {@code host-header = <label>-<port>.<domain>} forwarding to it.
 *
 * <p>One ALB takes at most 100 target groups, so labels spread over the listeners of the pool: a label
 * prefers one listener by hash and keeps all its rules there; a full listener sends it to the next.
 * Priorities come from {@link RulePriorities}, with ELB's {@code PriorityInUse} as the arbiter between
 * concurrent publishers.
 *
 * <p>DNS: the stack's wildcard record {@code *.<domain>} aliases the first ALB of the pool. A label placed on
 * another ALB gets, per port, its own Route 53 alias record {@code <label>-<port>.<domain>} (type A) to that ALB,
 * which wins over the wildcard. The record is written before the host rule (a crash in between leaves a record
 * that leads to the same 404 as the wildcard would) and deleted before the rule (so a retried withdrawal still
 * finds it); it stays while the rule forwards to the waker, which must be reachable too.
 *
 * <p>A deployment's rules survive its pod: when the pod is withdrawn and a waker function is configured,
 * the rules forward to the waker's Lambda target group ({@link Settings#wakerTargetGroup()}, one per stack), which
 * starts the deployment on the next request (publishing its new pod points them back at a target group of the pod).
 * Thread-safe.
 */
public final class AlbRouter implements Router {
    private static final Logger LOG = LoggerFactory.getLogger(AlbRouter.class);
    /**
     * The waker's Lambda target group when {@code BERTH_WAKER_TARGET_GROUP} is unset: the name of stacks deployed before
     * it existed. The CDK stack sets a name of its own per stack ({@code berth-waker-<hash of the stack name>}), since
     * target group names are unique per account and region and two stacks must not share a waker.
     */
    public static final String DEFAULT_WAKER_TARGET_GROUP = "berth-waker";
    private static final java.util.regex.Pattern TARGET_GROUP_NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?");
    /**
     * The tag naming the stack a pod target group was made for (value: {@link Settings#owner()}); it tells the
     * stack's unattached target groups from another stack's in a shared VPC.
     */
    public static final String OWNER_TAG = "berth:pool";
    /** DescribeTags takes at most 20 resource ARNs per call. */
    private static final int TAGS_PER_CALL = 20;
    private static final java.util.regex.Pattern LISTENER_ARN =
            java.util.regex.Pattern.compile("(arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*):listener/app/([^/]+)/([^/]+)/[^/]+");
    private static final int ATTEMPTS = 20;

    private final ElasticLoadBalancingV2Client elb;
    private final Route53Client route53;
    private final Settings settings;
    private volatile String wakerTargetGroup;

    /**
     * @param listenerArns        HTTPS listeners, one per ALB of the pool
     * @param wakerArn            the waker function, or {@code null} to delete a deployment's rules with its pod
     * @param maxRulesPerListener 100 by default (ELB's limit of target groups per ALB and default rules per listener)
     * @param dns                 where records for labels on ALBs 2..n go, or {@code null} (then a pool of one ALB)
     * @param wakerTargetGroup    name of the stack's own Lambda target group holding the waker; {@code null} for
     *                            {@value #DEFAULT_WAKER_TARGET_GROUP}
     */
    public record Settings(String vpcId, List<String> listenerArns, String domain, String wakerArn, int maxRulesPerListener, Dns dns,
            String wakerTargetGroup) {
        public Settings {
            Objects.requireNonNull(vpcId, "vpcId");
            listenerArns = List.copyOf(listenerArns);
            if (listenerArns.isEmpty()) {
                throw new IllegalArgumentException("listenerArns is empty");
            }
            listenerArns.forEach(AlbRouter::loadBalancerArn);
            Objects.requireNonNull(domain, "domain");
            if (dns != null && dns.loadBalancers().size() != listenerArns.size()) {
                throw new IllegalArgumentException("dns names " + dns.loadBalancers().size() + " load balancers but there are "
                        + listenerArns.size() + " listeners; give one load balancer per listener, in the same order");
            }
            wakerTargetGroup = wakerTargetGroup == null ? DEFAULT_WAKER_TARGET_GROUP : wakerTargetGroup;
            String problem = wakerTargetGroupNameProblem(wakerTargetGroup);
            if (problem != null) {
                throw new IllegalArgumentException("wakerTargetGroup '" + wakerTargetGroup + "' " + problem);
            }
        }

        public Settings(String vpcId, List<String> listenerArns, String domain, String wakerArn, int maxRulesPerListener, Dns dns) {
            this(vpcId, listenerArns, domain, wakerArn, maxRulesPerListener, dns, null);
        }

        /** The load balancer of each listener, in the same order: the stack's own, the only ones its target groups may be attached to. */
        public List<String> loadBalancerArns() {
            return listenerArns.stream().map(AlbRouter::loadBalancerArn).toList();
        }

        /**
         * The value of the {@value #OWNER_TAG} tag on the stack's target groups: the ARN of the pool's first load
         * balancer, which exists once per stack (the wildcard record aliases it) and lives as long as the stack.
         */
        public String owner() {
            return loadBalancerArn(listenerArns.get(0));
        }

        public Settings(String vpcId, List<String> listenerArns, String domain, String wakerArn, int maxRulesPerListener) {
            this(vpcId, listenerArns, domain, wakerArn, maxRulesPerListener, null);
        }

        public Settings(String vpcId, List<String> listenerArns, String domain, String wakerArn) {
            this(vpcId, listenerArns, domain, wakerArn, 100, null);
        }

        public Settings(String vpcId, List<String> listenerArns, String domain, String wakerArn, Dns dns) {
            this(vpcId, listenerArns, domain, wakerArn, 100, dns);
        }
    }

    /**
     * The public hosted zone of the pod domain and each ALB of the pool as an alias target.
     *
     * @param loadBalancers one per listener, in the same order
     */
    public record Dns(String hostedZoneId, List<AliasTarget> loadBalancers) {
        public Dns {
            Objects.requireNonNull(hostedZoneId, "hostedZoneId");
            loadBalancers = List.copyOf(loadBalancers);
        }
    }

    /** An ALB as a Route 53 alias target: its DNS name and its canonical hosted zone id. */
    public record AliasTarget(String dnsName, String canonicalHostedZoneId) {
        public AliasTarget {
            Objects.requireNonNull(dnsName, "dnsName");
            Objects.requireNonNull(canonicalHostedZoneId, "canonicalHostedZoneId");
        }
    }

    /** The CloudWatch dimensions of one target group: {@code targetgroup/…} and {@code app/…}. */
    public record TargetGroupMetric(int port, String targetGroup, String loadBalancer) {
    }

    /** A router that writes no DNS records: {@code settings.dns()} must be {@code null}. */
    public AlbRouter(ElasticLoadBalancingV2Client elb, Settings settings) {
        this(elb, null, settings);
    }

    /** @param route53 the Route 53 client, needed when {@code settings.dns()} is set */
    public AlbRouter(ElasticLoadBalancingV2Client elb, Route53Client route53, Settings settings) {
        this.elb = Objects.requireNonNull(elb, "elb");
        this.settings = Objects.requireNonNull(settings, "settings");
        if (settings.dns() != null) {
            Objects.requireNonNull(route53, "route53 (settings name a hosted zone)");
        }
        this.route53 = route53;
    }

    /**
     * Why a name cannot be the waker's target group, or {@code null} if it can: ELB allows 1 to 32 alphanumerics and
     * hyphens, not starting or ending with a hyphen nor starting with {@code internal-}; and a name of the pod form
     * {@code berth-<podId>-…} would make the router take the waker's group for a pod's (and the sweep delete it).
     */
    public static String wakerTargetGroupNameProblem(String name) {
        if (name == null || !TARGET_GROUP_NAME.matcher(name).matches()) {
            return "is not a target group name; give 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen";
        }
        if (name.toLowerCase(java.util.Locale.ROOT).startsWith("internal-")) {
            return "starts with 'internal-', which ELB reserves; give another name";
        }
        if (podOf(name).isPresent()) {
            return "has the form of a pod's target group (berth-<podId>-<port>); give another name, such as berth-waker-<stack>";
        }
        return null;
    }

    public static String targetGroupName(PodId pod, int port) {
        return "berth-" + pod.value() + "-" + port;
    }

    public String host(String label, int port) {
        return label + "-" + port + "." + settings.domain();
    }

    @Override
    public void publish(Route route) {
        String listener = listenerFor(route.label(), route.targets().size());
        for (int port : route.targets().keySet()) {
            record(listener, host(route.label(), port), ChangeAction.UPSERT);
        }
        for (Map.Entry<Integer, Endpoint> target : route.targets().entrySet()) {
            int port = target.getKey();
            String tg = targetGroup(route.podId(), route.label(), port);
            elb.registerTargets(r -> r.targetGroupArn(tg).targets(t -> t.id(target.getValue().host()).port(target.getValue().port())));
            forward(listener, host(route.label(), port), tg, route.podId());
        }
        LOG.info("podId={} label={} published on {}", route.podId(), route.label(), listener);
    }

    @Override
    public void withdraw(PodId podId) {
        List<TargetGroup> groups = ownTargetGroups(podId);
        if (groups.isEmpty()) {
            return;
        }
        Set<String> arns = new HashSet<>();
        groups.forEach(g -> arns.add(g.targetGroupArn()));
        for (String listener : settings.listenerArns()) {
            for (Rule rule : rules(listener)) {
                Optional<String> forwardsTo = forwardTarget(rule);
                if (forwardsTo.isPresent() && arns.contains(forwardsTo.get())) {
                    String label = hostLabel(rule);
                    if (settings.wakerArn() != null && label != null && !PodId.looksLikePodId(label)) {
                        String waker = wakerTargetGroup();
                        elb.modifyRule(r -> r.ruleArn(rule.ruleArn()).actions(forwardTo(waker)));
                    } else {
                        deleteRule(listener, rule);
                    }
                }
            }
        }
        for (TargetGroup group : groups) {
            try {
                elb.deleteTargetGroup(r -> r.targetGroupArn(group.targetGroupArn()));
            } catch (TargetGroupNotFoundException e) {
                // withdrawn concurrently: done either way
            }
        }
        LOG.info("podId={} withdrawn ({} target groups)", podId, groups.size());
    }

    /** Removes every rule for a label's hosts (a deleted deployment's waker rules). */
    public void forget(String label) {
        for (String listener : settings.listenerArns()) {
            for (Rule rule : rules(listener)) {
                if (label.equals(hostLabel(rule))) {
                    deleteRule(listener, rule);
                }
            }
        }
    }

    /**
     * Pod ids that own one of this stack's target groups (for the sweep to find what no record explains); another
     * stack's groups in the same account and region are not listed (see {@link #ownTargetGroups}).
     */
    public Set<PodId> podsWithTargetGroups() {
        Set<PodId> pods = new HashSet<>();
        ownTargetGroups(null).forEach(tg -> podOf(tg.targetGroupName()).ifPresent(pods::add));
        return pods;
    }

    /**
     * Points this stack's rules that still forward to the shared {@value #DEFAULT_WAKER_TARGET_GROUP} group (stopped
     * deployments of a stack deployed before {@code BERTH_WAKER_TARGET_GROUP}) at the stack's own waker group: once the
     * stack names its own group, the waker may no longer be invoked from the shared one. Only rules on the stack's own
     * listeners are touched; the shared group itself is left (another stack may still use it).
     *
     * @return how many rules were moved
     */
    public int moveRulesOffSharedWakerGroup() {
        if (settings.wakerArn() == null || DEFAULT_WAKER_TARGET_GROUP.equals(settings.wakerTargetGroup())) {
            return 0;
        }
        String shared;
        try {
            shared = elb.describeTargetGroups(r -> r.names(DEFAULT_WAKER_TARGET_GROUP)).targetGroups().get(0).targetGroupArn();
        } catch (TargetGroupNotFoundException e) {
            return 0;
        }
        int moved = 0;
        for (String listener : settings.listenerArns()) {
            for (Rule rule : rules(listener)) {
                if (shared.equals(forwardTarget(rule).orElse(null))) {
                    String waker = wakerTargetGroup();
                    elb.modifyRule(r -> r.ruleArn(rule.ruleArn()).actions(forwardTo(waker)));
                    moved++;
                }
            }
        }
        if (moved > 0) {
            LOG.info("{} rules moved from the shared waker target group {} to {}", moved, DEFAULT_WAKER_TARGET_GROUP, settings.wakerTargetGroup());
        }
        return moved;
    }

    /** Labels that have host rules on the pool, with whether each forwards to the waker. */
    public Map<String, Boolean> labels() {
        Map<String, Boolean> labels = new java.util.TreeMap<>();
        String waker = settings.wakerArn() == null ? null : wakerTargetGroup;
        for (String listener : settings.listenerArns()) {
            for (Rule rule : rules(listener)) {
                String label = hostLabel(rule);
                if (label != null) {
                    labels.put(label, waker != null && waker.equals(forwardTarget(rule).orElse(null)));
                }
            }
        }
        return labels;
    }

    /** The target groups of a pod with their CloudWatch dimensions. */
    public List<TargetGroupMetric> targetGroupMetrics(PodId podId) {
        List<TargetGroupMetric> metrics = new ArrayList<>();
        for (TargetGroup tg : ownTargetGroups(podId)) {
            if (!tg.loadBalancerArns().isEmpty()) {
                metrics.add(new TargetGroupMetric(tg.port(), dimension(tg.targetGroupArn(), "targetgroup/"),
                        dimension(tg.loadBalancerArns().get(0), "app/")));
            }
        }
        return metrics;
    }

    /**
     * The load balancer of an ALB listener: {@code arn:…:elasticloadbalancing:<region>:<account>:listener/app/<name>/<lb-id>/<listener-id>}
     * becomes {@code arn:…:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<lb-id>}.
     *
     * @throws IllegalArgumentException if the ARN is not one of an Application Load Balancer's listener
     */
    public static String loadBalancerArn(String listenerArn) {
        var m = listenerArn == null ? null : LISTENER_ARN.matcher(listenerArn);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("listener ARN '" + listenerArn + "' is not one of an Application Load Balancer's listener;"
                    + " give one like arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/berth/50dc6c495c0c9188/f2f7dc8efc522ab2"
                    + " (BERTH_LISTENER_ARNS, set by the Berth CDK stack)");
        }
        return m.group(1) + ":loadbalancer/app/" + m.group(2) + "/" + m.group(3);
    }

    /**
     * This stack's pod target groups ({@code berth-<pod>-<port>}), of one pod or of all when {@code podId} is
     * {@code null}. Target group names are unique per account and region, not per stack, so a name says nothing of
     * whose a group is. A group is the stack's when it is in the stack's VPC and either forwarded to by the stack's
     * load balancers only, or forwarded to by none (just created, or its rules already deleted) and tagged
     * {@value #OWNER_TAG} with {@link Settings#owner()}: the VPC may be imported and shared with another stack.
     */
    private List<TargetGroup> ownTargetGroups(PodId podId) {
        Set<String> ours = Set.copyOf(settings.loadBalancerArns());
        String prefix = podId == null ? null : "berth-" + podId.value() + "-";
        List<TargetGroup> own = new ArrayList<>();
        List<TargetGroup> unattached = new ArrayList<>();
        elb.describeTargetGroupsPaginator(r -> { }).targetGroups().forEach(tg -> {
            boolean named = prefix == null ? podOf(tg.targetGroupName()).isPresent() : tg.targetGroupName().startsWith(prefix);
            if (!named || !settings.vpcId().equals(tg.vpcId())) {
                return;
            }
            if (tg.loadBalancerArns().isEmpty()) {
                unattached.add(tg);
            } else if (ours.containsAll(tg.loadBalancerArns())) {
                own.add(tg);
            }
        });
        for (int from = 0; from < unattached.size(); from += TAGS_PER_CALL) {
            List<TargetGroup> batch = unattached.subList(from, Math.min(unattached.size(), from + TAGS_PER_CALL));
            Set<String> owned = owned(batch.stream().map(TargetGroup::targetGroupArn).toList());
            batch.stream().filter(tg -> owned.contains(tg.targetGroupArn())).forEach(own::add);
        }
        return own;
    }

    /** Which of up to 20 target groups carry this stack's owner tag; a group deleted meanwhile is not owned. */
    private Set<String> owned(List<String> targetGroupArns) {
        Set<String> owned = new HashSet<>();
        try {
            elb.describeTags(r -> r.resourceArns(targetGroupArns)).tagDescriptions()
                    .forEach(d -> d.tags().stream().filter(t -> OWNER_TAG.equals(t.key()) && settings.owner().equals(t.value()))
                            .findFirst().ifPresent(t -> owned.add(d.resourceArn())));
        } catch (TargetGroupNotFoundException e) {
            if (targetGroupArns.size() == 1) {
                return owned;
            }
            // One of them was deleted after it was listed: ask for each alone.
            targetGroupArns.forEach(arn -> owned.addAll(owned(List.of(arn))));
        }
        return owned;
    }

    private static String dimension(String arn, String marker) {
        int at = arn.indexOf(marker);
        return at < 0 ? arn : arn.substring(at);
    }

    private String listenerFor(String label, int ports) {
        List<String> listeners = settings.listenerArns();
        for (String listener : listeners) {
            if (rules(listener).stream().anyMatch(rule -> label.equals(hostLabel(rule)))) {
                return listener;
            }
        }
        int first = RulePriorities.preferredListener(label, listeners.size());
        for (int i = 0; i < listeners.size(); i++) {
            String listener = listeners.get((first + i) % listeners.size());
            long used = rules(listener).stream().filter(rule -> !rule.isDefault()).count();
            if (used + ports <= settings.maxRulesPerListener()) {
                return listener;
            }
        }
        throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Every ALB of the pool is full (" + listeners.size() + " listeners × "
                + settings.maxRulesPerListener() + " rules); add an ALB to the stack's pool or stop pods", null);
    }

    private String targetGroup(PodId podId, String label, int port) {
        String name = targetGroupName(podId, port);
        String arn;
        try {
            arn = elb.createTargetGroup(r -> r.name(name).protocol(ProtocolEnum.HTTP).port(port).vpcId(settings.vpcId())
                    .targetType(TargetTypeEnum.IP)
                    .healthCheckPath("/").matcher(m -> m.httpCode("200-499"))
                    .tags(tag("berth:managed", "true"), tag("berth:pod", podId.value()), tag("berth:label", label),
                            tag(OWNER_TAG, settings.owner())))
                    .targetGroups().get(0).targetGroupArn();
        } catch (DuplicateTargetGroupNameException e) {
            arn = elb.describeTargetGroups(r -> r.names(name)).targetGroups().get(0).targetGroupArn();
        }
        String tg = arn;
        elb.modifyTargetGroupAttributes(r -> r.targetGroupArn(tg).attributes(a -> a.key("deregistration_delay.timeout_seconds").value("5")));
        return tg;
    }

    /** Points the host's rule at a target group, creating the rule with a free priority if there is none. */
    private void forward(String listener, String host, String targetGroup, PodId podId) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            List<Rule> rules = rules(listener);
            Optional<Rule> existing = rules.stream().filter(rule -> host.equals(host(rule))).findFirst();
            if (existing.isPresent()) {
                elb.modifyRule(r -> r.ruleArn(existing.get().ruleArn()).actions(forwardTo(targetGroup)));
                return;
            }
            Set<Integer> used = new HashSet<>();
            rules.stream().filter(rule -> !rule.isDefault()).forEach(rule -> used.add(Integer.parseInt(rule.priority())));
            int priority = RulePriorities.pick(used, ThreadLocalRandom.current());
            try {
                elb.createRule(r -> r.listenerArn(listener).priority(priority)
                        .conditions(RuleCondition.builder().field("host-header").hostHeaderConfig(h -> h.values(host)).build())
                        .actions(forwardTo(targetGroup))
                        .tags(tag("berth:managed", "true"), tag("berth:pod", podId.value())));
                return;
            } catch (PriorityInUseException e) {
                LOG.debug("priority {} taken on {}; picking again", priority, listener);
            } catch (TooManyRulesException e) {
                throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Listener " + listener + " has no room for the rule of " + host
                        + "; add an ALB to the stack's pool or stop pods", e);
            }
        }
        throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Could not find a free rule priority for " + host + " after "
                + ATTEMPTS + " attempts; retry", null);
    }

    /** Deletes a host rule, and first the DNS record of its host if it has one. */
    private void deleteRule(String listener, Rule rule) {
        String host = host(rule);
        if (host != null) {
            record(listener, host, ChangeAction.DELETE);
        }
        elb.deleteRule(r -> r.ruleArn(rule.ruleArn()));
    }

    /**
     * Writes or deletes the alias record of a host on a listener other than the first; the first ALB is behind
     * the stack's wildcard record. Deleting a record that is not there is done.
     */
    private void record(String listener, String host, ChangeAction action) {
        int index = settings.listenerArns().indexOf(listener);
        if (settings.dns() == null || index <= 0) {
            return;
        }
        AliasTarget alb = settings.dns().loadBalancers().get(index);
        try {
            route53.changeResourceRecordSets(r -> r.hostedZoneId(settings.dns().hostedZoneId()).changeBatch(b -> b
                    .comment("Berth: " + host + " on load balancer " + (index + 1) + " of the pool")
                    .changes(c -> c.action(action).resourceRecordSet(rr -> rr.name(host).type(RRType.A)
                            .aliasTarget(a -> a.dnsName(alb.dnsName()).hostedZoneId(alb.canonicalHostedZoneId()).evaluateTargetHealth(false))))));
            LOG.info("host={} record {} -> {}", host, action, alb.dnsName());
        } catch (InvalidChangeBatchException e) {
            if (action != ChangeAction.DELETE) {
                throw e;
            }
            LOG.debug("host={} had no record to delete: {}", host, e.getMessage());
        }
    }

    private String wakerTargetGroup() {
        String arn = wakerTargetGroup;
        if (arn == null) {
            try {
                arn = elb.createTargetGroup(r -> r.name(settings.wakerTargetGroup()).targetType(TargetTypeEnum.LAMBDA)
                        .tags(tag("berth:managed", "true"))).targetGroups().get(0).targetGroupArn();
            } catch (DuplicateTargetGroupNameException e) {
                arn = elb.describeTargetGroups(r -> r.names(settings.wakerTargetGroup())).targetGroups().get(0).targetGroupArn();
            }
            String tg = arn;
            elb.registerTargets(r -> r.targetGroupArn(tg).targets(t -> t.id(settings.wakerArn())));
            wakerTargetGroup = arn;
        }
        return arn;
    }

    private List<Rule> rules(String listener) {
        List<Rule> rules = new ArrayList<>();
        String marker = null;
        do {
            String m = marker;
            var page = elb.describeRules(r -> r.listenerArn(listener).marker(m).pageSize(400));
            rules.addAll(page.rules());
            marker = page.nextMarker();
        } while (marker != null && !marker.isEmpty());
        return rules;
    }

    private static String host(Rule rule) {
        for (RuleCondition condition : rule.conditions()) {
            if ("host-header".equals(condition.field())) {
                if (condition.hostHeaderConfig() != null && !condition.hostHeaderConfig().values().isEmpty()) {
                    return condition.hostHeaderConfig().values().get(0);
                }
                if (!condition.values().isEmpty()) {
                    return condition.values().get(0);
                }
            }
        }
        return null;
    }

    private String hostLabel(Rule rule) {
        String host = host(rule);
        String suffix = "." + settings.domain();
        if (host == null || !host.endsWith(suffix)) {
            return null;
        }
        String first = host.substring(0, host.length() - suffix.length());
        int dash = first.lastIndexOf('-');
        return dash <= 0 ? null : first.substring(0, dash);
    }

    private static Optional<String> forwardTarget(Rule rule) {
        return rule.actions().stream().filter(a -> a.type() == ActionTypeEnum.FORWARD)
                .map(a -> a.targetGroupArn() != null ? a.targetGroupArn()
                        : a.forwardConfig() == null || a.forwardConfig().targetGroups().isEmpty() ? null
                        : a.forwardConfig().targetGroups().get(0).targetGroupArn())
                .filter(Objects::nonNull).findFirst();
    }

    static Optional<PodId> podOf(String targetGroupName) {
        if (!targetGroupName.startsWith("berth-")) {
            return Optional.empty();
        }
        String rest = targetGroupName.substring("berth-".length());
        int dash = rest.indexOf('-');
        String id = dash < 0 ? rest : rest.substring(0, dash);
        return PodId.looksLikePodId(id) ? Optional.of(PodId.of(id)) : Optional.empty();
    }

    private static Action forwardTo(String targetGroup) {
        return Action.builder().type(ActionTypeEnum.FORWARD).targetGroupArn(targetGroup).build();
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
