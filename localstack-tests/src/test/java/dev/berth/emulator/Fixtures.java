package dev.berth.emulator;

import dev.berth.functions.internal.CodeBuildApi;
import dev.berth.functions.route.AlbRouter;
import dev.berth.functions.store.DynamoDbPodStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;

/** Creates, in the emulator, what the CDK stack provisions, each with a unique name. */
public final class Fixtures {
    private static final String SIDECAR_IMAGE = "berth-activity:test";
    private static String sidecarImage;

    private Fixtures() {
    }

    /** The pods table exactly as docs/aws-contract.md describes it. */
    public static String table(Emulator aws) {
        String name = Emulator.unique("berth-pods");
        aws.clients().dynamoDb().createTable(r -> r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attr("pk"), attr("sk"), attr("status"), attr("createdAt"), attr("deployment"))
                .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
                .globalSecondaryIndexes(index(DynamoDbPodStore.STATUS_INDEX, "status"), index(DynamoDbPodStore.DEPLOYMENT_INDEX, "deployment")));
        return name;
    }

    public static String bucket(Emulator aws) {
        String name = Emulator.unique("berth-contexts");
        aws.clients().s3().createBucket(r -> r.bucket(name));
        return name;
    }

    public static String repository(Emulator aws) {
        String name = Emulator.unique("berth-pods");
        aws.clients().ecr().createRepository(r -> r.repositoryName(name));
        return name;
    }

    public static String codeBuildProject(Emulator aws) {
        String name = Emulator.unique("berth-build");
        CodeBuildApi api = aws.clients().codeBuild();
        var body = CodeBuildApi.object().put("name", name).put("serviceRole", "arn:aws:iam::123456789012:role/berth-build");
        body.putObject("source").put("type", "S3").put("location", "berth-contexts/none.zip");
        body.putObject("artifacts").put("type", "NO_ARTIFACTS");
        body.putObject("environment").put("type", "LINUX_CONTAINER").put("image", "aws/codebuild/standard:7.0")
                .put("computeType", "BUILD_GENERAL1_SMALL").put("privilegedMode", true);
        api.call("CreateProject", body);
        return name;
    }

    /**
     * The stack's image project (cdk {@code ImagePipeline}: privileged, no source, its buildspec, variables
     * {@code CONTEXT_BUCKET} and {@code REPOSITORY_URI}) tagged {@code berth:dataplane=docker}, so that StartBuild
     * really builds on the local Docker engine (data plane part {@code codebuild.py}).
     */
    public static String codeBuildProject(Emulator aws, String bucket, String repository) {
        String name = Emulator.unique("berth-build");
        String repositoryUri = aws.clients().ecr().describeRepositories(r -> r.repositoryNames(repository))
                .repositories().get(0).repositoryUri();
        var body = CodeBuildApi.object().put("name", name).put("serviceRole", "arn:aws:iam::123456789012:role/berth-build")
                .put("timeoutInMinutes", 60);
        // moto requires a source location even for NO_SOURCE; the data plane never reads it.
        body.putObject("source").put("type", "NO_SOURCE").put("location", "none").put("buildspec", "version: 0.2");
        body.putObject("artifacts").put("type", "NO_ARTIFACTS");
        var environment = body.putObject("environment").put("type", "LINUX_CONTAINER").put("image", "aws/codebuild/standard:7.0")
                .put("computeType", "BUILD_GENERAL1_MEDIUM").put("privilegedMode", true);
        var variables = environment.putArray("environmentVariables");
        variables.addObject().put("name", "CONTEXT_BUCKET").put("value", bucket).put("type", "PLAINTEXT");
        variables.addObject().put("name", "REPOSITORY_URI").put("value", repositoryUri).put("type", "PLAINTEXT");
        body.putArray("tags").addObject().put("key", "berth:dataplane").put("value", "docker");
        aws.clients().codeBuild().call("CreateProject", body);
        return name;
    }

    /** A VPC with two subnets and a security group. */
    public record Network(String vpcId, List<String> subnets, String securityGroup) {
    }

    public static Network network(Emulator aws) {
        Ec2Client ec2 = aws.ec2();
        String vpc = ec2.createVpc(r -> r.cidrBlock("10.20.0.0/16")).vpc().vpcId();
        ec2.modifyVpcAttribute(r -> r.vpcId(vpc).enableDnsHostnames(b -> b.value(true)));
        List<String> subnets = new ArrayList<>();
        subnets.add(ec2.createSubnet(r -> r.vpcId(vpc).cidrBlock("10.20.1.0/24").availabilityZone("us-east-1a")).subnet().subnetId());
        subnets.add(ec2.createSubnet(r -> r.vpcId(vpc).cidrBlock("10.20.2.0/24").availabilityZone("us-east-1b")).subnet().subnetId());
        String sg = ec2.createSecurityGroup(r -> r.vpcId(vpc).groupName(Emulator.unique("berth-tasks")).description("tasks")).groupId();
        return new Network(vpc, subnets, sg);
    }

    /** One HTTPS listener on each of {@code count} new ALBs. */
    public static List<String> listeners(Emulator aws, Network network, int count) {
        ElasticLoadBalancingV2Client elb = aws.clients().elb();
        List<String> listeners = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String lb = elb.createLoadBalancer(r -> r.name(Emulator.unique("berth")).subnets(network.subnets())
                    .securityGroups(network.securityGroup())).loadBalancers().get(0).loadBalancerArn();
            String fallback = elb.createTargetGroup(r -> r.name(Emulator.unique("berth-none")).protocol(ProtocolEnum.HTTP).port(80)
                    .vpcId(network.vpcId())).targetGroups().get(0).targetGroupArn();
            listeners.add(elb.createListener(r -> r.loadBalancerArn(lb).protocol(ProtocolEnum.HTTP).port(80)
                    .defaultActions(a -> a.type("forward").targetGroupArn(fallback))).listeners().get(0).listenerArn());
        }
        return listeners;
    }

    /**
     * An ALB tagged {@code berth:dataplane=docker}, so Berth's data plane serves its listeners for real (see
     * {@link ServedAlb}), with the HTTPS listener the stack's {@code PodIngress} gives each ALB: port 443, the pod
     * domain's certificate, default action a 404 fixed response. Returns the listener's ARN.
     */
    public static String servedListener(Emulator aws, Network network, String certificateArn) {
        ElasticLoadBalancingV2Client elb = aws.clients().elb();
        String lb = elb.createLoadBalancer(r -> r.name(Emulator.unique("berth")).subnets(network.subnets())
                .securityGroups(network.securityGroup()).tags(t -> t.key("berth:dataplane").value("docker")))
                .loadBalancers().get(0).loadBalancerArn();
        return elb.createListener(r -> r.loadBalancerArn(lb).protocol(ProtocolEnum.HTTPS).port(443)
                .sslPolicy("ELBSecurityPolicy-TLS13-1-2-2021-06").certificates(c -> c.certificateArn(certificateArn))
                .defaultActions(a -> a.type("fixed-response").fixedResponseConfig(f -> f.statusCode("404")
                        .contentType("text/plain").messageBody("No Berth pod at this address"))))
                .listeners().get(0).listenerArn();
    }

    /** Each listener's load balancer as a Route 53 alias target, in the listeners' order (as the stack passes them). */
    public static List<AlbRouter.AliasTarget> aliasTargets(Emulator aws, List<String> listeners) {
        ElasticLoadBalancingV2Client elb = aws.clients().elb();
        List<AlbRouter.AliasTarget> targets = new ArrayList<>();
        for (String listener : listeners) {
            String lb = elb.describeListeners(r -> r.listenerArns(listener)).listeners().get(0).loadBalancerArn();
            var alb = elb.describeLoadBalancers(r -> r.loadBalancerArns(lb)).loadBalancers().get(0);
            targets.add(new AlbRouter.AliasTarget(alb.dnsName(), alb.canonicalHostedZoneId()));
        }
        return targets;
    }

    /** A public hosted zone for {@code domain} (the stack imports the user's); returns its id without {@code /hostedzone/}. */
    public static String hostedZone(Emulator aws, String domain) {
        String id = aws.clients().route53().createHostedZone(r -> r.name(domain).callerReference(Emulator.unique("berth")))
                .hostedZone().id();
        return id.substring(id.lastIndexOf('/') + 1);
    }

    public static String cluster(Emulator aws) {
        String name = Emulator.unique("berth");
        aws.clients().ecs().createCluster(r -> r.clusterName(name));
        return name;
    }

    /**
     * An ECS cluster tagged {@code berth:dataplane=docker}: the data plane (berth_dataplane/ecs.py) runs its tasks'
     * containers on the local Docker engine. Returns its ARN.
     */
    public static String dataPlaneCluster(Emulator aws) {
        String name = Emulator.unique("berth-dp");
        return aws.clients().ecs().createCluster(r -> r.clusterName(name)
                .tags(software.amazon.awssdk.services.ecs.model.Tag.builder().key("berth:dataplane").value("docker").build()))
                .cluster().clusterArn();
    }

    /**
     * The activity sidecar's image (also the readiness check's), built once per run from cdk/sidecar on the local
     * Python image as {@code berth-activity:test}: the Dockerfile's public base cannot be pulled here.
     */
    public static synchronized String sidecarImage() {
        if (sidecarImage == null) {
            Path context = Path.of("..", "cdk", "sidecar");
            try {
                ProcessBuilder build = new ProcessBuilder("docker", "build", "-q", "--build-arg", "BASE=berth/python:3.11",
                        "-t", SIDECAR_IMAGE, context.toString()).redirectErrorStream(true);
                build.environment().put("DOCKER_BUILDKIT", "0");
                Process process = build.start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (process.waitFor() != 0) {
                    throw new IllegalStateException("Could not build the sidecar image from " + context.toAbsolutePath() + ":\n" + output);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not run docker build for the sidecar image", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sidecarImage = SIDECAR_IMAGE;
        }
        return sidecarImage;
    }

    public static String logGroup(Emulator aws) {
        String name = "/berth/" + Emulator.unique("pods");
        aws.clients().logs().createLogGroup(r -> r.logGroupName(name));
        return name;
    }

    private static AttributeDefinition attr(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static GlobalSecondaryIndex index(String name, String partition) {
        return GlobalSecondaryIndex.builder().indexName(name)
                .keySchema(key(partition, KeyType.HASH), key("createdAt", KeyType.RANGE))
                .projection(p -> p.projectionType(ProjectionType.ALL)).build();
    }
}
