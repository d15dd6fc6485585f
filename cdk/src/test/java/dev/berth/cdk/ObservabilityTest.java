package dev.berth.cdk;

import static dev.berth.cdk.TestStacks.Variant.DEFAULT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

class ObservabilityTest {
    @Test
    void dashboard_showsPodsRunningCreateLatencyBuildFailuresAndReaps() {
        Template t = TestStacks.template(DEFAULT);

        Map<String, Map<String, Object>> dashboards = t.findResources("AWS::CloudWatch::Dashboard");
        assertThat(dashboards).hasSize(1);
        String body = dashboards.values().iterator().next().toString();
        assertThat(body)
                .contains("\"title\":\"Pods running\"", "ECS/ContainerInsights", "RunningTaskCount", "PodsCluster")
                .contains("\"title\":\"Create latency (ms)\"", "Berth/Platform", "PodCreateLatency")
                .contains("\"title\":\"Image builds\"", "AWS/CodeBuild", "FailedBuilds", "ImagesBuild")
                .contains("\"title\":\"Reaps\"", "Invocations", "ControlReaperFunction", ":live")
                .contains("\"title\":\"Dead letters\"", "ApproximateNumberOfMessagesVisible");
    }

    @Test
    void outputs_giveApiUrlPodDomainAndRegion() {
        Template t = TestStacks.template(DEFAULT);

        t.hasOutput("ApiUrl", Map.of("Value", Map.of("Fn::GetAtt", java.util.List.of(software.amazon.awscdk.assertions.Match.stringLikeRegexp("ControlApi.*"), "ApiEndpoint"))));
        t.hasOutput("PodDomain", Map.of("Value", "pods.example.com"));
        t.hasOutput("Region", Map.of("Value", Map.of("Ref", "AWS::Region")));
        t.hasOutput("ApiInvokePolicyArn", software.amazon.awscdk.assertions.Match.objectLike(Map.of()));
    }
}
