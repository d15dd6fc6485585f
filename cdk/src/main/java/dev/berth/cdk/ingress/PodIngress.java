package dev.berth.cdk.ingress;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.certificatemanager.CertificateProps;
import software.amazon.awscdk.services.certificatemanager.CertificateValidation;
import software.amazon.awscdk.services.certificatemanager.ICertificate;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseApplicationListenerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.FixedResponseOptions;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerAction;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerCertificate;
import software.amazon.awscdk.services.elasticloadbalancingv2.RedirectOptions;
import software.amazon.awscdk.services.elasticloadbalancingv2.SslPolicy;
import software.amazon.awscdk.services.route53.ARecord;
import software.amazon.awscdk.services.route53.ARecordProps;
import software.amazon.awscdk.services.route53.RecordTarget;
import software.amazon.awscdk.services.route53.targets.LoadBalancerTarget;
import software.constructs.Construct;

/**
 * The way in to pods: a pool of internet-facing ALBs, each with an HTTPS listener on a wildcard certificate
 * (default action 404; the functions add one host-header rule per pod port) and an HTTP listener that redirects
 * to HTTPS; a Route 53 wildcard record; the task security group opened to the ALBs only.
 *
 * <p>The wildcard record {@code *.<podDomain>} aliases the first load balancer of the pool. Pods routed to
 * another load balancer of the pool get their own alias record ({@code <label>-<port>.<podDomain>}), which wins
 * over the wildcard: the functions write it from {@code BERTH_LOAD_BALANCER_DNS_NAMES} /
 * {@code BERTH_LOAD_BALANCER_ZONE_IDS} (see {@code docs/aws-contract.md}).
 */
public final class PodIngress extends Construct {
    private final List<ApplicationLoadBalancer> loadBalancers = new ArrayList<>();
    private final List<ApplicationListener> httpsListeners = new ArrayList<>();
    private final ICertificate certificate;
    private final SecurityGroup loadBalancerSecurityGroup;

    public PodIngress(Construct scope, String id, PodIngressProps props) {
        super(scope, id);
        String wildcard = "*." + props.podDomain();
        this.certificate = props.certificateArn() != null
                ? Certificate.fromCertificateArn(this, "Certificate", props.certificateArn())
                : new Certificate(this, "Certificate", CertificateProps.builder()
                        .domainName(wildcard)
                        .validation(CertificateValidation.fromDns(props.hostedZone()))
                        .build());

        this.loadBalancerSecurityGroup = new SecurityGroup(this, "LoadBalancerSecurityGroup", SecurityGroupProps.builder()
                .vpc(props.vpc())
                .description("Berth load balancers: HTTPS and HTTP (redirect) from anywhere")
                .allowAllOutbound(false)
                .build());
        loadBalancerSecurityGroup.addIngressRule(Peer.anyIpv4(), Port.tcp(443), "HTTPS");
        loadBalancerSecurityGroup.addIngressRule(Peer.anyIpv4(), Port.tcp(80), "HTTP, redirected to HTTPS");
        // Pods listen on any port the user names; only the load balancers may reach them.
        loadBalancerSecurityGroup.addEgressRule(props.taskSecurityGroup(), Port.tcpRange(1, 65535), "to pod tasks");
        props.taskSecurityGroup().addIngressRule(loadBalancerSecurityGroup, Port.tcpRange(1, 65535), "from Berth load balancers");

        for (int i = 0; i < props.poolSize(); i++) {
            ApplicationLoadBalancer alb = new ApplicationLoadBalancer(this, "Alb" + i, ApplicationLoadBalancerProps.builder()
                    .vpc(props.vpc())
                    .vpcSubnets(props.subnets())
                    .internetFacing(true)
                    .securityGroup(loadBalancerSecurityGroup)
                    .dropInvalidHeaderFields(true)
                    .idleTimeout(Duration.seconds(3600)) // notebooks and terminals hold quiet WebSockets open
                    .build());
            ApplicationListener https = alb.addListener("Https", BaseApplicationListenerProps.builder()
                    .protocol(ApplicationProtocol.HTTPS)
                    .port(443)
                    .open(false)
                    .sslPolicy(SslPolicy.RECOMMENDED_TLS)
                    .certificates(List.of(ListenerCertificate.fromCertificateManager(certificate)))
                    .defaultAction(ListenerAction.fixedResponse(404, FixedResponseOptions.builder()
                            .contentType("text/plain")
                            .messageBody("No Berth pod at this address")
                            .build()))
                    .build());
            alb.addListener("Http", BaseApplicationListenerProps.builder()
                    .protocol(ApplicationProtocol.HTTP)
                    .port(80)
                    .open(false)
                    .defaultAction(ListenerAction.redirect(RedirectOptions.builder()
                            .protocol("HTTPS").port("443").permanent(true).build()))
                    .build());
            loadBalancers.add(alb);
            httpsListeners.add(https);
        }

        new ARecord(this, "WildcardRecord", ARecordProps.builder()
                .zone(props.hostedZone())
                .recordName(wildcard)
                .target(RecordTarget.fromAlias(new LoadBalancerTarget(loadBalancers.get(0))))
                .build());
    }

    public List<ApplicationLoadBalancer> loadBalancers() {
        return List.copyOf(loadBalancers);
    }

    /** The HTTPS listener of each load balancer, in pool order. */
    public List<ApplicationListener> httpsListeners() {
        return List.copyOf(httpsListeners);
    }

    public ICertificate certificate() {
        return certificate;
    }

    public SecurityGroup loadBalancerSecurityGroup() {
        return loadBalancerSecurityGroup;
    }
}
