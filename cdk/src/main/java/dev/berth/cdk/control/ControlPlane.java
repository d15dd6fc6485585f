package dev.berth.cdk.control;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpIamAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpApiProps;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.dynamodb.TableProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.IApplicationListener;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleProps;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.ManagedPolicyProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.RoleProps;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.AliasProps;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.AssetCode;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.FunctionProps;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogGroupProps;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.sqs.QueueProps;
import software.constructs.Construct;

/**
 * The control plane: the DynamoDB table, the Lambda functions of the functions jar (Java 21, SnapStart, invoked
 * through their {@code live} alias), the IAM-authorized HTTP API, the EventBridge rules for CodeBuild and ECS
 * events, the sweep schedule, the alarm → reaper and ALB → waker invoke permissions, and the dead-letter queues.
 */
public final class ControlPlane extends Construct {
    /** The alias every trigger invokes (SnapStart snapshots published versions only). */
    public static final String ALIAS = "live";
    /** Prefix of the idle alarms the functions create; the reaper accepts invocations from these only. */
    public static final String ALARM_PREFIX = "berth-idle-";
    /** Prefix of the target groups the functions create. */
    public static final String TARGET_GROUP_PREFIX = "berth-";
    /** Tag the functions put on everything they create. */
    public static final String MANAGED_TAG = "berth:managed";
    /** Namespace of the platform's own metrics the functions emit in EMF ({@code PodCreateLatency}). */
    public static final String PLATFORM_NAMESPACE = "Berth/Platform";
    /** Prefix of the waker's Lambda target group, which the functions create (under {@link #TARGET_GROUP_PREFIX}). */
    public static final String WAKER_TARGET_GROUP_PREFIX = TARGET_GROUP_PREFIX + "waker-";

    private final Table table;
    private final Role functionRole;
    private final Map<BerthFunction, Function> functions = new EnumMap<>(BerthFunction.class);
    private final Map<BerthFunction, Alias> aliases = new EnumMap<>(BerthFunction.class);
    private final HttpApi api;
    private final ManagedPolicy apiInvokePolicy;
    private final Queue eventDeadLetters;
    private final Queue invocationDeadLetters;
    private final Rule buildEvents;
    private final Rule taskEvents;
    private final Rule sweepSchedule;
    private final String wakerTargetGroup;

