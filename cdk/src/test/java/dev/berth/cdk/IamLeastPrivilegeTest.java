package dev.berth.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every policy of the stack is scoped to its resources, to the functions' name prefixes or to their tag. */
class IamLeastPrivilegeTest {
    /**
     * The only actions allowed on {@code *}: those IAM cannot scope to a resource (CloudWatch metrics, ECS and ELB
     * describes, ECR's token), or scoped by a condition instead (checked below). The GPU instances' ECS agent
     * statements come from CDK's cluster wiring.
     */
    private static final Set<String> ALLOWED_ON_ANY_RESOURCE = Set.of(
            "ecr:GetAuthorizationToken",
            "cloudwatch:PutMetricData", "cloudwatch:GetMetricData", "cloudwatch:DescribeAlarms",
            "ecs:RegisterTaskDefinition", "ecs:ListTasks", "ecs:TagResource", "ecs:DescribeTaskDefinition",
            "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTags",
            // GPU container instances (CDK's AsgCapacityProvider wiring): the agent discovers its endpoint and polls
            "ecs:DiscoverPollEndpoint", "ecs:Poll", "ecs:StartTelemetrySession",
            "logs:CreateLogStream", "logs:PutLogEvents",
            // the drain hook CDK puts on the GPU group: EC2 describes, and ECS calls conditioned on the cluster
            "ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceStatus", "ec2:DescribeHosts",
            "ecs:DescribeContainerInstances", "ecs:DescribeTasks", "ecs:UpdateContainerInstancesState");
    /** Actions on {@code *} that must carry a condition. */
    private static final Set<String> CONDITIONED_ON_ANY_RESOURCE = Set.of(
            "cloudwatch:PutMetricData", "ecs:RegisterTaskDefinition", "ecs:ListTasks", "ecs:TagResource", "ecs:Poll", "ecs:StartTelemetrySession",
            "ecs:DescribeContainerInstances", "ecs:DescribeTasks", "ecs:UpdateContainerInstancesState");

    @ParameterizedTest
    @EnumSource(TestStacks.Variant.class)
    void statements_neverGrantWildcardActionsOnAnyResource(TestStacks.Variant variant) {
        List<TestStacks.Statement> statements = TestStacks.statements(TestStacks.template(variant));

        assertThat(statements).isNotEmpty().allSatisfy(s -> {
            assertThat(s.actions()).as("actions of %s", s).noneMatch(a -> a.equals("*") || a.endsWith(":*"));
            if (s.onAnyResource()) {
                assertThat(s.actions()).as("actions on * in %s", s).isSubsetOf(ALLOWED_ON_ANY_RESOURCE);
                if (s.actions().stream().anyMatch(CONDITIONED_ON_ANY_RESOURCE::contains)) {
                    assertThat(s.condition()).as("condition of %s", s).isNotNull().isNotEmpty();
                }
            }
        });
    }

    /**
     * Every AWS call the functions make, as IAM actions. Kept in step with the adapters in module {@code functions}
     * ({@code grep -rn 'dynamo\\.|s3\\.|ecr\\.|ecs\\.|elb\\.|route53\\.|cloudWatch\\.|logs\\.|codeBuild\\.call' functions/src/main/java}):
     * {@code store.DynamoDbPodStore}, {@code run.TaskEventLedger}, {@code image.CodeBuildImageBuilder} (DynamoDB, S3,
     * CodeBuild, ECR), {@code run.EcsFargatePodRuntime} (ECS, CloudWatch Logs; RunTask/RegisterTaskDefinition pass the
     * task roles and tag on create), {@code route.AlbRouter} (ELB with tag on create, Route 53),
     * {@code reap.IdleAlarms} and {@code reap.CloudWatchActivitySource} (CloudWatch; alarms tagged on create).
     */
    static final Set<String> FUNCTION_CALLS = Set.of(
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
            "s3:PutObject",
            "codebuild:StartBuild",
            "ecr:DescribeImages", "ecr:DescribeRepositories",
            "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask",
            "ecs:ListTasks", "ecs:TagResource", "iam:PassRole",
            "logs:GetLogEvents",
            "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
            "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:CreateRule", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule",
            "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:AddTags",
            "route53:ChangeResourceRecordSets",
            "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource",
            "cloudwatch:GetMetricData");
    /** What Lambda itself does with the function role: write the functions' logs (and EMF), send failed invocations to the DLQ. */
    static final Set<String> LAMBDA_SERVICE_CALLS = Set.of("logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage");

    @ParameterizedTest
    @EnumSource(TestStacks.Variant.class)
    void functionRole_grantsEveryCallTheFunctionsMake_andNothingElse(TestStacks.Variant variant) {
        List<TestStacks.Statement> function = TestStacks.statements(TestStacks.template(variant)).stream()
                .filter(s -> s.policy().startsWith("ControlFunctionRole")).toList();
        Set<String> granted = new java.util.TreeSet<>();
        function.forEach(s -> granted.addAll(s.actions()));

        assertThat(granted).containsAll(FUNCTION_CALLS);
        Set<String> expected = new java.util.HashSet<>(FUNCTION_CALLS);
        expected.addAll(LAMBDA_SERVICE_CALLS);
        // CDK's grantPut adds the object-lock and tagging siblings of PutObject, and Abort for multipart uploads.
        assertThat(granted).allSatisfy(action -> assertThat(expected.contains(action)
                || action.startsWith("s3:PutObject") || action.equals("s3:Abort*")).as("%s is granted but not called", action).isTrue());
    }

