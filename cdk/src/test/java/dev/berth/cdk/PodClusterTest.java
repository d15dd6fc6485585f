package dev.berth.cdk;

import static dev.berth.cdk.TestStacks.Variant.DEFAULT;
import static dev.berth.cdk.TestStacks.Variant.IMPORTED_GPU_CERT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class PodClusterTest {
    @Test
    void cluster_hasFargateAndSpotProvidersAndContainerInsights() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::ECS::ClusterCapacityProviderAssociations", Match.objectLike(Map.of(
                "CapacityProviders", Match.arrayWith(List.of("FARGATE", "FARGATE_SPOT")))));
        t.hasResourceProperties("AWS::ECS::Cluster", Match.objectLike(Map.of(
                "ClusterSettings", List.of(Map.of("Name", "containerInsights", "Value", "enabled")))));
        t.resourceCountIs("AWS::AutoScaling::AutoScalingGroup", 0);
        t.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Environment", Map.of("Variables",
                Match.objectLike(Map.of("BERTH_GPU_CAPACITY_PROVIDER", "", "BERTH_FARGATE_SPOT", "false"))))));
    }

    @Test
    void gpu_addsAsgCapacityProviderOnGpuAmiResolvedAtDeploy() {
        Template t = TestStacks.template(IMPORTED_GPU_CERT);

        t.hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", Match.objectLike(Map.of(
                "MinSize", "0", "MaxSize", "2",
                "VPCZoneIdentifier", List.of("subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"))));
        t.hasResourceProperties("AWS::EC2::LaunchTemplate", Match.objectLike(Map.of("LaunchTemplateData", Match.objectLike(Map.of(
                "InstanceType", "g4dn.xlarge",
                "MetadataOptions", Map.of("HttpTokens", "required"))))));
        t.hasResourceProperties("AWS::ECS::CapacityProvider", Match.objectLike(Map.of("AutoScalingGroupProvider", Match.objectLike(Map.of(
                "ManagedScaling", Match.objectLike(Map.of("Status", "ENABLED")))))));
        // The AMI is an SSM parameter CloudFormation resolves at deploy time: nothing was looked up at synth.
        Map<String, Map<String, Object>> parameters = t.findParameters("*", Map.of("Type", "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"));
        assertThat(parameters.values().toString()).contains("/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id");
        t.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Environment", Map.of("Variables",
                Match.objectLike(Map.of("BERTH_GPU_CAPACITY_PROVIDER", Map.of("Ref", Match.stringLikeRegexp("PodsGpuCapacityProvider.*")),
                        "BERTH_FARGATE_SPOT", "true"))))));
    }

    @Test
    void logGroup_hasRetention() {
        TestStacks.template(DEFAULT).hasResourceProperties("AWS::Logs::LogGroup", Map.of("RetentionInDays", 30));
    }

    @Test
    void taskRole_mayOnlyPublishToBerthNamespace() {
        List<TestStacks.Statement> taskRole = TestStacks.statements(TestStacks.template(DEFAULT)).stream()
                .filter(s -> s.policy().startsWith("PodsTaskRole")).toList();

        assertThat(taskRole).singleElement().satisfies(s -> {
            assertThat(s.actions()).containsExactly("cloudwatch:PutMetricData");
            assertThat(s.condition()).isEqualTo(Map.of("StringEquals", Map.of("cloudwatch:namespace", "Berth/Pods")));
        });
    }

    @Test
    void executionRole_pullsAndLogsOnlyOnStackResources() {
        List<TestStacks.Statement> execution = TestStacks.statements(TestStacks.template(DEFAULT)).stream()
                .filter(s -> s.policy().startsWith("PodsExecutionRole")).toList();

        assertThat(execution).allSatisfy(s -> {
            if (s.onAnyResource()) {
                assertThat(s.actions()).containsExactly("ecr:GetAuthorizationToken");
            }
        });
        assertThat(execution.toString()).contains("ImagesRepository", "logs:PutLogEvents", "PodsPodLogs", "container-assets");
    }

    @Test
    void sidecar_isADockerImageAssetStagedNotBuilt() throws Exception {
        TestStacks.Synthesized synthesized = TestStacks.synth(DEFAULT);
        Path assembly = Path.of(synthesized.assembly().getDirectory());
        JsonNode assets = new ObjectMapper().readTree(assembly.resolve("Berth.assets.json").toFile());

        JsonNode images = assets.get("dockerImages");
        assertThat(images.size()).isEqualTo(1);
        JsonNode source = images.elements().next().get("source");
        Path staged = assembly.resolve(source.get("directory").asText());
        assertThat(staged.resolve("Dockerfile")).exists();
        assertThat(staged.resolve("activity.py")).exists();
        // Staged for `cdk deploy` to build and publish; synthesis itself never ran Docker.
        assertThat(assets.get("dockerImages").elements().next().get("destinations").toString()).contains("container-assets");
        synthesized.template().hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Environment", Map.of("Variables",
                Match.objectLike(Map.of("BERTH_SIDECAR_IMAGE", Match.objectLike(Map.of("Fn::Sub", Match.stringLikeRegexp(".*container-assets.*")))))))));
    }
}
