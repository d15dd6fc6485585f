package dev.berth.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.RestApi;
import dev.berth.functions.ApiHandler;
import dev.berth.functions.AwsPlatform;
import dev.berth.functions.BuildEventHandler;
import dev.berth.functions.FunctionConfig;
import dev.berth.functions.TaskEventHandler;
import dev.berth.functions.internal.AwsClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Berth's AWS side as the CDK stack wires it, on the emulator's data plane: a served ALB for the pod domain (real
 * TLS), a data-plane ECS cluster, a CodeBuild project that really builds, the functions' settings over them, the
 * {@link AwsPlatform} and API handler, and the stack's two event rules (the project's build changes, the cluster's
 * task changes) pumped into the build-events and task-events handlers. Only the Lambda invocations are ours. Close it
 * to stop the pumps. Not thread-safe: one per test instance.
 */
public final class DataPlaneStack implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AwsClients clients;
    private final FunctionConfig config;
    private final AwsPlatform platform;
    private final ApiHandler api;
    private final ServedAlb alb;
    private final EventPump buildEvents;
    private final EventPump taskEvents;

    private DataPlaneStack(Emulator aws, String domain, Map<String, String> settings) {
        clients = aws.clients();
        Fixtures.Network network = Fixtures.network(aws);
        String cluster = Fixtures.dataPlaneCluster(aws);
        alb = ServedAlb.create(aws, network, domain);
        var balancer = Fixtures.aliasTargets(aws, List.of(alb.listenerArn())).get(0);
        String bucket = Fixtures.bucket(aws);
        String repository = Fixtures.repository(aws);
        String project = Fixtures.codeBuildProject(aws, bucket, repository);
        Map<String, String> env = new LinkedHashMap<>(Map.ofEntries(
                Map.entry("BERTH_TABLE", Fixtures.table(aws)),
                Map.entry("BERTH_DOMAIN", domain),
                Map.entry("BERTH_CLUSTER", cluster),
                Map.entry("BERTH_SUBNETS", String.join(",", network.subnets())),
                Map.entry("BERTH_TASK_SECURITY_GROUP", network.securityGroup()),
                Map.entry("BERTH_VPC_ID", network.vpcId()),
                Map.entry("BERTH_LISTENER_ARNS", alb.listenerArn()),
                Map.entry("BERTH_HOSTED_ZONE_ID", Fixtures.hostedZone(aws, domain)),
                Map.entry("BERTH_LOAD_BALANCER_DNS_NAMES", balancer.dnsName()),
                Map.entry("BERTH_LOAD_BALANCER_ZONE_IDS", balancer.canonicalHostedZoneId()),
                Map.entry("BERTH_TASK_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/berth-exec"),
                // A task role: the data plane gives the task's containers moto's endpoint and credentials for it.
                Map.entry("BERTH_TASK_ROLE_ARN", "arn:aws:iam::123456789012:role/berth-pod"),
                Map.entry("BERTH_LOG_GROUP", Fixtures.logGroup(aws)),
                Map.entry("BERTH_ECR_REPOSITORY", repository),
                Map.entry("BERTH_CODEBUILD_PROJECT", project),
                Map.entry("BERTH_CONTEXT_BUCKET", bucket),
                Map.entry("BERTH_METRIC_NAMESPACE", Emulator.unique("Berth/DataPlane")),
                Map.entry("BERTH_REAPER_ARN", "arn:aws:lambda:us-east-1:123456789012:function:berth-reaper"),
                Map.entry("BERTH_WAKER_ARN", "arn:aws:lambda:us-east-1:123456789012:function:berth-waker"),
                Map.entry("BERTH_SIDECAR_IMAGE", Fixtures.sidecarImage()),
                Map.entry("BERTH_GPU_CAPACITY_PROVIDER", ""),
                Map.entry("BERTH_FARGATE_SPOT", "false")));
        env.putAll(settings);
        config = FunctionConfig.fromEnv(env);
        platform = new AwsPlatform(config, clients, Clock.systemUTC());
        api = new ApiHandler(new RestApi(platform.service()));
        BuildEventHandler builds = new BuildEventHandler(platform);
        TaskEventHandler tasks = new TaskEventHandler(platform, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        // The stack's two rules (cdk ControlPlane): the image project's build changes, the cluster's task changes.
        buildEvents = EventPump.start(aws, """
                {"source": ["aws.codebuild"], "detail-type": ["CodeBuild Build State Change"], "detail": {"project-name": ["%s"]}}"""
                .formatted(project), event -> builds.handleRequest(event, null));
        taskEvents = EventPump.start(aws, """
                {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": {"clusterArn": ["%s"]}}"""
                .formatted(cluster), event -> tasks.handleRequest(event, null));
    }

    /**
     * A new stack for pods under {@code domain}.
     *
     * @param settings function settings ({@code BERTH_*}) set over the stack's, e.g. {@code BERTH_READINESS_TIMEOUT_SECONDS}
     */
    public static DataPlaneStack start(Emulator aws, String domain, Map<String, String> settings) {
        return new DataPlaneStack(aws, domain, settings);
    }

    public AwsClients clients() {
        return clients;
    }

    public FunctionConfig config() {
        return config;
    }

    public AwsPlatform platform() {
        return platform;
    }

    public ServedAlb alb() {
        return alb;
    }

    /** Calls the API handler as API Gateway would (payload v2); asserts the status and returns the JSON body. */
    public JsonNode call(String method, String path, String body, int expectedStatus) {
        APIGatewayV2HTTPResponse response = api.handleRequest(event(method, path, body), null);
        assertThat(response.getStatusCode()).as(method + " " + path + ": " + response.getBody()).isEqualTo(expectedStatus);
        try {
            return JSON.readTree(response.getBody());
        } catch (IOException e) {
            throw new UncheckedIOException("Not JSON from " + method + " " + path + ": " + response.getBody(), e);
        }
    }

    /** The pod once {@code until} holds for it, polling {@code GET /v1/pods/<id>}; fails with the last one seen after {@code timeout}. */
    public JsonNode awaitPod(String id, Predicate<JsonNode> until, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode pod = call("GET", "/v1/pods/" + id, null, 200);
        while (!until.test(pod)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("pod " + id + " did not get there within " + timeout + "; last: " + pod);
            }
            Thread.sleep(250);
            pod = call("GET", "/v1/pods/" + id, null, 200);
        }
        return pod;
    }

    /** The pod's log through {@code GET /v1/pods/<id>/logs}. */
    public String logs(String id) {
        APIGatewayV2HTTPResponse response = api.handleRequest(event("GET", "/v1/pods/" + id + "/logs", null), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return response.getBody();
    }

    /** What a container of the task logged ({@code awslogs} stream {@code pod/<container>/<task id>}), or a note that it logged nothing. */
    public String containerLog(String taskArn, String container) {
        String stream = "pod/" + container + "/" + taskArn.substring(taskArn.lastIndexOf('/') + 1);
        try {
            return String.join("\n", clients.logs().getLogEvents(r -> r.logGroupName(config.logGroup()).logStreamName(stream)
                    .startFromHead(true)).events().stream().map(e -> e.message()).toList());
        } catch (software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException e) {
            return "(no log stream " + stream + ")";
        }
    }

    /** The task's last status, once it is {@code status} or after 30 s. */
    public String awaitTaskStatus(String taskArn, String status) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        String last;
        do {
            last = clients.ecs().describeTasks(r -> r.cluster(config.cluster()).tasks(taskArn)).tasks().get(0).lastStatus();
            if (status.equals(last)) {
                return last;
            }
            Thread.sleep(200);
        } while (Instant.now().isBefore(deadline));
        return last;
    }

    @Override
    public void close() {
        buildEvents.close();
        taskEvents.close();
    }

    private static APIGatewayV2HTTPEvent event(String method, String path, String body) {
        var event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRouteKey("$default").withRawPath(path)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .build())
                .withIsBase64Encoded(false);
        if (body != null) {
            event.withHeaders(Map.of("content-type", "application/json")).withBody(body);
        }
        return event.build();
    }
}
