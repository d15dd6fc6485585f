package dev.berth.cdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.services.logs.RetentionDays;

class BerthSettingsTest {
    private static Map<String, Object> required() {
        Map<String, Object> context = new HashMap<>();
        context.put("domainName", "Pods.Example.com");
        context.put("hostedZoneId", "Z0123456789ABCDEFGHIJ");
        context.put("zoneName", "example.com.");
        return context;
    }

    @Test
    void fromContext_withRequiredOnly_appliesDefaults() {
        BerthSettings settings = BerthSettings.fromContext(required()::get);

        assertThat(settings.stackName()).isEqualTo("Berth");
        assertThat(settings.podDomain()).isEqualTo("pods.example.com");
        assertThat(settings.zoneName()).isEqualTo("example.com");
        assertThat(settings.vpc()).isNull();
        assertThat(settings.gpu()).isNull();
        assertThat(settings.albPoolSize()).isEqualTo(1);
        assertThat(settings.natGateways()).isEqualTo(1);
        assertThat(settings.functionsJar()).isEqualTo(Path.of("../functions/target/berth-functions.jar"));
        assertThat(settings.logRetention()).isEqualTo(RetentionDays.ONE_MONTH);
        assertThat(settings.account()).isNull();
    }

    @Test
    void fromContext_withVpcAndGpu_readsListsAndNumbers() {
        Map<String, Object> context = TestStacks.importedVpc(required());
        context.put("gpu", "true");
        context.put("gpuMaxInstances", 4.0); // cdk.json numbers arrive as doubles
        context.put("albPoolSize", "3");

        BerthSettings settings = BerthSettings.fromContext(context::get);

        assertThat(settings.vpc().privateSubnetIds()).containsExactly("subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2");
        assertThat(settings.gpu().instanceType()).isEqualTo("g4dn.xlarge");
        assertThat(settings.gpu().maxInstances()).isEqualTo(4);
        assertThat(settings.albPoolSize()).isEqualTo(3);
        assertThat(settings.region()).isEqualTo("eu-west-1");
    }

    @Test
    void fromContext_whenDomainMissing_namesTheContextKey() {
        Map<String, Object> context = required();
        context.remove("domainName");

        assertThatThrownBy(() -> BerthSettings.fromContext(context::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'domainName' is required")
                .hasMessageContaining("-c domainName=pods.example.com");
    }

    @Test
    void fromContext_whenZoneDoesNotHoldDomain_rejectsWithBothNames() {
        Map<String, Object> context = required();
        context.put("zoneName", "other.org");

        assertThatThrownBy(() -> BerthSettings.fromContext(context::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zoneName 'other.org'")
                .hasMessageContaining("'pods.example.com'");
    }

    @Test
    void fromContext_whenPoolSizeOutOfRange_rejectsWithValue() {
        Map<String, Object> context = required();
        context.put("albPoolSize", "0");

        assertThatThrownBy(() -> BerthSettings.fromContext(context::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("albPoolSize 0 is out of range; use 1 to 20 load balancers");
    }

    @Test
    void fromContext_whenGpuNotBoolean_rejectsWithFix() {
        Map<String, Object> context = required();
        context.put("gpu", "maybe");

        assertThatThrownBy(() -> BerthSettings.fromContext(context::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Context value 'gpu' is 'maybe'; pass -c gpu=true or false");
    }

    @Test
    void fromContext_whenVpcHasTooFewPrivateSubnets_rejectsWithField() {
        Map<String, Object> context = TestStacks.importedVpc(required());
        context.put("privateSubnetIds", "subnet-0bbbbbbbbbbbbbbb1");

        assertThatThrownBy(() -> BerthSettings.fromContext(context::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("privateSubnetIds [subnet-0bbbbbbbbbbbbbbb1] must hold one subnet per availability zone (2)");
    }

    @Test
    void fromContext_whenRetentionUnsupported_listsAllowedValues() {
        Map<String, Object> context = required();
        context.put("logRetentionDays", "10");

        assertThatThrownBy(() -> BerthSettings.fromContext(context::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logRetentionDays 10")
                .hasMessageContaining("[1, 3, 5, 7, 14, 30");
    }

    @Test
    void fromContext_whenGpuWithoutNat_rejectsWithFix() {
        Map<String, Object> context = required();
        context.put("gpu", "true");
        context.put("natGateways", "0");

        assertThatThrownBy(() -> BerthSettings.fromContext(context::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("gpu=true needs natGateways >= 1")
                .hasMessageContaining("-c natGateways=1 or -c gpu=false");
    }
}
