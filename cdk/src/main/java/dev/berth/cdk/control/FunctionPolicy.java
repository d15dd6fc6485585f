package dev.berth.cdk.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
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
 * permissions (Describe/List/Get of ECS, ELB and CloudWatch) are the only ones on {@code *}.
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

    void attach() {
        table.grantReadWriteData(role);
        props.contextBucket().grantReadWrite(role, "contexts/*");
        props.buildLogGroup().grantRead(role);
        props.podLogGroup().grantRead(role);

        String tagKey = ControlPlane.MANAGED_TAG;
        add("CodeBuildImageBuilds", List.of("codebuild:StartBuild", "codebuild:BatchGetBuilds", "codebuild:StopBuild"),
                List.of(props.buildProject().getProjectArn()), null);
        add("EcrPodImages", List.of("ecr:DescribeImages", "ecr:BatchGetImage", "ecr:ListImages"),
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
        add("EcsDescribe", List.of("ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"), List.of("*"), null);
        add("PassTaskRoles", List.of("iam:PassRole"), List.of(props.executionRole().getRoleArn(), props.taskRole().getRoleArn()),
                Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com")));

        String targetGroups = arn("elasticloadbalancing", "targetgroup", ControlPlane.TARGET_GROUP_PREFIX + "*", ArnFormat.SLASH_RESOURCE_NAME);
        add("ElbCreateTargetGroups", List.of("elasticloadbalancing:CreateTargetGroup"), List.of(targetGroups),
                Map.of("StringEquals", Map.of("aws:RequestTag/" + tagKey, "true")));
        add("ElbManageTargetGroups", List.of("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
                        "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
                        "elasticloadbalancing:ModifyTargetGroup"),
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
        add("ElbManageRules", List.of("elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:SetRulePriorities"), ruleArns, null);
        List<String> taggable = new ArrayList<>(ruleArns);
        taggable.add(targetGroups);
        add("ElbTagOwnResources", List.of("elasticloadbalancing:AddTags"), taggable, null);
        add("ElbDescribe", List.of("elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags"), List.of("*"), null);

        add("CloudWatchIdleAlarms", List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
                        "cloudwatch:TagResource"),
                List.of(arn("cloudwatch", "alarm", ControlPlane.ALARM_PREFIX + "*", ArnFormat.COLON_RESOURCE_NAME)), null);
        add("CloudWatchReadMetrics", List.of("cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"),
                List.of("*"), null);

        add("Route53PodRecords", List.of("route53:ChangeResourceRecordSets"), List.of(props.hostedZone().getHostedZoneArn()),
                Map.of("ForAllValues:StringLike", Map.of("route53:ChangeResourceRecordSetsNormalizedRecordNames",
                        List.of("*." + props.podDomain().toLowerCase(java.util.Locale.ROOT)))));
        add("Route53Changes", List.of("route53:GetChange"), List.of("arn:" + stack.getPartition() + ":route53:::change/*"), null);
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
