package dev.berth.functions.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import org.junit.jupiter.api.Test;

class FargateSizeTest {
    @Test
    void fitting_picksSmallestValidPairHoldingTheRequest() {
        assertThat(FargateSize.fitting(0.25, 512)).isEqualTo(new FargateSize(256, 512));
        assertThat(FargateSize.fitting(0.25, 1500)).isEqualTo(new FargateSize(256, 2048));
        assertThat(FargateSize.fitting(0.5, 1500)).isEqualTo(new FargateSize(512, 2048));
        assertThat(FargateSize.fitting(1, 1024)).isEqualTo(new FargateSize(1024, 2048));
        assertThat(FargateSize.fitting(0.25, 6000)).isEqualTo(new FargateSize(1024, 6144));
        assertThat(FargateSize.fitting(16, 40000)).isEqualTo(new FargateSize(16384, 40960));
    }

    @Test
    void fitting_whenTooLarge_rejectsWithField() {
        assertThatThrownBy(() -> FargateSize.fitting(32, 1024)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(e.field()).isEqualTo("cpu")).hasMessageContaining("32.0");
        assertThatThrownBy(() -> FargateSize.fitting(1, 200_000)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(e.field()).isEqualTo("memoryMiB")).hasMessageContaining("200000");
    }
}
