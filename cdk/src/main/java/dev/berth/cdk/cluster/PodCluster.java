package dev.berth.cdk.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroupProps;
import software.amazon.awscdk.services.ec2.IMachineImage;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.LaunchTemplateProps;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupProps;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.ecr.assets.DockerImageAsset;
import software.amazon.awscdk.services.ecr.assets.DockerImageAssetProps;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.AmiHardwareType;
import software.amazon.awscdk.services.ecs.AsgCapacityProvider;
import software.amazon.awscdk.services.ecs.AsgCapacityProviderProps;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ClusterProps;
import software.amazon.awscdk.services.ecs.ContainerInsights;
import software.amazon.awscdk.services.ecs.EcsOptimizedImage;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.RoleProps;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogGroupProps;
import software.constructs.Construct;

/**
 * Where pods run: an ECS cluster with Fargate and Fargate Spot capacity providers and, optionally, a GPU capacity
 * provider on the ECS GPU-optimized AMI; the task execution role, the pods' own (minimal) task role, the pod log
 * group, the task security group and the activity sidecar image.
 */
public final class PodCluster extends Construct {
    private final Cluster cluster;
    private final Role executionRole;
    private final Role taskRole;
    private final LogGroup logGroup;
    private final SecurityGroup taskSecurityGroup;
    private final DockerImageAsset sidecarImage;
    private final AsgCapacityProvider gpuCapacityProvider;

    public PodCluster(Construct scope, String id, PodClusterProps props) {
        super(scope, id);
        this.cluster = new Cluster(this, "Cluster", ClusterProps.builder()
                .vpc(props.vpc())
                .enableFargateCapacityProviders(true)
                .containerInsightsV2(ContainerInsights.ENABLED)
                .build());
        this.logGroup = new LogGroup(this, "PodLogs", LogGroupProps.builder()
                .retention(props.logRetention())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build());
        this.taskSecurityGroup = new SecurityGroup(this, "TaskSecurityGroup", SecurityGroupProps.builder()
                .vpc(props.vpc())
                .description("Berth pod tasks: reachable only from the Berth load balancers")
                .allowAllOutbound(true)
                .build());

        // Fargate's agent pulls images and writes logs with this role; nothing else.
        this.executionRole = new Role(this, "ExecutionRole", RoleProps.builder()
                .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
                .description("Berth pod task execution: pull pod and sidecar images, write pod logs")
                .build());
        logGroup.grantWrite(executionRole);
        props.podRepository().grantPull(executionRole);

        this.sidecarImage = new DockerImageAsset(this, "ActivitySidecar", DockerImageAssetProps.builder()
                .directory(props.sidecarDirectory().toAbsolutePath().toString())
                .platform(Platform.LINUX_AMD64)
                .build());
        sidecarImage.getRepository().grantPull(executionRole);

        // The pods' own identity: only the sidecar's metric, in Berth's namespace.
        this.taskRole = new Role(this, "TaskRole", RoleProps.builder()
                .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
                .description("Berth pods: publish activity metrics only")
                .build());
        taskRole.addToPolicy(PolicyStatement.Builder.create()
                .effect(Effect.ALLOW)
                .actions(List.of("cloudwatch:PutMetricData"))
                .resources(List.of("*")) // PutMetricData has no resource type; the namespace condition scopes it
                .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", props.metricNamespace())))
                .build());

        this.gpuCapacityProvider = props.gpu() == null ? null : addGpuCapacity(props);
    }

    private AsgCapacityProvider addGpuCapacity(PodClusterProps props) {
        SecurityGroup instances = new SecurityGroup(this, "GpuInstanceSecurityGroup", SecurityGroupProps.builder()
                .vpc(props.vpc())
                .description("Berth GPU container instances (tasks use awsvpc and the task security group)")
                .allowAllOutbound(true)
                .build());
        Role instanceRole = new Role(this, "GpuInstanceRole", RoleProps.builder()
                .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
                .description("Berth GPU container instances")
                .build());
        // Resolved at deploy time through a public SSM parameter: no AMI lookup at synth.
        IMachineImage ami = EcsOptimizedImage.amazonLinux2(AmiHardwareType.GPU);
        LaunchTemplate template = new LaunchTemplate(this, "GpuLaunchTemplate", LaunchTemplateProps.builder()
                .instanceType(new InstanceType(props.gpu().instanceType()))
                .machineImage(ami)
                .userData(UserData.forLinux())
                .role(instanceRole)
                .securityGroup(instances)
                .requireImdsv2(true)
                .build());
        AutoScalingGroup group = new AutoScalingGroup(this, "GpuInstances", AutoScalingGroupProps.builder()
                .vpc(props.vpc())
                .vpcSubnets(props.taskSubnets())
                .launchTemplate(template)
                .minCapacity(0)
                .maxCapacity(props.gpu().maxInstances())
                .build());
        AsgCapacityProvider provider = new AsgCapacityProvider(this, "GpuCapacityProvider", AsgCapacityProviderProps.builder()
                .autoScalingGroup(group)
                .enableManagedScaling(true)
                .enableManagedTerminationProtection(false)
                .targetCapacityPercent(100)
                .build());
        cluster.addAsgCapacityProvider(provider);
        return provider;
    }

    public Cluster cluster() {
        return cluster;
    }

    public Role executionRole() {
        return executionRole;
    }

    public Role taskRole() {
        return taskRole;
    }

    public LogGroup logGroup() {
        return logGroup;
    }

    public SecurityGroup taskSecurityGroup() {
        return taskSecurityGroup;
    }

    public DockerImageAsset sidecarImage() {
        return sidecarImage;
    }

    /** The GPU capacity provider, when GPU capacity is on. */
    public Optional<AsgCapacityProvider> gpuCapacityProvider() {
        return Optional.ofNullable(gpuCapacityProvider);
    }
}
