package dev.berth.cdk;

import static dev.berth.cdk.TestStacks.Variant.DEFAULT;
import static dev.berth.cdk.TestStacks.Variant.IMPORTED_GPU_CERT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.cdk.control.BerthFunction;
import dev.berth.cdk.control.ControlPlane;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class ControlPlaneTest {
    /** The waker target group of the test stacks (stack name {@code Berth}). */
    private static final String WAKER_OF_BERTH = "berth-waker-d9514e51";
    private static final List<String> CONTRACT_ENV = List.of("BERTH_TABLE", "BERTH_DOMAIN", "BERTH_CLUSTER", "BERTH_SUBNETS",
            "BERTH_TASK_SECURITY_GROUP", "BERTH_VPC_ID", "BERTH_LISTENER_ARNS", "BERTH_TASK_EXECUTION_ROLE_ARN",
            "BERTH_TASK_ROLE_ARN", "BERTH_LOG_GROUP", "BERTH_ECR_REPOSITORY", "BERTH_CODEBUILD_PROJECT",
            "BERTH_CONTEXT_BUCKET", "BERTH_METRIC_NAMESPACE", "BERTH_REAPER_ARN", "BERTH_WAKER_ARN", "BERTH_WAKER_TARGET_GROUP",
            "BERTH_SIDECAR_IMAGE", "BERTH_GPU_CAPACITY_PROVIDER", "BERTH_FARGATE_SPOT",
            // reconciled additions (docs/aws-contract.md): DNS records for ALBs 2..n, the platform metric namespace
            "BERTH_HOSTED_ZONE_ID", "BERTH_LOAD_BALANCER_DNS_NAMES", "BERTH_LOAD_BALANCER_ZONE_IDS", "BERTH_PLATFORM_METRIC_NAMESPACE");

    @Test
    void table_hasStoreKeysIndexesAndPointInTimeRecovery() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResource("AWS::DynamoDB::Table", Match.objectLike(Map.of(
                "DeletionPolicy", "Retain",
                "Properties", Match.objectLike(Map.of(
                        "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH"), Map.of("AttributeName", "sk", "KeyType", "RANGE")),
                        "BillingMode", "PAY_PER_REQUEST",
                        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                        "GlobalSecondaryIndexes", List.of(
                                Match.objectLike(Map.of("IndexName", "byStatus", "KeySchema", List.of(
                                        Map.of("AttributeName", "status", "KeyType", "HASH"), Map.of("AttributeName", "createdAt", "KeyType", "RANGE")),
                                        "Projection", Map.of("ProjectionType", "ALL"))),
                                Match.objectLike(Map.of("IndexName", "byDeployment", "KeySchema", List.of(
                                        Map.of("AttributeName", "deployment", "KeyType", "HASH"), Map.of("AttributeName", "createdAt", "KeyType", "RANGE")),
                                        "Projection", Map.of("ProjectionType", "ALL")))))))));
    }

    @ParameterizedTest
    @EnumSource(BerthFunction.class)
    void function_isJava21WithSnapStartDlqAndEveryContractVariable(BerthFunction f) {
        Template t = TestStacks.template(DEFAULT);
        Map<String, Map<String, Object>> matches = t.findResources("AWS::Lambda::Function", Map.of("Properties", Match.objectLike(Map.of(
                "FunctionName", "Berth-" + f.key(),
                "Handler", f.handler(),
                "Runtime", "java21",
                "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
                "DeadLetterConfig", Map.of("TargetArn", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("ControlInvocationDeadLetters.*"), "Arn"))),
                "Timeout", f.timeout().toSeconds().intValue(),
                "MemorySize", f.memoryMiB()))));
        assertThat(matches).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> variables = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) matches.values().iterator().next()
                .get("Properties")).get("Environment")).get("Variables");
        assertThat(variables).containsKeys(CONTRACT_ENV.toArray(String[]::new));
        assertThat(variables.get("BERTH_DOMAIN")).isEqualTo("pods.example.com");
        assertThat(variables.get("BERTH_METRIC_NAMESPACE")).isEqualTo("Berth/Pods");
        t.hasResourceProperties("AWS::Lambda::Alias", Match.objectLike(Map.of("Name", "live",
                "FunctionName", Map.of("Ref", Match.stringLikeRegexp("Control" + constructId(f) + "Function.*")))));
    }

    @Test
    void environment_reaperAndWakerArnsPointAtLiveAliases() {
        Template t = TestStacks.template(IMPORTED_GPU_CERT);

        t.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Environment", Map.of("Variables", Match.objectLike(Map.of(
                "BERTH_REAPER_ARN", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"), ":lambda:eu-west-1:123456789012:function:Berth-reaper:live"))),
                "BERTH_WAKER_ARN", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"), ":lambda:eu-west-1:123456789012:function:Berth-waker:live"))),
                "BERTH_LISTENER_ARNS", Map.of("Fn::Join", List.of("", List.of(
                        Map.of("Ref", Match.stringLikeRegexp("IngressAlb0Https.*")), ",",
                        Map.of("Ref", Match.stringLikeRegexp("IngressAlb1Https.*")), ",",
                        Map.of("Ref", Match.stringLikeRegexp("IngressAlb2Https.*")))))))))));
    }

    @Test
    void environment_pairsEachListenerWithItsLoadBalancerForDnsRecords() {
        Template t = TestStacks.template(IMPORTED_GPU_CERT);

        t.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Environment", Map.of("Variables", Match.objectLike(Map.of(
                "BERTH_HOSTED_ZONE_ID", TestStacks.ZONE_ID,
                "BERTH_LOAD_BALANCER_DNS_NAMES", Map.of("Fn::Join", List.of("", List.of(
                        Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("IngressAlb0.*"), "DNSName")), ",",
                        Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("IngressAlb1.*"), "DNSName")), ",",
                        Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("IngressAlb2.*"), "DNSName"))))),
                "BERTH_LOAD_BALANCER_ZONE_IDS", Map.of("Fn::Join", List.of("", List.of(
                        Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("IngressAlb0.*"), "CanonicalHostedZoneID")), ",",
                        Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("IngressAlb1.*"), "CanonicalHostedZoneID")), ",",
                        Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("IngressAlb2.*"), "CanonicalHostedZoneID")))))))))));
    }

    @Test
    void dashboard_readsCreateLatencyFromTheNamespaceTheFunctionsEmitTo() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Environment", Map.of("Variables",
                Match.objectLike(Map.of("BERTH_PLATFORM_METRIC_NAMESPACE", "Berth/Platform"))))));
        String body = t.findResources("AWS::CloudWatch::Dashboard").values().iterator().next().toString();
        assertThat(body).containsPattern("Berth/Platform\\W+PodCreateLatency");
    }

    @Test
    void api_isHttpApiWithIamAuthorizationOnTheApiAlias() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::ApiGatewayV2::Api", Match.objectLike(Map.of("ProtocolType", "HTTP")));
        t.hasResourceProperties("AWS::ApiGatewayV2::Route", Match.objectLike(Map.of("RouteKey", "$default", "AuthorizationType", "AWS_IAM")));
        t.hasResourceProperties("AWS::ApiGatewayV2::Integration", Match.objectLike(Map.of(
                "IntegrationType", "AWS_PROXY", "PayloadFormatVersion", "2.0",
                "IntegrationUri", Map.of("Ref", Match.stringLikeRegexp("ControlApiLive.*")))));
        t.hasResourceProperties("AWS::Lambda::Permission", Match.objectLike(Map.of(
                "Principal", "apigateway.amazonaws.com", "FunctionName", Map.of("Ref", Match.stringLikeRegexp("ControlApiLive.*")))));
        t.hasResourceProperties("AWS::IAM::ManagedPolicy", Match.objectLike(Map.of("PolicyDocument", Map.of("Version", "2012-10-17",
                "Statement", List.of(Match.objectLike(Map.of("Action", "execute-api:Invoke", "Effect", "Allow",
                        "Resource", Match.objectLike(Map.of("Fn::Join", Match.arrayWith(List.of(Match.arrayWith(List.of(
                                Map.of("Ref", Match.stringLikeRegexp("ControlApi[0-9A-F]+")))))))))))))));
    }

    @Test
    void buildRule_filtersToTheProjectAndTargetsBuildEventsWithDlq() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
                "EventPattern", Map.of("source", List.of("aws.codebuild"), "detail-type", List.of("CodeBuild Build State Change"),
                        "detail", Map.of("project-name", List.of(Map.of("Ref", Match.stringLikeRegexp("ImagesBuild[0-9A-F]+"))),
                                "build-status", List.of("SUCCEEDED", "FAILED", "FAULT", "STOPPED", "TIMED_OUT"))),
                "Targets", List.of(Match.objectLike(Map.of(
                        "Arn", Map.of("Ref", Match.stringLikeRegexp("ControlBuildEventsLive.*")),
                        "DeadLetterConfig", Map.of("Arn", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("ControlEventDeadLetters.*"), "Arn"))),
                        "RetryPolicy", Match.objectLike(Map.of("MaximumRetryAttempts", 8))))))));
    }

    @Test
    void taskRule_filtersToTheClusterAndTargetsTaskEvents() {
        TestStacks.template(DEFAULT).hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
                "EventPattern", Map.of("source", List.of("aws.ecs"), "detail-type", List.of("ECS Task State Change"),
                        "detail", Map.of("clusterArn", List.of(Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("PodsCluster.*"), "Arn"))),
                                "lastStatus", List.of("RUNNING", "STOPPED"))),
                "Targets", List.of(Match.objectLike(Map.of(
                        "Arn", Map.of("Ref", Match.stringLikeRegexp("ControlTaskEventsLive.*")),
                        "DeadLetterConfig", Match.anyValue()))))));
    }

    @Test
    void sweep_runsEveryFiveMinutesOnTheSweepAlias() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
                "ScheduleExpression", "rate(5 minutes)",
                "Targets", List.of(Match.objectLike(Map.of("Arn", Map.of("Ref", Match.stringLikeRegexp("ControlSweepLive.*"))))))));
        t.hasResourceProperties("AWS::Lambda::Permission", Match.objectLike(Map.of(
                "Principal", "events.amazonaws.com", "FunctionName", Map.of("Ref", Match.stringLikeRegexp("ControlSweepLive.*")))));
    }

    @Test
    void reaper_mayBeInvokedByBerthIdleAlarmsOnly() {
        TestStacks.template(IMPORTED_GPU_CERT).hasResourceProperties("AWS::Lambda::Permission", Match.objectLike(Map.of(
                "Action", "lambda:InvokeFunction",
                "Principal", "lambda.alarms.cloudwatch.amazonaws.com",
                "SourceAccount", "123456789012",
                "SourceArn", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"), ":cloudwatch:eu-west-1:123456789012:alarm:berth-idle-*"))),
                "FunctionName", Map.of("Ref", Match.stringLikeRegexp("ControlReaperLive.*")))));
    }

    @Test
    void waker_mayBeInvokedByTheStacksOwnWakerTargetGroupOnly() {
        // The Lambda target group AlbRouter (module functions) creates under BERTH_WAKER_TARGET_GROUP and registers the alias in
        TestStacks.template(IMPORTED_GPU_CERT).hasResourceProperties("AWS::Lambda::Permission", Match.objectLike(Map.of(
                "Principal", "elasticloadbalancing.amazonaws.com",
                "SourceArn", Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"),
                        ":elasticloadbalancing:eu-west-1:123456789012:targetgroup/" + WAKER_OF_BERTH + "/*"))),
                "FunctionName", Map.of("Ref", Match.stringLikeRegexp("ControlWakerLive.*")))));
    }

    @ParameterizedTest
    @EnumSource(BerthFunction.class)
    void function_namesTheSameWakerTargetGroupAsTheInvokePermission(BerthFunction f) {
        TestStacks.template(DEFAULT).hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "FunctionName", "Berth-" + f.key(),
                "Environment", Map.of("Variables", Match.objectLike(Map.of("BERTH_WAKER_TARGET_GROUP", WAKER_OF_BERTH))))));
    }

    @Test
    void wakerTargetGroupName_isStablePerStackName_andAValidTargetGroupName() {
        // Pinned: a new name would leave a deployed stack's stopped deployments forwarding to a group the waker may no longer be invoked from.
        assertThat(ControlPlane.wakerTargetGroupName("Berth")).isEqualTo(WAKER_OF_BERTH);
        assertThat(ControlPlane.wakerTargetGroupName("Berth-staging")).isEqualTo("berth-waker-72ed69bd")
                .isNotEqualTo(ControlPlane.wakerTargetGroupName("Berth-production"));
        // ELB's rule for target group names, which FunctionConfig checks on BERTH_WAKER_TARGET_GROUP too.
        assertThat(ControlPlane.wakerTargetGroupName("x".repeat(50))).hasSizeLessThanOrEqualTo(32)
                .matches("[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?").doesNotStartWith("internal-")
                .startsWith(ControlPlane.TARGET_GROUP_PREFIX);
    }

    @Test
    void deadLetterQueues_areEncryptedAndKeepTwoWeeks() {
        Template t = TestStacks.template(DEFAULT);

        t.resourceCountIs("AWS::SQS::Queue", 2);
        Map<String, Map<String, Object>> queues = t.findResources("AWS::SQS::Queue", Map.of("Properties", Match.objectLike(Map.of(
                "SqsManagedSseEnabled", true, "MessageRetentionPeriod", 1209600))));
        assertThat(queues).hasSize(2);
        t.hasResourceProperties("AWS::SQS::QueuePolicy", Match.objectLike(Map.of("PolicyDocument", Match.objectLike(Map.of(
                "Statement", Match.arrayWith(List.of(Match.objectLike(Map.of("Action", "sqs:SendMessage",
                        "Principal", Map.of("Service", "events.amazonaws.com")))))))))); 
    }

    private static String constructId(BerthFunction f) {
        StringBuilder id = new StringBuilder();
        for (String part : f.key().split("-")) {
            id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return id.toString();
    }
}
