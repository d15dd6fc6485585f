package dev.berth.cdk;

import static dev.berth.cdk.TestStacks.Variant.DEFAULT;
import static dev.berth.cdk.TestStacks.Variant.IMPORTED_GPU_CERT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class PodIngressTest {
    @Test
    void listeners_httpsWith404DefaultAndHttpRedirect() {
        Template t = TestStacks.template(DEFAULT);

        t.resourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Match.objectLike(Map.of(
                "Protocol", "HTTPS", "Port", 443,
                "DefaultActions", List.of(Map.of("Type", "fixed-response", "FixedResponseConfig", Match.objectLike(Map.of("StatusCode", "404")))))));
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Match.objectLike(Map.of(
                "Protocol", "HTTP", "Port", 80,
                "DefaultActions", List.of(Map.of("Type", "redirect", "RedirectConfig", Match.objectLike(Map.of(
                        "Protocol", "HTTPS", "Port", "443", "StatusCode", "HTTP_301")))))));
    }

    @Test
    void certificate_whenNotGiven_isCreatedForWildcardWithDnsValidation() {
        Template t = TestStacks.template(DEFAULT);

        t.hasResourceProperties("AWS::CertificateManager::Certificate", Match.objectLike(Map.of(
                "DomainName", "*.pods.example.com",
                "ValidationMethod", "DNS",
                "DomainValidationOptions", List.of(Map.of("DomainName", "*.pods.example.com", "HostedZoneId", TestStacks.ZONE_ID)))));
    }

    @Test
    void certificate_whenGiven_isUsedOnEveryListenerOfThePool() {
        Template t = TestStacks.template(IMPORTED_GPU_CERT);

        t.resourceCountIs("AWS::CertificateManager::Certificate", 0);
        t.resourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 3);
        Map<String, Map<String, Object>> https = t.findResources("AWS::ElasticLoadBalancingV2::Listener",
                Map.of("Properties", Map.of("Protocol", "HTTPS")));
        assertThat(https).hasSize(3);
        assertThat(https.values()).allSatisfy(l -> assertThat(l.toString()).contains(TestStacks.CERTIFICATE_ARN));
    }

    @Test
    void wildcardRecord_aliasesFirstLoadBalancer() {
        TestStacks.template(DEFAULT).hasResourceProperties("AWS::Route53::RecordSet", Match.objectLike(Map.of(
                "Name", "*.pods.example.com.",
                "Type", "A",
                "HostedZoneId", TestStacks.ZONE_ID,
                "AliasTarget", Match.objectLike(Map.of("DNSName", Match.objectLike(Map.of("Fn::Join",
                        Match.arrayWith(List.of(Match.arrayWith(List.of(Map.of("Fn::GetAtt",
                                List.of(Match.stringLikeRegexp("IngressAlb0.*"), "DNSName")))))))))))));
    }

    @Test
    void tasks_areReachableOnlyFromTheLoadBalancers() {
        Template t = TestStacks.template(DEFAULT);

        Map<String, Map<String, Object>> ingress = t.findResources("AWS::EC2::SecurityGroupIngress");
        assertThat(ingress.values()).singleElement().satisfies(rule -> {
            assertThat(rule.toString()).contains("SourceSecurityGroupId", "IngressLoadBalancerSecurityGroup", "PodsTaskSecurityGroup");
            assertThat(rule.toString()).doesNotContain("CidrIp");
        });
        t.hasResourceProperties("AWS::EC2::SecurityGroup", Match.objectLike(Map.of(
                "GroupDescription", Match.stringLikeRegexp("Berth pod tasks.*"),
                "SecurityGroupEgress", List.of(Match.objectLike(Map.of("CidrIp", "0.0.0.0/0", "IpProtocol", "-1"))))));
        Map<String, Map<String, Object>> albGroups = t.findResources("AWS::EC2::SecurityGroup",
                Map.of("Properties", Map.of("GroupDescription", Match.stringLikeRegexp("Berth load balancers.*"))));
        assertThat(albGroups.values().toString()).contains("FromPort=443", "FromPort=80").doesNotContain("FromPort=22");
    }

    @Test
    void stack_whenCertificateArnMalformed_failsNamingValueAndFix() {
        Map<String, Object> context = TestStacks.context();
        context.put("certificateArn", "arn:aws:iam::123456789012:role/not-a-certificate");
        App app = new App(AppProps.builder().outdir(TestStacks.TARGET.resolve("cdk.out-bad-certificate").toString()).context(context).build());

        assertThatThrownBy(() -> new BerthStack(app, BerthSettings.fromContext(key -> app.getNode().tryGetContext(key))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("certificateArn 'arn:aws:iam::123456789012:role/not-a-certificate' is not an ACM certificate ARN")
                .hasMessageContaining("leave it out to create one");
    }
}
