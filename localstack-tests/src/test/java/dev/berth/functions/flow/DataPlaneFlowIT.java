package dev.berth.functions.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.RestApi;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.EventPump;
import dev.berth.emulator.Fixtures;
import dev.berth.emulator.ServedAlb;
import dev.berth.functions.ApiHandler;
import dev.berth.functions.AwsPlatform;
import dev.berth.functions.BuildEventHandler;
import dev.berth.functions.FunctionConfig;
import dev.berth.functions.TaskEventHandler;
import dev.berth.functions.internal.AwsClients;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pod through the whole AWS side with nothing stubbed between the calls: the API handler creates it, CodeBuild
 * (the emulator's data plane) builds its image into ECR, the build event reaches the build-events handler through
 * an EventBridge rule, ECS runs the task's containers (pod, activity sidecar, readiness check), the task events
 * reach the task-events handler the same way, the router's host rule sends real HTTPS through the ALB to the pod.
 * Only the Lambda invocations are ours: an {@link EventPump} per rule stands in for the Lambda targets.
 */
@ExtendWith(EmulatorExtension.class)
class DataPlaneFlowIT {
    private static final String DOMAIN = "pods.example.test";
    private static final Duration FLOW_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AwsClients clients;
    private final FunctionConfig config;
    private final AwsPlatform platform;
    private final ApiHandler api;
    private final ServedAlb alb;
    private final EventPump buildEvents;
    private final EventPump taskEvents;

    DataPlaneFlowIT(Emulator aws) {
        clients = aws.clients();
        Fixtures.Network network = Fixtures.network(aws);
        String cluster = Fixtures.dataPlaneCluster(aws);
        alb = ServedAlb.create(aws, network, DOMAIN);
        var balancer = Fixtures.aliasTargets(aws, java.util.List.of(alb.listenerArn())).get(0);
        String bucket = Fixtures.bucket(aws);
        String repository = Fixtures.repository(aws);
        String project = Fixtures.codeBuildProject(aws, bucket, repository);
        config = FunctionConfig.fromEnv(Map.ofEntries(
                Map.entry("BERTH_TABLE", Fixtures.table(aws)),
                Map.entry("BERTH_DOMAIN", DOMAIN),
                Map.entry("BERTH_CLUSTER", cluster),
                Map.entry("BERTH_SUBNETS", String.join(",", network.subnets())),
                Map.entry("BERTH_TASK_SECURITY_GROUP", network.securityGroup()),
                Map.entry("BERTH_VPC_ID", network.vpcId()),
                Map.entry("BERTH_LISTENER_ARNS", alb.listenerArn()),
                Map.entry("BERTH_HOSTED_ZONE_ID", Fixtures.hostedZone(aws, DOMAIN)),
                Map.entry("BERTH_LOAD_BALANCER_DNS_NAMES", balancer.dnsName()),
                Map.entry("BERTH_LOAD_BALANCER_ZONE_IDS", balancer.canonicalHostedZoneId()),
                Map.entry("BERTH_TASK_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/berth-exec"),
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
                Map.entry("BERTH_FARGATE_SPOT", "false"),
                Map.entry("BERTH_READINESS_TIMEOUT_SECONDS", "8")));
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

    @AfterEach
    void stopPumps() {
        buildEvents.close();
        taskEvents.close();
    }

    @Test
    void create_buildsRunsAndServesThePageOverHttpsThroughTheAlb_andStopTakesItDown() throws Exception {
        String marker = Emulator.unique("served");
        JsonNode created = call("POST", "/v1/pods", """
                {"image": {"base": "busybox:latest", "commands": ["mkdir -p /www && echo %s > /www/index.html"]},
                 "entrypoint": ["sh", "-c", "echo serving from Fargate; exec httpd -f -p 8080 -h /www"],
                 "ports": [8080], "cpu": 0.25, "memoryMiB": 512, "keepWarmSeconds": 600}""".formatted(marker), 202);
        String id = created.path("id").asText();

        JsonNode running = awaitPod(id, pod -> !pod.path("status").asText().matches("PENDING|BUILDING|STARTING"));
        assertThat(running.path("status").asText()).as(running.toString()).isEqualTo("RUNNING");
        String host = id + "-8080." + DOMAIN;
        assertThat(running.path("urls").path("8080").asText()).isEqualTo("https://" + host + "/");

        ServedAlb.Response page = alb.get(host);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body().strip()).isEqualTo(marker);
        assertThat(logs(id)).contains("serving from Fargate");

        JsonNode stopped = call("DELETE", "/v1/pods/" + id, null, 200);
        assertThat(stopped.path("status").asText()).isIn("STOPPING", "STOPPED");
        JsonNode gone = awaitPod(id, pod -> pod.path("status").asText().equals("STOPPED"));
        assertThat(gone.path("stopReason").asText()).isEqualTo("USER");
        assertThat(alb.get(host).status()).isEqualTo(404);
        String task = platform.store().find(dev.berth.pod.PodId.of(id)).orElseThrow().runtimeRef();
        assertThat(awaitTaskStatus(task, "STOPPED")).isEqualTo("STOPPED");
    }

    @Test
    void create_whenTheBuildFails_failsThePodNamingTheStepFromTheBuildLog() throws Exception {
        String marker = Emulator.unique("broken");
        JsonNode created = call("POST", "/v1/pods", """
                {"image": {"base": "busybox:latest", "commands": ["echo %s && exit 9"]},
                 "entrypoint": ["sleep", "60"], "keepWarmSeconds": 60}""".formatted(marker), 202);

        JsonNode failed = awaitPod(created.path("id").asText(), pod -> !pod.path("status").asText().matches("PENDING|BUILDING"));

        assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("FAILED");
        assertThat(failed.path("message").asText()).contains(marker).contains("9");
    }

    @Test
    void create_whenThePortNeverAnswers_failsThePodNamingThePort() throws Exception {
        JsonNode created = call("POST", "/v1/pods", """
                {"image": {"base": "busybox:latest", "commands": ["echo quiet"]},
                 "entrypoint": ["sleep", "3600"], "ports": [8080], "keepWarmSeconds": 60}""", 202);

        JsonNode failed = awaitPod(created.path("id").asText(), pod -> !pod.path("status").asText().matches("PENDING|BUILDING|STARTING"));

        assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("FAILED");
        assertThat(failed.path("message").asText()).contains("8080");
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private JsonNode call(String method, String path, String body, int expectedStatus) throws Exception {
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRouteKey("$default").withRawPath(path)
                .withHeaders(Map.of("content-type", "application/json"))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .build())
                .withBody(body).withIsBase64Encoded(false).build();
        APIGatewayV2HTTPResponse response = api.handleRequest(event, null);
        assertThat(response.getStatusCode()).as(method + " " + path + ": " + response.getBody()).isEqualTo(expectedStatus);
        return JSON.readTree(response.getBody());
    }

    private JsonNode awaitPod(String id, Predicate<JsonNode> until) throws Exception {
        return awaitPod(id, until, FLOW_TIMEOUT);
    }

    private JsonNode awaitPod(String id, Predicate<JsonNode> until, Duration timeout) throws Exception {
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

    private String logs(String id) throws Exception {
        APIGatewayV2HTTPResponse response = api.handleRequest(APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRouteKey("$default").withRawPath("/v1/pods/" + id + "/logs")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath("/v1/pods/" + id + "/logs")
                                .build()).build())
                .withIsBase64Encoded(false).build(), null);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(200);
        return response.getBody();
    }

    private String awaitTaskStatus(String taskArn, String status) throws InterruptedException {
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
}
