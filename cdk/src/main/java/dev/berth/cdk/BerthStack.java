package dev.berth.cdk;

import dev.berth.cdk.cluster.PodCluster;
import dev.berth.cdk.cluster.PodClusterProps;
import dev.berth.cdk.control.BerthFunction;
import dev.berth.cdk.control.ControlPlane;
import dev.berth.cdk.control.ControlPlaneProps;
import dev.berth.cdk.image.ImagePipeline;
import dev.berth.cdk.image.ImagePipelineProps;
import dev.berth.cdk.ingress.PodIngress;
import dev.berth.cdk.ingress.PodIngressProps;
import dev.berth.cdk.network.Network;
import dev.berth.cdk.network.NetworkProps;
import dev.berth.cdk.observability.Observability;
import dev.berth.cdk.observability.ObservabilityProps;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnOutputProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.TagProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.route53.HostedZoneAttributes;
import software.amazon.awscdk.services.route53.IHostedZone;
import software.constructs.Construct;

/**
 * The whole Berth platform in one stack. It only composes the constructs; each holds its own model.
 * Synthesis makes no AWS call: the VPC and hosted zone are imported from ids, the GPU AMI resolves through an SSM
 * parameter at deploy time, and the assets (functions jar, sidecar image) are only staged.
 */
public final class BerthStack extends Stack {
    private final Network network;
    private final ImagePipeline images;
    private final PodCluster pods;
    private final PodIngress ingress;
    private final ControlPlane control;
    private final Observability observability;

    public BerthStack(Construct scope, BerthSettings settings) {
        this(scope, settings, Path.of("sidecar"));
    }

    /** A stack whose sidecar Dockerfile lies in {@code sidecarDirectory} (tests run from elsewhere). */
    public BerthStack(Construct scope, BerthSettings settings, Path sidecarDirectory) {
        super(scope, settings.stackName(), StackProps.builder()
                .stackName(settings.stackName())
                .description("Berth: run a container as an HTTPS server on demand (pods on ECS Fargate behind ALBs)")
                .env(settings.account() == null && settings.region() == null ? null
                        : Environment.builder().account(settings.account()).region(settings.region()).build())
                .build());
        // CloudFormation takes no tags on dashboards.
        Tags.of(this).add("berth:stack", settings.stackName(), TagProps.builder()
                .excludeResourceTypes(List.of("AWS::CloudWatch::Dashboard")).build());

        IHostedZone zone = HostedZone.fromHostedZoneAttributes(this, "Zone", HostedZoneAttributes.builder()
                .hostedZoneId(settings.hostedZoneId())
                .zoneName(settings.zoneName())
                .build());

        this.network = new Network(this, "Network", NetworkProps.builder()
                .existing(settings.vpc())
                .natGateways(settings.natGateways())
                .build());
        this.images = new ImagePipeline(this, "Images", ImagePipelineProps.builder()
                .logRetention(settings.logRetention())
                .build());
        this.pods = new PodCluster(this, "Pods", PodClusterProps.builder()
                .vpc(network.vpc())
                .taskSubnets(network.taskSubnets())
                .podRepository(images.repository())
                .gpu(settings.gpu())
                .logRetention(settings.logRetention())
                .sidecarDirectory(sidecarDirectory)
                .build());
        this.ingress = new PodIngress(this, "Ingress", PodIngressProps.builder()
                .vpc(network.vpc())
                .subnets(network.publicSubnets())
                .podDomain(settings.podDomain())
                .hostedZone(zone)
                .certificateArn(settings.certificateArn())
                .poolSize(settings.albPoolSize())
                .taskSecurityGroup(pods.taskSecurityGroup())
                .build());
        this.control = new ControlPlane(this, "Control", ControlPlaneProps.builder()
                .functionsJar(settings.functionsJar())
                .podDomain(settings.podDomain())
                .hostedZone(zone)
                .vpc(network.vpc())
                .taskSubnets(network.taskSubnets())
                .taskSecurityGroup(pods.taskSecurityGroup())
                .cluster(pods.cluster())
                .executionRole(pods.executionRole())
                .taskRole(pods.taskRole())
                .podLogGroup(pods.logGroup())
                .loadBalancers(ingress.loadBalancers())
                .listeners(ingress.httpsListeners())
                .repository(images.repository())
                .buildProject(images.project())
                .contextBucket(images.contextBucket())
                .buildLogGroup(images.buildLogs())
                .sidecarImageUri(pods.sidecarImage().getImageUri())
                .gpuCapacityProvider(pods.gpuCapacityProvider().map(p -> p.getCapacityProviderName()).orElse(null))
                .fargateSpot(settings.fargateSpot())
                .logRetention(settings.logRetention())
                .build());
        this.observability = new Observability(this, "Observability", ObservabilityProps.builder()
                .cluster(pods.cluster())
                .buildProject(images.project())
                .api(control.alias(BerthFunction.API))
                .reaper(control.alias(BerthFunction.REAPER))
                .deadLetterQueues(List.of(control.eventDeadLetters(), control.invocationDeadLetters()))
                .platformNamespace(ControlPlane.PLATFORM_NAMESPACE)
                .build());

        output("ApiUrl", control.api().getApiEndpoint(), "Berth API endpoint (SigV4, service execute-api): BERTH_API_URL");
        output("PodDomain", settings.podDomain(), "Pods are served at https://<pod-id>-<port>.<PodDomain>");
        output("Region", getRegion(), "Region of the API (SigV4 signing region)");
        output("ApiInvokePolicyArn", control.apiInvokePolicy().getManagedPolicyArn(),
                "Attach to the IAM users/roles that use the Berth SDK or CLI");
        output("DashboardName", observability.dashboard().getDashboardName(), "CloudWatch dashboard of the platform");
    }

    private void output(String id, String value, String description) {
        new CfnOutput(this, id, CfnOutputProps.builder().value(value).description(description).build());
    }

    public Network network() {
        return network;
    }

    public ImagePipeline images() {
        return images;
    }

    public PodCluster pods() {
        return pods;
    }

    public PodIngress ingress() {
        return ingress;
    }

    public ControlPlane control() {
        return control;
    }

    public Observability observability() {
        return observability;
    }
}
