package dev.berth.cdk.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import dev.berth.cdk.image.ImagePipeline;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.elasticloadbalancingv2.IApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;

/**
 * The least-privilege policy of the control-plane functions. Every statement names the stack's resources, the
 * name prefixes the functions use ({@code berth-…}) or the {@code berth:managed} tag; actions without resource-level
 * permissions (Describe/List/Get of ECS, ELB and CloudWatch) are the only ones on {@code *} without a condition.
 * Nothing is granted that the functions do not call.
 */
final class FunctionPolicy {
    private final ControlPlaneProps props;
    private final ITable table;
    private final Role role;
    private final Stack stack;

    FunctionPolicy(ControlPlane scope, ControlPlaneProps props, ITable table, Role role) {
        this.props = props;
        this.table = table;
        this.role = role;
        this.stack = Stack.of(scope);
    }

    /**
     * Grants exactly the calls the functions' adapters make (see {@code docs/aws-contract.md}, "IAM"): DynamoDB in
     * {@code DynamoDbPodStore}, {@code CodeBuildImageBuilder} and {@code TaskEventLedger}; S3, CodeBuild and ECR in
     * {@code CodeBuildImageBuilder}; CloudWatch Logs (the build log group) in {@code CodeBuildImageBuilder}; ECS and
     * CloudWatch Logs (the pod log group) in {@code EcsFargatePodRuntime}; ELB and Route 53 in
     * {@code AlbRouter}; CloudWatch in {@code IdleAlarms} and {@code CloudWatchActivitySource}.
     */
    void attach() {
        table.grant(role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query");
        props.contextBucket().grantPut(role, ImagePipeline.CONTEXT_PREFIX + "*");
        props.podLogGroup().grant(role, "logs:GetLogEvents");
        // The build-events function reads a failed build's log (CodeBuildImageBuilder.buildFinished) from the project's group.
        props.buildLogGroup().grant(role, "logs:GetLogEvents");

        String tagKey = ControlPlane.MANAGED_TAG;
        add("CodeBuildImageBuilds", List.of("codebuild:StartBuild"), List.of(props.buildProject().getProjectArn()), null);
        add("EcrPodImages", List.of("ecr:DescribeImages", "ecr:DescribeRepositories"),
                List.of(props.repository().getRepositoryArn()), null);

        add("EcsRegisterTaskDefinitions", List.of("ecs:RegisterTaskDefinition"), List.of("*"),
                Map.of("StringEquals", Map.of("aws:RequestTag/" + tagKey, "true")));
        add("EcsRunBerthTasks", List.of("ecs:RunTask"), List.of(arn("ecs", "task-definition", "berth-*", ArnFormat.SLASH_RESOURCE_NAME)),
                Map.of("ArnEquals", Map.of("ecs:cluster", props.cluster().getClusterArn())));
        add("EcsManageClusterTasks", List.of("ecs:StopTask", "ecs:DescribeTasks"),
                List.of(arn("ecs", "task", props.cluster().getClusterName() + "/*", ArnFormat.SLASH_RESOURCE_NAME)), null);
        add("EcsListClusterTasks", List.of("ecs:ListTasks"), List.of("*"),
                Map.of("ArnEquals", Map.of("ecs:cluster", props.cluster().getClusterArn())));
        add("EcsTagOnCreate", List.of("ecs:TagResource"), List.of("*"),
                Map.of("StringEquals", Map.of("ecs:CreateAction", List.of("RunTask", "RegisterTaskDefinition"))));
        add("EcsDescribe", List.of("ecs:DescribeTaskDefinition"), List.of("*"), null);
        add("PassTaskRoles", List.of("iam:PassRole"), List.of(props.executionRole().getRoleArn(), props.taskRole().getRoleArn()),
                Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com")));

        String targetGroups = arn("elasticloadbalancing", "targetgroup", ControlPlane.TARGET_GROUP_PREFIX + "*", ArnFormat.SLASH_RESOURCE_NAME);
        add("ElbCreateTargetGroups", List.of("elasticloadbalancing:CreateTargetGroup"), List.of(targetGroups),
                Map.of("StringEquals", Map.of("aws:RequestTag/" + tagKey, "true")));
        add("ElbManageTargetGroups", List.of("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeleteTargetGroup",
                        "elasticloadbalancing:ModifyTargetGroupAttributes"),
                List.of(targetGroups), null);
        List<String> listenerArns = new ArrayList<>();
        List<String> ruleArns = new ArrayList<>();
        for (IApplicationListener listener : props.listeners()) {
            listenerArns.add(listener.getListenerArn());
        }
        for (ApplicationLoadBalancer alb : props.loadBalancers()) {
            ruleArns.add(arn("elasticloadbalancing", "listener-rule", alb.getLoadBalancerFullName() + "/*", ArnFormat.SLASH_RESOURCE_NAME));
        }
        List<String> listenersAndRules = new ArrayList<>(listenerArns);
        listenersAndRules.addAll(ruleArns);
        add("ElbCreateRules", List.of("elasticloadbalancing:CreateRule"), listenersAndRules, null);
        add("ElbManageRules", List.of("elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule"), ruleArns, null);
        List<String> taggable = new ArrayList<>(ruleArns);
        taggable.add(targetGroups);
        // Tag-on-create: CreateTargetGroup and CreateRule with tags also authorize AddTags on the new resource.
        add("ElbTagOnCreate", List.of("elasticloadbalancing:AddTags"), taggable,
                Map.of("StringEquals", Map.of("elasticloadbalancing:CreateAction", List.of("CreateTargetGroup", "CreateRule"))));
        add("ElbDescribe", List.of("elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTags"), List.of("*"), null);

        add("CloudWatchIdleAlarms", List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource"),
                List.of(arn("cloudwatch", "alarm", ControlPlane.ALARM_PREFIX + "*", ArnFormat.COLON_RESOURCE_NAME)), null);
        // DescribeAlarms by name prefix (the sweep) is authorized on every alarm of the account and region.
        add("CloudWatchRead", List.of("cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData"), List.of("*"), null);

        add("Route53PodRecords", List.of("route53:ChangeResourceRecordSets"), List.of(props.hostedZone().getHostedZoneArn()),
                Map.of("ForAllValues:StringLike", Map.of("route53:ChangeResourceRecordSetsNormalizedRecordNames",
                                List.of("*." + props.podDomain().toLowerCase(java.util.Locale.ROOT))),
                        "ForAllValues:StringEquals", Map.of("route53:ChangeResourceRecordSetsRecordTypes", List.of("A"),
                                "route53:ChangeResourceRecordSetsActions", List.of("UPSERT", "DELETE"))));
    }

    private void add(String sid, List<String> actions, List<String> resources, Map<String, Object> conditions) {
        PolicyStatement.Builder statement = PolicyStatement.Builder.create()
                .sid(sid)
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(resources);
        if (conditions != null) {
            statement.conditions(conditions);
        }
        role.addToPolicy(statement.build());
    }

    private String arn(String service, String resource, String name, ArnFormat format) {
        return stack.formatArn(ArnComponents.builder().service(service).resource(resource).resourceName(name).arnFormat(format).build());
    }
}
