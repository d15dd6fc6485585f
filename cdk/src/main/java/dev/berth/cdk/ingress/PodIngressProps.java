package dev.berth.cdk.ingress;

import java.util.Objects;
import java.util.regex.Pattern;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.route53.IHostedZone;

/**
 * Props of {@link PodIngress}.
 *
 * @param vpc               the VPC
 * @param subnets           public subnets of the load balancers
 * @param podDomain         the pod domain; pod URLs are {@code https://<label>-<port>.<podDomain>}
 * @param hostedZone        the Route 53 zone holding {@code podDomain}
 * @param certificateArn    an ACM certificate covering {@code *.<podDomain>}; {@code null} creates one (DNS validated)
 * @param poolSize          number of load balancers (each holds at most 100 target groups)
 * @param taskSecurityGroup the tasks' security group, opened to the load balancers only
 */
public record PodIngressProps(IVpc vpc, SubnetSelection subnets, String podDomain, IHostedZone hostedZone,
                              String certificateArn, int poolSize, ISecurityGroup taskSecurityGroup) {
    static final Pattern CERTIFICATE_ARN = Pattern.compile("arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+");

    public PodIngressProps {
        Objects.requireNonNull(vpc, "vpc");
        Objects.requireNonNull(subnets, "subnets");
        Objects.requireNonNull(podDomain, "podDomain");
        Objects.requireNonNull(hostedZone, "hostedZone");
        Objects.requireNonNull(taskSecurityGroup, "taskSecurityGroup");
        if (certificateArn != null && !CERTIFICATE_ARN.matcher(certificateArn).matches()) {
            throw new IllegalArgumentException("certificateArn '" + certificateArn
                    + "' is not an ACM certificate ARN; give arn:aws:acm:<region>:<account>:certificate/<id> or leave it out to create one");
        }
        if (poolSize < 1 || poolSize > 20) {
            throw new IllegalArgumentException("albPoolSize " + poolSize + " is out of range; use 1 to 20 load balancers");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link PodIngressProps}; defaults: a created certificate, one load balancer. */
    public static final class Builder {
        private IVpc vpc;
        private SubnetSelection subnets;
        private String podDomain;
        private IHostedZone hostedZone;
        private String certificateArn;
        private int poolSize = 1;
        private ISecurityGroup taskSecurityGroup;

        public Builder vpc(IVpc vpc) {
            this.vpc = vpc;
            return this;
        }

        public Builder subnets(SubnetSelection subnets) {
            this.subnets = subnets;
            return this;
        }

        public Builder podDomain(String podDomain) {
            this.podDomain = podDomain;
            return this;
        }

        public Builder hostedZone(IHostedZone hostedZone) {
            this.hostedZone = hostedZone;
            return this;
        }

        public Builder certificateArn(String certificateArn) {
            this.certificateArn = certificateArn;
            return this;
        }

        public Builder poolSize(int poolSize) {
            this.poolSize = poolSize;
            return this;
        }

        public Builder taskSecurityGroup(ISecurityGroup taskSecurityGroup) {
            this.taskSecurityGroup = taskSecurityGroup;
            return this;
        }

        public PodIngressProps build() {
            return new PodIngressProps(vpc, subnets, podDomain, hostedZone, certificateArn, poolSize, taskSecurityGroup);
        }
    }
}
