package dev.berth.functions.flow;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.ApplicationLoadBalancerRequestEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.api.ApiRequest;
import dev.berth.api.ApiResponse;
import dev.berth.api.RestApi;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.functions.ApiHandler;
import dev.berth.functions.AwsPlatform;
import dev.berth.functions.BuildEventHandler;
import dev.berth.functions.FunctionConfig;
import dev.berth.functions.ReaperHandler;
import dev.berth.functions.SweepHandler;
import dev.berth.functions.TaskEventHandler;
import dev.berth.functions.WakerHandler;
import dev.berth.functions.internal.AwsClients;
import dev.berth.functions.internal.CodeBuildApi;
import dev.berth.functions.reap.IdleAlarms;
import dev.berth.functions.route.AlbRouter;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodStatus;
import dev.berth.pod.StopReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.Rule;

/**
 * The AWS side end to end against the emulator: the Lambda handlers, fed events in their real JSON shapes,
 * drive the adapters over DynamoDB, S3, ECR, CodeBuild, ECS, ELBv2 and CloudWatch.
 */
@ExtendWith(EmulatorExtension.class)
class WholeFlowIT {
    private static final String DOMAIN = "pods.example.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Emulator aws;
    private final AwsClients clients;
    private final ByteArrayOutputStream metrics = new ByteArrayOutputStream();
    private final Map<String, String> env;
    private final FunctionConfig config;
    private final String zone;
    private final AwsPlatform platform;
    private final ApiHandler api;
    private final BuildEventHandler builds;
    private final TaskEventHandler tasks;
    private final ReaperHandler reaper;
    private final SweepHandler sweep;

    WholeFlowIT(Emulator aws) {
        this.aws = aws;
        this.clients = aws.clients();
        Fixtures.Network network = Fixtures.network(aws);
        String cluster = Fixtures.cluster(aws);
        List<String> listeners = Fixtures.listeners(aws, network, 2);
        List<AlbRouter.AliasTarget> albs = Fixtures.aliasTargets(aws, listeners);
        zone = Fixtures.hostedZone(aws, DOMAIN);
        env = Map.ofEntries(
                Map.entry("BERTH_TABLE", Fixtures.table(aws)),
                Map.entry("BERTH_DOMAIN", DOMAIN),
                Map.entry("BERTH_CLUSTER", cluster),
                Map.entry("BERTH_SUBNETS", String.join(",", network.subnets())),
                Map.entry("BERTH_TASK_SECURITY_GROUP", network.securityGroup()),
                Map.entry("BERTH_VPC_ID", network.vpcId()),
                Map.entry("BERTH_LISTENER_ARNS", String.join(",", listeners)),
                Map.entry("BERTH_HOSTED_ZONE_ID", zone),
                Map.entry("BERTH_LOAD_BALANCER_DNS_NAMES", String.join(",", albs.stream().map(AlbRouter.AliasTarget::dnsName).toList())),
                Map.entry("BERTH_LOAD_BALANCER_ZONE_IDS", String.join(",", albs.stream().map(AlbRouter.AliasTarget::canonicalHostedZoneId).toList())),
                Map.entry("BERTH_TASK_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/berth-exec"),
                Map.entry("BERTH_TASK_ROLE_ARN", "arn:aws:iam::123456789012:role/berth-pod"),
                Map.entry("BERTH_LOG_GROUP", Fixtures.logGroup(aws)),
                Map.entry("BERTH_ECR_REPOSITORY", Fixtures.repository(aws)),
                Map.entry("BERTH_CODEBUILD_PROJECT", Fixtures.codeBuildProject(aws)),
                Map.entry("BERTH_CONTEXT_BUCKET", Fixtures.bucket(aws)),
                Map.entry("BERTH_METRIC_NAMESPACE", Emulator.unique("Berth/Flow")),
                Map.entry("BERTH_REAPER_ARN", "arn:aws:lambda:us-east-1:123456789012:function:berth-reaper"),
                Map.entry("BERTH_WAKER_ARN", "arn:aws:lambda:us-east-1:123456789012:function:berth-waker"),
                Map.entry("BERTH_SIDECAR_IMAGE", "123456789012.dkr.ecr.us-east-1.amazonaws.com/berth-activity:1"),
                Map.entry("BERTH_GPU_CAPACITY_PROVIDER", ""),
                Map.entry("BERTH_FARGATE_SPOT", "false"));
        config = FunctionConfig.fromEnv(env);
        platform = new AwsPlatform(config, clients, Clock.systemUTC());
        api = new ApiHandler(new RestApi(platform.service()));
        builds = new BuildEventHandler(platform);
        tasks = new TaskEventHandler(platform, new PrintStream(metrics, true, StandardCharsets.UTF_8));
        reaper = new ReaperHandler(platform);
        sweep = new SweepHandler(platform);
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static APIGatewayV2HTTPEvent apiEvent(String method, String path, String query, String body) {
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRouteKey("$default").withRawPath(path).withRawQueryString(query)
                .withHeaders(Map.of("content-type", "application/json"))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                        .build())
                .withBody(body).withIsBase64Encoded(false).build();
    }

