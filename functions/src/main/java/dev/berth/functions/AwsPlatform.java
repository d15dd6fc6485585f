package dev.berth.functions;

import static dev.berth.functions.FunctionConfig.require;

import dev.berth.functions.image.CodeBuildImageBuilder;
import dev.berth.functions.internal.AwsClients;
import dev.berth.functions.reap.CloudWatchActivitySource;
import dev.berth.functions.reap.IdleAlarms;
import dev.berth.functions.route.AlbRouter;
import dev.berth.functions.run.EcsFargatePodRuntime;
import dev.berth.functions.run.TaskEventLedger;
import dev.berth.functions.store.DynamoDbPodStore;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodService;
import dev.berth.route.UrlScheme;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/**
 * Berth on AWS, wired once per Lambda container: the adapters over one set of SDK clients and the
 * {@link PodService} over them. Work that core runs "in the background" runs inline here (a frozen Lambda
 * runs no threads), so each handler's call returns when its step is done.
 */
public final class AwsPlatform {
    private static volatile AwsPlatform fromEnvironment;

    private final FunctionConfig config;
    private final DynamoDbPodStore store;
    private final CodeBuildImageBuilder builder;
    private final EcsFargatePodRuntime runtime;
    private final AlbRouter router;
    private final IdleAlarms alarms;
    private final CloudWatchActivitySource activity;
    private final TaskEventLedger taskEvents;
    private final PodService service;
    private final Clock clock;

    public AwsPlatform(FunctionConfig config, AwsClients clients, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        String table = require(config.table(), "BERTH_TABLE");
        PodEvents.Relay events = new PodEvents.Relay();
        CloudWatchLogsClient logs = clients.logs();
        this.store = new DynamoDbPodStore(clients.dynamoDb(), table);
        this.builder = new CodeBuildImageBuilder(clients.codeBuild(), clients.s3(), clients.ecr(), clients.dynamoDb(), logs,
                new CodeBuildImageBuilder.Settings(require(config.codeBuildProject(), "BERTH_CODEBUILD_PROJECT"),
                        require(config.contextBucket(), "BERTH_CONTEXT_BUCKET"), require(config.ecrRepository(), "BERTH_ECR_REPOSITORY"), table),
                events);
        this.runtime = new EcsFargatePodRuntime(clients.ecs(), logs, new EcsFargatePodRuntime.Settings(
                clients.region().id(), require(config.cluster(), "BERTH_CLUSTER"), require(config.subnets(), "BERTH_SUBNETS"),
                require(config.taskSecurityGroup(), "BERTH_TASK_SECURITY_GROUP"),
                require(config.taskExecutionRoleArn(), "BERTH_TASK_EXECUTION_ROLE_ARN"), config.taskRoleArn(),
                require(config.logGroup(), "BERTH_LOG_GROUP"), config.sidecarImage(), config.metricNamespace(),
                config.gpuCapacityProvider(), config.fargateSpot(), config.activityInterval()), config.readinessTimeout(), events);
        AlbRouter.Settings routes = new AlbRouter.Settings(require(config.vpcId(), "BERTH_VPC_ID"),
                require(config.listenerArns(), "BERTH_LISTENER_ARNS"), require(config.domain(), "BERTH_DOMAIN"), config.wakerArn(), 100, config.dns(),
                config.wakerTargetGroup());
        this.router = new AlbRouter(clients.elb(), routes.dns() == null ? null : clients.route53(), routes);
        this.alarms = new IdleAlarms(clients.cloudWatch(), config.metricNamespace(), config.reaperArn());
        this.taskEvents = new TaskEventLedger(clients.dynamoDb(), table);
        this.activity = new CloudWatchActivitySource(clients.cloudWatch(), router, config.metricNamespace(),
                clock, Duration.ofHours(3));
        this.service = new PodService(store, builder, runtime, router, activity, new UrlScheme(config.domain(), 443), clock, Runnable::run);
        events.bind(service);
    }

    /** The platform of this Lambda container, wired from {@code System.getenv()} on first use. */
    public static AwsPlatform fromEnvironment() {
        AwsPlatform p = fromEnvironment;
        if (p == null) {
            synchronized (AwsPlatform.class) {
                p = fromEnvironment;
                if (p == null) {
                    p = new AwsPlatform(FunctionConfig.fromEnv(System.getenv()), AwsClients.fromEnvironment(), Clock.systemUTC());
                    fromEnvironment = p;
                }
            }
        }
        return p;
    }

    public FunctionConfig config() {
        return config;
    }

    public DynamoDbPodStore store() {
        return store;
    }

    public CodeBuildImageBuilder builder() {
        return builder;
    }

    public EcsFargatePodRuntime runtime() {
        return runtime;
    }

    public AlbRouter router() {
        return router;
    }

    public IdleAlarms alarms() {
        return alarms;
    }

    /** Where the pod service reads a pod's activity (the sweep's idle check): the sidecar's connections and the ALB's requests. */
    public CloudWatchActivitySource activity() {
        return activity;
    }

    public TaskEventLedger taskEvents() {
        return taskEvents;
    }

    public PodService service() {
        return service;
    }

    public Clock clock() {
        return clock;
    }
}
