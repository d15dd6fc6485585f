package dev.berth.cdk.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import software.amazon.awscdk.services.codebuild.IProject;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.elasticloadbalancingv2.IApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.logs.ILogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.route53.IHostedZone;
import software.amazon.awscdk.services.s3.IBucket;

/**
 * Props of {@link ControlPlane}: the functions jar and every resource the functions drive.
 *
 * @param functionsJar           the shaded functions jar (the Lambda code asset)
 * @param podDomain              the pod domain
 * @param hostedZone             the zone of the pod domain (per-pod records beyond the first load balancer)
 * @param vpc                    the VPC of tasks and target groups
 * @param taskSubnets            the subnets of tasks
 * @param taskSecurityGroup      the security group of tasks
 * @param cluster                the ECS cluster
 * @param executionRole          the task execution role
 * @param taskRole               the pods' task role
 * @param podLogGroup            the log group of pod containers
 * @param loadBalancers          the ALB pool
 * @param listeners              the HTTPS listener of each ALB, in pool order
 * @param repository             the ECR repository of pod images
 * @param buildProject           the CodeBuild project
 * @param contextBucket          the bucket of build contexts
 * @param buildLogGroup          the log group of builds
 * @param metricNamespace        namespace of the activity metric
 * @param sidecarImageUri        the activity sidecar image
 * @param gpuCapacityProvider    the GPU capacity provider name; {@code null} for none
 * @param fargateSpot            whether non-GPU pods run on Fargate Spot
 * @param logRetention           retention of the functions' log groups
 */
public record ControlPlaneProps(Path functionsJar, String podDomain, IHostedZone hostedZone, IVpc vpc,
                                SubnetSelection taskSubnets, ISecurityGroup taskSecurityGroup, ICluster cluster,
                                IRole executionRole, IRole taskRole, ILogGroup podLogGroup,
                                List<ApplicationLoadBalancer> loadBalancers, List<IApplicationListener> listeners,
                                IRepository repository, IProject buildProject, IBucket contextBucket,
                                ILogGroup buildLogGroup, String metricNamespace, String sidecarImageUri,
                                String gpuCapacityProvider, boolean fargateSpot, RetentionDays logRetention) {
    public ControlPlaneProps {
        Objects.requireNonNull(functionsJar, "functionsJar");
        if (!Files.isRegularFile(functionsJar)) {
            throw new IllegalArgumentException("functionsJar '" + functionsJar.toAbsolutePath()
                    + "' does not exist; build it with ./mvnw -B -pl functions -am package -DskipTests"
                    + " or pass -c functionsJar=<path to berth-functions.jar>");
        }
        Objects.requireNonNull(podDomain, "podDomain");
        Objects.requireNonNull(hostedZone, "hostedZone");
        Objects.requireNonNull(vpc, "vpc");
        Objects.requireNonNull(taskSubnets, "taskSubnets");
        Objects.requireNonNull(taskSecurityGroup, "taskSecurityGroup");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(executionRole, "executionRole");
        Objects.requireNonNull(taskRole, "taskRole");
        Objects.requireNonNull(podLogGroup, "podLogGroup");
        loadBalancers = List.copyOf(loadBalancers);
        listeners = List.copyOf(listeners);
        if (listeners.isEmpty() || listeners.size() != loadBalancers.size()) {
            throw new IllegalArgumentException("listeners (" + listeners.size() + ") must hold one HTTPS listener per load balancer ("
                    + loadBalancers.size() + ")");
        }
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(buildProject, "buildProject");
        Objects.requireNonNull(contextBucket, "contextBucket");
        Objects.requireNonNull(buildLogGroup, "buildLogGroup");
        Objects.requireNonNull(metricNamespace, "metricNamespace");
        Objects.requireNonNull(sidecarImageUri, "sidecarImageUri");
        Objects.requireNonNull(logRetention, "logRetention");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link ControlPlaneProps}; defaults: {@code Berth/Pods}, no GPU, Fargate Spot off, one month of logs. */
    public static final class Builder {
        private Path functionsJar;
        private String podDomain;
        private IHostedZone hostedZone;
        private IVpc vpc;
        private SubnetSelection taskSubnets;
        private ISecurityGroup taskSecurityGroup;
        private ICluster cluster;
        private IRole executionRole;
        private IRole taskRole;
        private ILogGroup podLogGroup;
        private List<ApplicationLoadBalancer> loadBalancers = List.of();
        private List<IApplicationListener> listeners = List.of();
        private IRepository repository;
        private IProject buildProject;
        private IBucket contextBucket;
        private ILogGroup buildLogGroup;
        private String metricNamespace = "Berth/Pods";
        private String sidecarImageUri;
        private String gpuCapacityProvider;
        private boolean fargateSpot;
        private RetentionDays logRetention = RetentionDays.ONE_MONTH;

        public Builder functionsJar(Path v) { this.functionsJar = v; return this; }
        public Builder podDomain(String v) { this.podDomain = v; return this; }
        public Builder hostedZone(IHostedZone v) { this.hostedZone = v; return this; }
        public Builder vpc(IVpc v) { this.vpc = v; return this; }
        public Builder taskSubnets(SubnetSelection v) { this.taskSubnets = v; return this; }
        public Builder taskSecurityGroup(ISecurityGroup v) { this.taskSecurityGroup = v; return this; }
        public Builder cluster(ICluster v) { this.cluster = v; return this; }
        public Builder executionRole(IRole v) { this.executionRole = v; return this; }
        public Builder taskRole(IRole v) { this.taskRole = v; return this; }
        public Builder podLogGroup(ILogGroup v) { this.podLogGroup = v; return this; }
        public Builder loadBalancers(List<ApplicationLoadBalancer> v) { this.loadBalancers = List.copyOf(v); return this; }
        public Builder listeners(List<? extends IApplicationListener> v) { this.listeners = List.copyOf(v); return this; }
        public Builder repository(IRepository v) { this.repository = v; return this; }
        public Builder buildProject(IProject v) { this.buildProject = v; return this; }
        public Builder contextBucket(IBucket v) { this.contextBucket = v; return this; }
        public Builder buildLogGroup(ILogGroup v) { this.buildLogGroup = v; return this; }
        public Builder metricNamespace(String v) { this.metricNamespace = v; return this; }
        public Builder sidecarImageUri(String v) { this.sidecarImageUri = v; return this; }
        public Builder gpuCapacityProvider(String v) { this.gpuCapacityProvider = v; return this; }
        public Builder fargateSpot(boolean v) { this.fargateSpot = v; return this; }
        public Builder logRetention(RetentionDays v) { this.logRetention = v; return this; }

        public ControlPlaneProps build() {
            return new ControlPlaneProps(functionsJar, podDomain, hostedZone, vpc, taskSubnets, taskSecurityGroup, cluster,
                    executionRole, taskRole, podLogGroup, loadBalancers, listeners, repository, buildProject,
                    contextBucket, buildLogGroup, metricNamespace, sidecarImageUri, gpuCapacityProvider, fargateSpot,
                    logRetention);
        }
    }
}