    private static JsonNode json(String body) throws Exception {
        return JSON.readTree(body);
    }

    private List<String> builds() {
        List<String> ids = new ArrayList<>();
        clients.codeBuild().call("ListBuildsForProject", CodeBuildApi.object().put("projectName", config.codeBuildProject()))
                .path("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    private Pod pod(PodId id) {
        return platform.store().find(id).orElseThrow();
    }

    private Task task(String arn) {
        return clients.ecs().describeTasks(r -> r.cluster(config.cluster()).tasks(arn)).tasks().get(0);
    }

    private static String ip(Task task) {
        return task.attachments().get(0).details().stream().filter(d -> d.name().equals("privateIPv4Address")).findFirst().orElseThrow().value();
    }

    private List<Rule> rulesFor(String host) {
        List<Rule> found = new ArrayList<>();
        for (String listener : config.listenerArns()) {
            String marker = null;
            do {
                String m = marker;
                var page = clients.elb().describeRules(r -> r.listenerArn(listener).marker(m));
                page.rules().stream().filter(r -> r.conditions().stream().anyMatch(c -> c.hostHeaderConfig() != null
                        && c.hostHeaderConfig().values().contains(host))).forEach(found::add);
                marker = page.nextMarker();
            } while (marker != null);
        }
        return found;
    }

    /** Whether the host's rule is on the pool's second ALB (the wildcard record covers only the first). */
    private boolean onSecondAlb(String host) {
        String listener = config.listenerArns().get(1);
        String listenerId = listener.substring(listener.lastIndexOf('/') + 1);
        return rulesFor(host).stream().anyMatch(r -> r.ruleArn().contains("/" + listenerId + "/"));
    }

    /** Names of the A alias records in the pod zone. */
    private List<String> aliasRecords() {
        return clients.route53().listResourceRecordSets(r -> r.hostedZoneId(zone)).resourceRecordSets().stream()
                .filter(rr -> rr.aliasTarget() != null).map(rr -> rr.name().replaceAll("\\.$", "")).toList();
    }

    private boolean targetGroupExists(PodId pod, int port) {
        return clients.elb().describeTargetGroups().targetGroups().stream()
                .anyMatch(tg -> tg.targetGroupName().equals(AlbRouter.targetGroupName(pod, port)));
    }

    private Map<String, Object> taskEvent(Task task, PodId pod, String status, long version, Integer exitCode, String stopCode) {
        return EventShapes.ecsTaskStateChange(task.clusterArn(), task.taskArn(), task.taskDefinitionArn(), pod.value(), status,
                version, ip(task), exitCode, stopCode, "Task stopped");
    }

    /** POST /v1/pods, build SUCCEEDED, task RUNNING: a pod served at its URL. */
    private PodId runningPod(String marker) throws Exception {
        PodId id = startingPod(marker);
        Task task = task(pod(id).runtimeRef());
        assertThat(tasks.handleRequest(taskEvent(task, id, "RUNNING", 3, null, null), null)).isEqualTo("running");
        assertThat(pod(id).status()).isEqualTo(PodStatus.RUNNING);
        return id;
    }

    /** POST /v1/pods, build SUCCEEDED: a pod whose task was started. */
    private PodId startingPod(String marker) throws Exception {
        String spec = """
                {"image": {"commands": ["echo %s"]}, "entrypoint": ["python3", "-m", "http.server", "8000"],
                 "ports": [8000], "keepWarmSeconds": 0}""".formatted(marker);
        APIGatewayV2HTTPResponse created = api.handleRequest(apiEvent("POST", "/v1/pods", null, spec), null);
        assertThat(created.getStatusCode()).as(created.getBody()).isEqualTo(202);
        PodId id = PodId.of(json(created.getBody()).path("id").asText());
        Pod building = pod(id);
        assertThat(building.status()).isEqualTo(PodStatus.BUILDING);

        // CodeBuild pushes the image, then EventBridge reports the build.
        clients.ecr().putImage(r -> r.repositoryName(config.ecrRepository()).imageTag(building.imageId().value()).imageManifest(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"digest\":\"sha256:"
                        + building.imageId().value() + "\",\"size\":1,\"mediaType\":\"application/vnd.docker.container.image.v1+json\"},\"layers\":[]}"));
        String buildId = builds().stream().filter(b -> true).reduce((a, b) -> b).orElseThrow();
        assertThat(builds.handleRequest(EventShapes.codeBuildStateChange(config.codeBuildProject(), buildId, "SUCCEEDED",
                building.imageId().value(), null), null)).isEqualTo("built");

        Pod starting = pod(id);
        assertThat(starting.status()).isEqualTo(PodStatus.STARTING);
        assertThat(starting.runtimeRef()).startsWith("arn:aws:ecs:");
        Task task = task(starting.runtimeRef());
        assertThat(task.startedBy()).isEqualTo(id.value());
        return id;
    }

    // ---- tests -------------------------------------------------------------------------------------------

    @Test
    void create_build_run_route_reap_wholeFlowLeavesNothingBehind() throws Exception {
        int buildsBefore = builds().size();
        PodId id = runningPod("whole-flow");
        assertThat(builds()).hasSize(buildsBefore + 1);
        Pod running = pod(id);
        String host = id.value() + "-8000." + DOMAIN;

        String ip = ip(task(running.runtimeRef()));
        String tg = clients.elb().describeTargetGroups(r -> r.names(AlbRouter.targetGroupName(id, 8000))).targetGroups().get(0).targetGroupArn();
        assertThat(clients.elb().describeTargetHealth(r -> r.targetGroupArn(tg)).targetHealthDescriptions())
                .extracting(d -> d.target().id() + ":" + d.target().port()).containsExactly(ip + ":8000");
        assertThat(rulesFor(host)).singleElement().satisfies(rule -> assertThat(rule.actions().get(0).targetGroupArn()).isEqualTo(tg));
        assertThat(platform.alarms().describe(id)).get().satisfies(a -> assertThat(a.alarmActions()).containsExactly(config.reaperArn()));
        assertThat(running.urls().get(8000).toString()).isEqualTo("https://" + host + "/");
        assertThat(aliasRecords()).isEqualTo(onSecondAlb(host) ? List.of(host) : List.of());
        // One EMF line for the dashboard's create latency (namespace Berth/Platform, no dimensions).
        JsonNode emf = json(metrics.toString(StandardCharsets.UTF_8).strip());
        assertThat(emf.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText()).isEqualTo("Berth/Platform");
        assertThat(emf.path("_aws").path("CloudWatchMetrics").get(0).path("Metrics").get(0).path("Name").asText()).isEqualTo("PodCreateLatency");
        assertThat(emf.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions").get(0)).isEmpty();
        assertThat(emf.path("PodCreateLatency").asLong()).isEqualTo(
                java.time.Duration.between(running.createdAt(), running.runningSince()).toMillis());
        assertThat(emf.path("podId").asText()).isEqualTo(id.value());

        // The same RUNNING event again (EventBridge delivers at least once) changes nothing.
        assertThat(tasks.handleRequest(taskEvent(task(running.runtimeRef()), id, "RUNNING", 3, null, null), null)).isEqualTo("duplicate");

        assertThat(reaper.handleRequest(EventShapes.alarmStateChange(IdleAlarms.alarmName(id), "ALARM"), null)).isEqualTo("reaped");

        Pod reaped = pod(id);
        assertThat(reaped.status()).isEqualTo(PodStatus.STOPPED);
        assertThat(reaped.stopReason()).isEqualTo(StopReason.IDLE);
        assertThat(task(running.runtimeRef()).lastStatus()).isEqualTo("STOPPED");
        assertThat(rulesFor(host)).isEmpty();
        assertThat(targetGroupExists(id, 8000)).isFalse();
        assertThat(platform.alarms().describe(id)).isEmpty();
        assertThat(aliasRecords()).isEmpty();

        // ECS then reports the stop it was asked for: the record keeps its reason.
        assertThat(tasks.handleRequest(taskEvent(task(running.runtimeRef()), id, "STOPPED", 6, 137, "UserInitiated"), null)).isEqualTo("stopped");
        assertThat(pod(id).stopReason()).isEqualTo(StopReason.IDLE);
    }

    @Test
    void taskEvent_runningBeforeThePortsAnswer_waitsForTheReadyContainer() throws Exception {
        PodId id = startingPod("ready-later");
        Task task = task(pod(id).runtimeRef());

        assertThat(tasks.handleRequest(EventShapes.ecsTaskStateChange(task.clusterArn(), task.taskArn(), task.taskDefinitionArn(),
                id.value(), "RUNNING", 2, ip(task), null, null, null, null), null)).isEqualTo("starting");
        assertThat(pod(id).status()).isEqualTo(PodStatus.STARTING);

        assertThat(tasks.handleRequest(taskEvent(task, id, "RUNNING", 3, null, null), null)).isEqualTo("running");
        assertThat(pod(id).status()).isEqualTo(PodStatus.RUNNING);

        assertThat(api.handleRequest(apiEvent("DELETE", "/v1/pods/" + id.value(), null, null), null).getStatusCode()).isEqualTo(200);
    }

    @Test
    void taskEvent_whenThePortsNeverAnswer_failsThePodWithTheReadyContainersLineAndStopsTheTask() throws Exception {
        PodId id = startingPod("never-ready");
        Task task = task(pod(id).runtimeRef());
        String taskId = task.taskArn().substring(task.taskArn().lastIndexOf('/') + 1);
        String stream = "pod/ready/" + taskId;
        clients.logs().createLogStream(r -> r.logGroupName(config.logGroup()).logStreamName(stream));
        clients.logs().putLogEvents(r -> r.logGroupName(config.logGroup()).logStreamName(stream).logEvents(
                e -> e.timestamp(System.currentTimeMillis()).message("port 8000 did not accept a connection within 300 s")));

        assertThat(tasks.handleRequest(EventShapes.ecsTaskStateChange(task.clusterArn(), task.taskArn(), task.taskDefinitionArn(),
                id.value(), "RUNNING", 2, ip(task), null, null, null, 3), null)).isEqualTo("failed");

        Pod failed = pod(id);
        assertThat(failed.status()).isEqualTo(PodStatus.FAILED);
        assertThat(failed.message()).isEqualTo("port 8000 did not accept a connection within 300 s");
        assertThat(task(task.taskArn()).desiredStatus()).isEqualTo("STOPPED");
        assertThat(targetGroupExists(id, 8000)).isFalse();
    }

    @Test
    void taskEvent_whoseHandlingFailed_isHandledWhenLambdaRetriesIt() throws Exception {
        PodId id = startingPod("retry");
        Task task = task(pod(id).runtimeRef());
        Map<String, String> broken = new java.util.HashMap<>(env);
        String listener = config.listenerArns().get(0);
        broken.put("BERTH_LISTENER_ARNS", listener.substring(0, listener.lastIndexOf('/') + 1) + "0000000000000000," + config.listenerArns().get(1));
        TaskEventHandler failing = new TaskEventHandler(new AwsPlatform(FunctionConfig.fromEnv(broken), clients, Clock.systemUTC()));
        Map<String, Object> running = taskEvent(task, id, "RUNNING", 3, null, null);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> failing.handleRequest(running, null))
                .isInstanceOf(RuntimeException.class);
        assertThat(pod(id).status()).isEqualTo(PodStatus.STARTING);

        assertThat(tasks.handleRequest(running, null)).isEqualTo("running");
        assertThat(pod(id).status()).isEqualTo(PodStatus.RUNNING);
        assertThat(tasks.handleRequest(running, null)).isEqualTo("duplicate");

        // Leave nothing routed: the emulator is shared with the other tests' sweeps.
        assertThat(api.handleRequest(apiEvent("DELETE", "/v1/pods/" + id.value(), null, null), null).getStatusCode()).isEqualTo(200);
        assertThat(targetGroupExists(id, 8000)).isFalse();
    }

    @Test
    void stop_racingTheReaper_endsInOneStoppedRecord() throws Exception {
        PodId id = runningPod("race");
        String taskArn = pod(id).runtimeRef();
        long runningVersion = pod(id).version();
        CyclicBarrier start = new CyclicBarrier(2);
        CompletableFuture<APIGatewayV2HTTPResponse> user = CompletableFuture.supplyAsync(() -> {
            await(start);
            return api.handleRequest(apiEvent("DELETE", "/v1/pods/" + id, null, null), null);
        });
        CompletableFuture<String> idle = CompletableFuture.supplyAsync(() -> {
            await(start);
            return reaper.handleRequest(EventShapes.alarmStateChange(IdleAlarms.alarmName(id), "ALARM"), null);
        });

        assertThat(user.get().getStatusCode()).isBetween(200, 299);
        idle.get();

        Pod stopped = pod(id);
        assertThat(stopped.status()).isEqualTo(PodStatus.STOPPED);
        assertThat(stopped.stopReason()).isIn(StopReason.USER, StopReason.IDLE);
        assertThat(stopped.version()).as("one stop: RUNNING -> STOPPING -> STOPPED, two writes").isEqualTo(runningVersion + 2);
        assertThat(task(taskArn).lastStatus()).isEqualTo("STOPPED");
        assertThat(rulesFor(id.value() + "-8000." + DOMAIN)).isEmpty();
        assertThat(targetGroupExists(id, 8000)).isFalse();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sweep_whenStoppedEventWasLost_closesRecordAndRemovesRuleTargetGroupAndAlarm() throws Exception {
        PodId id = runningPod("lost-event");
        String taskArn = pod(id).runtimeRef();
        // The task dies; its STOPPED event never arrives.
        clients.ecs().stopTask(r -> r.cluster(config.cluster()).task(taskArn).reason("Essential container in task exited"));
        // Meanwhile something left a target group for a pod that has no record.
        PodId stranger = PodId.random();
        platform.router().publish(new dev.berth.route.Route(stranger, stranger.value(),
                Map.of(9000, new dev.berth.run.Endpoint("10.20.1.99", 9000)), false));

        Map<String, Integer> swept = sweep.handleRequest(Map.of("source", "aws.events", "detail-type", "Scheduled Event"), null);

        Pod closed = pod(id);
        assertThat(closed.status()).isEqualTo(PodStatus.STOPPED);
        assertThat(closed.stopReason()).isIn(StopReason.EXITED, StopReason.LOST);
        assertThat(rulesFor(id.value() + "-8000." + DOMAIN)).isEmpty();
        assertThat(targetGroupExists(id, 8000)).isFalse();
        assertThat(platform.alarms().describe(id)).isEmpty();
        assertThat(targetGroupExists(stranger, 9000)).isFalse();
        assertThat(rulesFor(stranger.value() + "-9000." + DOMAIN)).isEmpty();
        assertThat(swept).containsKeys("reaped", "routesWithdrawn", "alarmsDeleted", "rulesDeleted");
    }

    @Test
    void buildFailed_failsThePodWithReasonAndLogLink() throws Exception {
        String spec = """
                {"image": {"commands": ["exit 3"]}, "entrypoint": ["true"], "ports": [8000]}""";
        PodId id = PodId.of(json(api.handleRequest(apiEvent("POST", "/v1/pods", null, spec), null).getBody()).path("id").asText());
        String buildId = builds().stream().reduce((a, b) -> b).orElseThrow();

        builds.handleRequest(EventShapes.codeBuildStateChange(config.codeBuildProject(), buildId, "FAILED", pod(id).imageId().value(),
                "COMMAND_EXECUTION_ERROR: Error while executing command: exit 3. Reason: exit status 3"), null);

        Pod failed = pod(id);
        assertThat(failed.status()).isEqualTo(PodStatus.FAILED);
        assertThat(failed.stopReason()).isEqualTo(StopReason.FAILED);
        assertThat(failed.message()).contains("exit status 3").contains("https://console.aws.amazon.com/cloudwatch/");
        assertThat(clients.ecs().listTasks(r -> r.cluster(config.cluster()).startedBy(id.value())).taskArns()).isEmpty();
    }

    @Test
    void badRequests_throughApiHandler_getTheSame4xxAsTheLocalApi() throws Exception {
        RestApi local = new RestApi(platform.service());
        record Case(String method, String path, String body, int status, String code) {
        }
        List<Case> cases = List.of(
                new Case("POST", "/v1/pods", "{\"entrypoint\": [\"x\"], \"ports\": [70000]}", 400, "INVALID_SPEC"),
                new Case("POST", "/v1/pods", "{\"entrypoint\": [\"x\"", 400, "MALFORMED_JSON"),
                new Case("GET", "/v1/pods/p00000000000", null, 404, "NOT_FOUND"),
                new Case("DELETE", "/v1/health", null, 405, "METHOD_NOT_ALLOWED"));
        for (Case c : cases) {
            APIGatewayV2HTTPResponse viaLambda = api.handleRequest(apiEvent(c.method(), c.path(), null, c.body()), null);
            ApiResponse direct = local.handle(c.body() == null ? ApiRequest.of(c.method(), c.path()) : ApiRequest.of(c.method(), c.path(), c.body()));

            assertThat(viaLambda.getStatusCode()).as(c.toString()).isEqualTo(c.status()).isEqualTo(direct.status());
            assertThat(json(viaLambda.getBody())).as(c.toString()).isEqualTo(json(direct.bodyText()));
            assertThat(json(viaLambda.getBody()).path("error").path("code").asText()).isEqualTo(c.code());
        }
        JsonNode port = json(api.handleRequest(apiEvent("POST", "/v1/pods", null, cases.get(0).body()), null).getBody()).path("error");
        assertThat(port.path("field").asText()).isEqualTo("ports[0]");
        assertThat(port.path("message").asText()).contains("70000");
    }

    @Test
    void waker_startsAReapedDeploymentAndAnswersRetryingStarting() throws Exception {
        String name = "w" + Emulator.unique("app").replace("-", "").substring(0, 10);
        APIGatewayV2HTTPResponse deployed = api.handleRequest(apiEvent("POST", "/v1/deployments", null, """
                {"name": "%s", "entrypoint": ["python3", "-m", "http.server", "8000"], "ports": [8000]}""".formatted(name)), null);
        assertThat(deployed.getStatusCode()).as(deployed.getBody()).isBetween(200, 202);
        PodId first = platform.service().deployment(name).currentPod();
        platform.service().stopDeployment(name);
        assertThat(pod(first).status()).isEqualTo(PodStatus.STOPPED);

        ApplicationLoadBalancerRequestEvent request = new ApplicationLoadBalancerRequestEvent();
        request.setHttpMethod("GET");
        request.setPath("/");
        request.setHeaders(Map.of("host", name + "-8000." + DOMAIN));
        var response = new WakerHandler(platform).handleRequest(request, null);

        assertThat(response.getStatusCode()).isEqualTo(503);
        assertThat(response.getHeaders()).containsEntry("Retry-After", "5");
        PodId woken = platform.service().deployment(name).currentPod();
        assertThat(woken).isNotEqualTo(first);
        assertThat(pod(woken).status().isActive()).isTrue();

        request.setHeaders(Map.of("host", "nosuchapp-8000." + DOMAIN));
        assertThat(new WakerHandler(platform).handleRequest(request, null).getStatusCode()).isEqualTo(404);
    }
}