    public ControlPlane(Construct scope, String id, ControlPlaneProps props) {
        super(scope, id);
        Stack stack = Stack.of(this);
        String stackName = stack.getStackName();
        if (stackName.length() > 50) {
            throw new IllegalArgumentException("stack name '" + stackName + "' is " + stackName.length()
                    + " characters; function names <stackName>-<function> need it at most 50 long; pass -c stackName=<shorter>");
        }

        this.wakerTargetGroup = wakerTargetGroupName(stackName);

        this.table = new Table(this, "Table", TableProps.builder()
                .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder().pointInTimeRecoveryEnabled(true).build())
                .encryption(TableEncryption.AWS_MANAGED)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build());
        table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder().indexName("byStatus")
                .partitionKey(Attribute.builder().name("status").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("createdAt").type(AttributeType.STRING).build())
                .projectionType(ProjectionType.ALL) // the store reads whole pod items from the indexes
                .build());
        table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder().indexName("byDeployment")
                .partitionKey(Attribute.builder().name("deployment").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("createdAt").type(AttributeType.STRING).build())
                .projectionType(ProjectionType.ALL) // the store reads whole pod items from the indexes
                .build());

        this.eventDeadLetters = deadLetterQueue("EventDeadLetters");
        this.invocationDeadLetters = deadLetterQueue("InvocationDeadLetters");

        this.functionRole = new Role(this, "FunctionRole", RoleProps.builder()
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("Berth control-plane functions")
                .build());
        new FunctionPolicy(this, props, table, functionRole).attach();

        Map<String, String> environment = environment(props, stack);
        AssetCode code = Code.fromAsset(props.functionsJar().toAbsolutePath().toString());
        for (BerthFunction f : BerthFunction.values()) {
            LogGroup logs = new LogGroup(this, f.constructId() + "Logs", LogGroupProps.builder()
                    .logGroupName("/aws/lambda/" + functionName(f))
                    .retention(props.logRetention())
                    .removalPolicy(RemovalPolicy.DESTROY)
                    .build());
            logs.grantWrite(functionRole);
            Function function = new Function(this, f.constructId() + "Function", FunctionProps.builder()
                    .functionName(functionName(f))
                    .description("Berth " + f.key())
                    .runtime(Runtime.JAVA_21)
                    .architecture(Architecture.X86_64)
                    .handler(f.handler())
                    .code(code)
                    .memorySize(f.memoryMiB())
                    .timeout(f.timeout())
                    .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                    .environment(environment)
                    .role(functionRole)
                    .logGroup(logs)
                    .deadLetterQueue(invocationDeadLetters)
                    .build());
            Alias alias = new Alias(this, f.constructId() + "Live", AliasProps.builder()
                    .aliasName(ALIAS)
                    .version(function.getCurrentVersion())
                    .build());
            functions.put(f, function);
            aliases.put(f, alias);
        }

        this.api = new HttpApi(this, "Api", HttpApiProps.builder()
                .description("Berth REST API (SigV4 / IAM)")
                .defaultIntegration(new HttpLambdaIntegration("Lambda", aliases.get(BerthFunction.API)))
                .defaultAuthorizer(new HttpIamAuthorizer())
                .build());
        this.apiInvokePolicy = new ManagedPolicy(this, "ApiInvokePolicy", ManagedPolicyProps.builder()
                .description("Lets a principal call the Berth API of stack " + stackName + " (attach to SDK/CLI users and workloads)")
                .statements(List.of(PolicyStatement.Builder.create()
                        .effect(Effect.ALLOW)
                        .actions(List.of("execute-api:Invoke"))
                        .resources(List.of(api.arnForExecuteApi()))
                        .build()))
                .build());

        this.buildEvents = new Rule(this, "BuildEvents", RuleProps.builder()
                .description("Berth: CodeBuild state changes of the image project")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.codebuild"))
                        .detailType(List.of("CodeBuild Build State Change"))
                        // Only finished builds: BuildEventHandler ignores IN_PROGRESS.
                        .detail(Map.of("project-name", List.of(props.buildProject().getProjectName()),
                                "build-status", List.of("SUCCEEDED", "FAILED", "FAULT", "STOPPED", "TIMED_OUT")))
                        .build())
                .targets(List.of(eventTarget(BerthFunction.BUILD_EVENTS)))
                .build());
        this.taskEvents = new Rule(this, "TaskEvents", RuleProps.builder()
                .description("Berth: ECS task state changes in the pod cluster")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.ecs"))
                        .detailType(List.of("ECS Task State Change"))
                        // Only the states TaskEventHandler acts on.
                        .detail(Map.of("clusterArn", List.of(props.cluster().getClusterArn()),
                                "lastStatus", List.of("RUNNING", "STOPPED")))
                        .build())
                .targets(List.of(eventTarget(BerthFunction.TASK_EVENTS)))
                .build());
        this.sweepSchedule = new Rule(this, "SweepSchedule", RuleProps.builder()
                .description("Berth: reconcile pods with tasks and reap idle ones every 5 minutes")
                .schedule(Schedule.rate(Duration.minutes(5)))
                .targets(List.of(eventTarget(BerthFunction.SWEEP)))
                .build());

        aliases.get(BerthFunction.REAPER).addPermission("IdleAlarmInvoke", Permission.builder()
                .principal(new ServicePrincipal("lambda.alarms.cloudwatch.amazonaws.com"))
                .sourceAccount(stack.getAccount())
                .sourceArn(stack.formatArn(ArnComponents.builder()
                        .service("cloudwatch").resource("alarm").resourceName(ALARM_PREFIX + "*")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build()))
                .build());
        aliases.get(BerthFunction.WAKER).addPermission("LoadBalancerInvoke", Permission.builder()
                .principal(new ServicePrincipal("elasticloadbalancing.amazonaws.com"))
                .sourceAccount(stack.getAccount())
                .sourceArn(stack.formatArn(ArnComponents.builder()
                        .service("elasticloadbalancing").resource("targetgroup").resourceName(wakerTargetGroup + "/*")
                        .arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build()))
                .build());
    }

    /**
     * The name of a stack's waker target group, {@code berth-waker-<8 hex>} (20 characters): target group names are
     * unique per account and region, so each stack needs its own, and stack names are unique there too. A hash rather
     * than the stack name itself, which may be 50 characters long (ELB allows 32). Only the stack name goes in, not
     * the account or region, so the name is the same whether the stack is environment-agnostic or not.
     */
    public static String wakerTargetGroupName(String stackName) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(stackName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return WAKER_TARGET_GROUP_PREFIX + java.util.HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private Queue deadLetterQueue(String id) {
        return new Queue(this, id, QueueProps.builder()
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build());
    }

    private LambdaFunction eventTarget(BerthFunction f) {
        return new LambdaFunction(aliases.get(f), LambdaFunctionProps.builder()
                .deadLetterQueue(eventDeadLetters)
                .retryAttempts(8)
                .maxEventAge(Duration.hours(2))
                .build());
    }

    private String functionName(BerthFunction f) {
        return Stack.of(this).getStackName() + "-" + f.key();
    }

    /** The ARN of a function's alias, computed (not referenced) so every function can carry it without a cycle. */
    private String aliasArn(Stack stack, BerthFunction f) {
        return stack.formatArn(ArnComponents.builder()
                .service("lambda").resource("function").resourceName(functionName(f) + ":" + ALIAS)
                .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build());
    }

    private Map<String, String> environment(ControlPlaneProps props, Stack stack) {
        List<String> listenerArns = new ArrayList<>();
        for (IApplicationListener listener : props.listeners()) {
            listenerArns.add(listener.getListenerArn());
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("BERTH_TABLE", table.getTableName());
        env.put("BERTH_DOMAIN", props.podDomain());
        env.put("BERTH_CLUSTER", props.cluster().getClusterArn());
        env.put("BERTH_SUBNETS", String.join(",", props.vpc().selectSubnets(props.taskSubnets()).getSubnetIds()));
        env.put("BERTH_TASK_SECURITY_GROUP", props.taskSecurityGroup().getSecurityGroupId());
        env.put("BERTH_VPC_ID", props.vpc().getVpcId());
        env.put("BERTH_LISTENER_ARNS", String.join(",", listenerArns));
        env.put("BERTH_TASK_EXECUTION_ROLE_ARN", props.executionRole().getRoleArn());
        env.put("BERTH_TASK_ROLE_ARN", props.taskRole().getRoleArn());
        env.put("BERTH_LOG_GROUP", props.podLogGroup().getLogGroupName());
        env.put("BERTH_ECR_REPOSITORY", props.repository().getRepositoryName());
        env.put("BERTH_CODEBUILD_PROJECT", props.buildProject().getProjectName());
        env.put("BERTH_CONTEXT_BUCKET", props.contextBucket().getBucketName());
        env.put("BERTH_METRIC_NAMESPACE", props.metricNamespace());
        env.put("BERTH_REAPER_ARN", aliasArn(stack, BerthFunction.REAPER));
        env.put("BERTH_WAKER_ARN", aliasArn(stack, BerthFunction.WAKER));
        env.put("BERTH_WAKER_TARGET_GROUP", wakerTargetGroup);
        env.put("BERTH_SIDECAR_IMAGE", props.sidecarImageUri());
        env.put("BERTH_GPU_CAPACITY_PROVIDER", props.gpuCapacityProvider() == null ? "" : props.gpuCapacityProvider());
        env.put("BERTH_FARGATE_SPOT", Boolean.toString(props.fargateSpot()));
        // Records <label>-<port>.<domain> for labels on ALBs 2..n (the wildcard record aliases the first ALB).
        List<String> dnsNames = new ArrayList<>();
        List<String> zoneIds = new ArrayList<>();
        for (ApplicationLoadBalancer alb : props.loadBalancers()) {
            dnsNames.add(alb.getLoadBalancerDnsName());
            zoneIds.add(alb.getLoadBalancerCanonicalHostedZoneId());
        }
        env.put("BERTH_HOSTED_ZONE_ID", props.hostedZone().getHostedZoneId());
        env.put("BERTH_LOAD_BALANCER_DNS_NAMES", String.join(",", dnsNames));
        env.put("BERTH_LOAD_BALANCER_ZONE_IDS", String.join(",", zoneIds));
        env.put("BERTH_PLATFORM_METRIC_NAMESPACE", PLATFORM_NAMESPACE);
        return env;
    }

    /** The name of this stack's waker target group ({@link #wakerTargetGroupName}), which the functions create. */
    public String wakerTargetGroup() {
        return wakerTargetGroup;
    }

    public Table table() {
        return table;
    }

    public Role functionRole() {
        return functionRole;
    }

    public Function function(BerthFunction f) {
        return functions.get(f);
    }

    /** The {@code live} alias of a function: what triggers invoke. */
    public Alias alias(BerthFunction f) {
        return aliases.get(f);
    }

    public HttpApi api() {
        return api;
    }

    /** A managed policy granting {@code execute-api:Invoke} on this API only. */
    public ManagedPolicy apiInvokePolicy() {
        return apiInvokePolicy;
    }

    /** Events EventBridge could not deliver to a function. */
    public Queue eventDeadLetters() {
        return eventDeadLetters;
    }

    /** Asynchronous invocations (events, alarms) that failed after Lambda's retries. */
    public Queue invocationDeadLetters() {
        return invocationDeadLetters;
    }

    public Rule buildEvents() {
        return buildEvents;
    }

    public Rule taskEvents() {
        return taskEvents;
    }

    public Rule sweepSchedule() {
        return sweepSchedule;
    }
}
