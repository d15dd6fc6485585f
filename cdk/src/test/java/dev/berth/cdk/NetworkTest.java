package dev.berth.cdk;

import static dev.berth.cdk.TestStacks.Variant.DEFAULT;
import static dev.berth.cdk.TestStacks.Variant.IMPORTED_GPU_CERT;
import static dev.berth.cdk.TestStacks.Variant.NO_NAT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class NetworkTest {
    @Test
    void newVpc_withNat_hasPublicAndPrivateSubnetsInTwoZones() {
        Template t = TestStacks.template(DEFAULT);

        t.resourceCountIs("AWS::EC2::VPC", 1);
        t.resourceCountIs("AWS::EC2::Subnet", 4);
        t.resourceCountIs("AWS::EC2::NatGateway", 1);
        t.resourceCountIs("AWS::EC2::VPCEndpoint", 0);
        t.hasResourceProperties("AWS::EC2::Subnet", Map.of("MapPublicIpOnLaunch", true));
        t.hasResourceProperties("AWS::EC2::Subnet", Map.of("MapPublicIpOnLaunch", false));
    }

    @Test
    void newVpc_withoutNat_isolatesTasksAndAddsEndpoints() {
        Template t = TestStacks.template(NO_NAT);

        t.resourceCountIs("AWS::EC2::NatGateway", 0);
        Map<String, Map<String, Object>> endpoints = t.findResources("AWS::EC2::VPCEndpoint");
        assertThat(endpoints.values().toString())
                .contains(".s3", ".ecr.api", ".ecr.dkr", ".logs", ".monitoring");
        t.hasResourceProperties("AWS::EC2::VPCEndpoint", Map.of("VpcEndpointType", "Gateway"));
    }

    @Test
    void importedVpc_createsNoNetworkAndUsesGivenIds() {
        Template t = TestStacks.template(IMPORTED_GPU_CERT);

        t.resourceCountIs("AWS::EC2::VPC", 0);
        t.resourceCountIs("AWS::EC2::Subnet", 0);
        t.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Map.of(
                "Subnets", List.of("subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2")));
        t.hasResourceProperties("AWS::EC2::SecurityGroup", Map.of("VpcId", "vpc-0123456789abcdef0"));
        t.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Environment", Map.of("Variables",
                Match.objectLike(Map.of(
                        "BERTH_VPC_ID", "vpc-0123456789abcdef0",
                        "BERTH_SUBNETS", "subnet-0bbbbbbbbbbbbbbb1,subnet-0bbbbbbbbbbbbbbb2"))))));
    }
}
