package dev.berth.image.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TarTest {
    @Test
    void of_writesUstarEntriesInOrderWithSizesAndChecksums() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("Dockerfile", "FROM scratch\n".getBytes(StandardCharsets.UTF_8));
        files.put("files/" + "d".repeat(120) + "/app.py", "print(1)".getBytes(StandardCharsets.UTF_8));

        byte[] tar = Tar.of(files);

        assertThat(tar.length % 512).isZero();
        assertThat(new String(tar, 0, 10, StandardCharsets.US_ASCII)).isEqualTo("Dockerfile");
        assertThat(new String(tar, 257, 5, StandardCharsets.US_ASCII)).isEqualTo("ustar");
        assertThat(Long.parseLong(new String(tar, 124, 11, StandardCharsets.US_ASCII), 8)).isEqualTo(13);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += i >= 148 && i < 156 ? ' ' : tar[i] & 0xff;
        }
        assertThat(Long.parseLong(new String(tar, 148, 6, StandardCharsets.US_ASCII), 8)).isEqualTo(sum);
        assertThat(new String(tar, 512, 13, StandardCharsets.US_ASCII)).isEqualTo("FROM scratch\n");
        // The long path is split into prefix and name.
        assertThat(new String(tar, 1024, 6, StandardCharsets.US_ASCII)).isEqualTo("app.py");
        assertThat(new String(tar, 1024 + 345, 6, StandardCharsets.US_ASCII)).isEqualTo("files/");
        assertThat(Tar.of(files)).isEqualTo(Tar.of(files));
    }

    @Test
    void of_whenPathCannotBeSplit_rejectsNamingThePath() {
        String path = "x".repeat(101);

        assertThatThrownBy(() -> Tar.of(Map.of(path, new byte[0])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + path + "'").hasMessageContaining("shorten it");
    }
}
