package dev.berth.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
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
    void require_whenMissing_namesTheVariable() {
        assertThatThrownBy(() -> FunctionConfig.require(FunctionConfig.fromEnv(Map.of()).table(), "BERTH_TABLE"))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("BERTH_TABLE"))
                .hasMessageContaining("BERTH_TABLE is not set");
    }
}