    @Test
    void functionRole_scopesNewCallsToTheirResources() {
        Map<String, TestStacks.Statement> bySid = TestStacks.statements(TestStacks.template(TestStacks.Variant.IMPORTED_GPU_CERT)).stream()
                .filter(s -> s.policy().startsWith("ControlFunctionRole") && s.sid() != null)
                .collect(java.util.stream.Collectors.toMap(TestStacks.Statement::sid, s -> s));
        List<TestStacks.Statement> all = TestStacks.statements(TestStacks.template(TestStacks.Variant.IMPORTED_GPU_CERT)).stream()
                .filter(s -> s.policy().startsWith("ControlFunctionRole")).toList();

        assertThat(bySid.get("EcrPodImages").actions()).containsExactlyInAnyOrder("ecr:DescribeImages", "ecr:DescribeRepositories");
        assertThat(bySid.get("ElbTagOnCreate").resources()).hasSize(4);
        assertThat(bySid.get("ElbTagOnCreate").condition().toString())
                .contains("elasticloadbalancing:CreateAction=[CreateTargetGroup, CreateRule]");
        assertThat(bySid.get("Route53PodRecords").condition().toString())
                .contains("route53:ChangeResourceRecordSetsRecordTypes=[A]", "route53:ChangeResourceRecordSetsActions=[UPSERT, DELETE]");
        // Pod logs (EcsFargatePodRuntime) and the build log group (CodeBuildImageBuilder reads failed builds' logs), nothing else.
        List<TestStacks.Statement> logReads = all.stream().filter(s -> s.actions().contains("logs:GetLogEvents")).toList();
        assertThat(logReads).allSatisfy(s -> assertThat(s.actions()).containsExactly("logs:GetLogEvents"));
        assertThat(logReads.stream().flatMap(s -> s.resources().stream()).map(Object::toString).toList())
                .hasSize(2)
                .anySatisfy(r -> assertThat(r).contains("PodsPodLogs"))
                .anySatisfy(r -> assertThat(r).contains("ImagesBuildLogs"));
        assertThat(all).filteredOn(s -> s.actions().contains("dynamodb:Query")).singleElement()
                .satisfies(s -> assertThat(s.resources().toString()).contains("ControlTable", "/index/*"));
    }

    @Test
    void functionRole_scopesEachStatementToStackResourcesPrefixesOrTags() {
        Map<String, TestStacks.Statement> bySid = TestStacks.statements(TestStacks.template(TestStacks.Variant.IMPORTED_GPU_CERT)).stream()
                .filter(s -> s.policy().startsWith("ControlFunctionRole") && s.sid() != null)
                .collect(java.util.stream.Collectors.toMap(TestStacks.Statement::sid, s -> s));

        assertThat(bySid.get("CodeBuildImageBuilds").resources().toString()).contains("ImagesBuild");
        assertThat(bySid.get("EcrPodImages").resources().toString()).contains("ImagesRepository");
        assertThat(bySid.get("EcsRegisterTaskDefinitions").condition().toString()).contains("aws:RequestTag/berth:managed=true");
        assertThat(bySid.get("EcsRunBerthTasks").resources().toString()).contains(":ecs:eu-west-1:123456789012:task-definition/berth-*");
        assertThat(bySid.get("EcsRunBerthTasks").condition().toString()).contains("ecs:cluster", "PodsCluster");
        assertThat(bySid.get("EcsManageClusterTasks").resources().toString()).contains(":task/", "PodsCluster");
        assertThat(bySid.get("PassTaskRoles").resources().toString()).contains("PodsExecutionRole", "PodsTaskRole");
        assertThat(bySid.get("PassTaskRoles").condition().toString()).contains("iam:PassedToService=ecs-tasks.amazonaws.com");
        assertThat(bySid.get("ElbCreateTargetGroups").resources().toString()).contains("targetgroup/berth-*");
        assertThat(bySid.get("ElbCreateTargetGroups").condition().toString()).contains("aws:RequestTag/berth:managed=true");
        assertThat(bySid.get("ElbManageTargetGroups").resources().toString()).contains("targetgroup/berth-*");
        // The waker's group (BERTH_WAKER_TARGET_GROUP, berth-waker-<hash>) is one of these: CreateTargetGroup and RegisterTargets on it.
        assertThat(dev.berth.cdk.control.ControlPlane.wakerTargetGroupName("Berth")).startsWith("berth-");
        assertThat(bySid.get("ElbCreateRules").resources().toString()).contains("IngressAlb0Https", "IngressAlb2Https", "listener-rule/");
        assertThat(bySid.get("ElbManageRules").resources()).hasSize(3)
                .allSatisfy(r -> assertThat(r.toString()).contains("listener-rule/", "LoadBalancerFullName"));
        assertThat(bySid.get("CloudWatchIdleAlarms").resources().toString()).contains(":alarm:berth-idle-*");
        assertThat(bySid.get("Route53PodRecords").resources().toString()).contains("hostedzone/" + TestStacks.ZONE_ID);
        assertThat(bySid.get("Route53PodRecords").condition().toString()).contains("*.pods.example.com");
    }

    @Test
    void functionRole_grantsTableAndBucketOnTheirArnsOnly() {
        List<TestStacks.Statement> function = TestStacks.statements(TestStacks.template(TestStacks.Variant.DEFAULT)).stream()
                .filter(s -> s.policy().startsWith("ControlFunctionRole")).toList();

        assertThat(function).anySatisfy(s -> {
            assertThat(s.actions()).contains("dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem");
            assertThat(s.resources().toString()).contains("ControlTable").contains("/index/*");
        });
        assertThat(function).anySatisfy(s -> {
            assertThat(s.actions()).contains("s3:PutObject");
            assertThat(s.resources().toString()).contains("ImagesContexts", "/contexts/*");
        });
        assertThat(function).anySatisfy(s -> {
            assertThat(s.actions()).contains("sqs:SendMessage");
            assertThat(s.resources().toString()).contains("ControlInvocationDeadLetters");
        });
    }
}
