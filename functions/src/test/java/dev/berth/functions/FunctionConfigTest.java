package dev.berth.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionConfigTest {
    @Test
    void fromEnv_splitsListsAndDefaultsNamespace() {
        FunctionConfig config = FunctionConfig.fromEnv(Map.of("BERTH_SUBNETS", " subnet-a, subnet-b ,", "BERTH_LISTENER_ARNS", "arn:1",
                "BERTH_FARGATE_SPOT", "TRUE", "BERTH_GPU_CAPACITY_PROVIDER", " "));
        assertThat(config.subnets()).containsExactly("subnet-a", "subnet-b");
        assertThat(config.listenerArns()).containsExactly("arn:1");
        assertThat(config.metricNamespace()).isEqualTo("Berth/Pods");
        assertThat(config.fargateSpot()).isTrue();
        assertThat(config.gpuCapacityProvider()).isNull();
    }

    @Test
    void readinessTimeout_defaultsToFiveMinutes_andReadsSeconds() {
        assertThat(FunctionConfig.fromEnv(Map.of()).readinessTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_READINESS_TIMEOUT_SECONDS", "45")).readinessTimeout()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void readinessTimeout_whenNotAPositiveNumber_namesTheVariableAndValue() {
        for (String bad : new String[] {"0", "-5", "1m", "9999999"}) {
            assertThatThrownBy(() -> FunctionConfig.fromEnv(Map.of("BERTH_READINESS_TIMEOUT_SECONDS", bad)))
                    .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_READINESS_TIMEOUT_SECONDS"))
                    .hasMessageContaining("'" + bad + "'").hasMessageContaining("whole number of seconds from 1 to 999999")
                    .hasMessageContaining("leave it unset for 300");
        }
    }

    @Test
    void activityInterval_defaultsToThirtySeconds_andReadsSeconds() {
        assertThat(FunctionConfig.fromEnv(Map.of()).activityInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_ACTIVITY_INTERVAL_SECONDS", " 2 ")).activityInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_ACTIVITY_INTERVAL_SECONDS", "30")).activityInterval()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void activityInterval_whenNotOneToThirtySeconds_namesTheVariableAndValue() {
        for (String bad : new String[] {"0", "-1", "2.5", "5s", "31", "3600"}) {
            assertThatThrownBy(() -> FunctionConfig.fromEnv(Map.of("BERTH_ACTIVITY_INTERVAL_SECONDS", bad)))
                    .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_ACTIVITY_INTERVAL_SECONDS"))
                    .hasMessageContaining("BERTH_ACTIVITY_INTERVAL_SECONDS is '" + bad + "'")
                    .hasMessageContaining("whole number of seconds from 1 to 30")
                    .hasMessageContaining("leave it unset for 30");
        }
    }

    @Test
    void wakerTargetGroup_defaultsToBerthWaker_andReadsTheStacksName() {
        assertThat(FunctionConfig.fromEnv(Map.of()).wakerTargetGroup()).isEqualTo("berth-waker");
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_WAKER_TARGET_GROUP", " ")).wakerTargetGroup()).isEqualTo("berth-waker");
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_WAKER_TARGET_GROUP", " berth-waker-1a2b3c4d ")).wakerTargetGroup())
                .isEqualTo("berth-waker-1a2b3c4d");
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_WAKER_TARGET_GROUP", "a")).wakerTargetGroup()).isEqualTo("a");
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_WAKER_TARGET_GROUP", "W".repeat(32))).wakerTargetGroup()).hasSize(32);
    }

    @Test
    void wakerTargetGroup_whenNotATargetGroupName_namesTheVariableValueAndFix() {
        for (String bad : new String[] {"-berth-waker", "berth-waker-", "berth_waker", "berth.waker", "w".repeat(33), "berth waker"}) {
            assertThatThrownBy(() -> FunctionConfig.fromEnv(Map.of("BERTH_WAKER_TARGET_GROUP", bad)))
                    .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_WAKER_TARGET_GROUP"))
                    .hasMessageContaining("BERTH_WAKER_TARGET_GROUP is '" + bad + "'")
                    .hasMessageContaining("give 1 to 32 letters, digits and hyphens, not starting or ending with a hyphen")
                    .hasMessageContaining("leave it unset for berth-waker");
        }
    }

    @Test
    void wakerTargetGroup_whenReservedOrShapedLikeAPodsGroup_namesTheVariableValueAndFix() {
        assertThatThrownBy(() -> FunctionConfig.fromEnv(Map.of("BERTH_WAKER_TARGET_GROUP", "internal-waker")))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_WAKER_TARGET_GROUP"))
                .hasMessageContaining("'internal-waker'").hasMessageContaining("starts with 'internal-', which ELB reserves");
        assertThatThrownBy(() -> FunctionConfig.fromEnv(Map.of("BERTH_WAKER_TARGET_GROUP", "berth-pabcdefghijk-waker")))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_WAKER_TARGET_GROUP"))
                .hasMessageContaining("'berth-pabcdefghijk-waker'").hasMessageContaining("form of a pod's target group");
    }

    @Test
    void require_whenMissing_namesTheVariable() {
        assertThatThrownBy(() -> FunctionConfig.require(FunctionConfig.fromEnv(Map.of()).table(), "BERTH_TABLE"))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_TABLE"))
                .hasMessageContaining("BERTH_TABLE is not set");
    }

    @Test
    void dns_whenPoolOfTwo_pairsEachListenerWithItsLoadBalancer() {
        FunctionConfig config = FunctionConfig.fromEnv(Map.of("BERTH_LISTENER_ARNS", "arn:l1,arn:l2", "BERTH_HOSTED_ZONE_ID", "Z1",
                "BERTH_LOAD_BALANCER_DNS_NAMES", "a.elb.amazonaws.com,b.elb.amazonaws.com", "BERTH_LOAD_BALANCER_ZONE_IDS", "ZA,ZB"));

        assertThat(config.dns().hostedZoneId()).isEqualTo("Z1");
        assertThat(config.dns().loadBalancers()).extracting(t -> t.dnsName() + "@" + t.canonicalHostedZoneId())
                .containsExactly("a.elb.amazonaws.com@ZA", "b.elb.amazonaws.com@ZB");
        assertThat(config.platformNamespace()).isEqualTo("Berth/Platform");
    }

    @Test
    void dns_whenPoolOfOne_isNotNeeded() {
        assertThat(FunctionConfig.fromEnv(Map.of("BERTH_LISTENER_ARNS", "arn:l1")).dns()).isNull();
    }

    @Test
    void dns_whenPoolOfTwoWithoutLoadBalancerNames_namesTheVariable() {
        FunctionConfig config = FunctionConfig.fromEnv(Map.of("BERTH_LISTENER_ARNS", "arn:l1,arn:l2", "BERTH_HOSTED_ZONE_ID", "Z1",
                "BERTH_LOAD_BALANCER_ZONE_IDS", "ZA,ZB"));

        assertThatThrownBy(config::dns)
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_LOAD_BALANCER_DNS_NAMES"))
                .hasMessageContaining("has 0 entries but BERTH_LISTENER_ARNS has 2");
    }

    @Test
    void dns_whenPoolOfTwoWithoutZone_namesTheVariable() {
        assertThatThrownBy(FunctionConfig.fromEnv(Map.of("BERTH_LISTENER_ARNS", "arn:l1,arn:l2"))::dns)
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_HOSTED_ZONE_ID"));
    }
}
