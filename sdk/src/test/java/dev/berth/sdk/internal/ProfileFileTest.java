package dev.berth.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.sdk.BerthConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileFileTest {
    @TempDir
    Path dir;

    @Test
    void set_onNoFile_createsItWithTheSection_mode0600() throws Exception {
        Path file = dir.resolve("config");

        ProfileFile.set(file, "prod", Map.of("endpoint", "https://api.example.com", "aws_region", "eu-west-1"));

        assertThat(Files.readAllLines(file)).containsExactly("[prod]", "aws_region = eu-west-1", "endpoint = https://api.example.com");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void set_onExistingSection_replacesAndRemovesKeys_keepingCommentsAndOtherProfiles() throws Exception {
        Path file = dir.resolve("config");
        Files.writeString(file, "# mine\n[default]\n\n[team]\nendpoint = https://old  # old one\ntoken = t1\n\n[prod]\nendpoint = https://p\n");
        Map<String, String> values = new HashMap<>();
        values.put("endpoint", "https://new");
        values.put("token", null);
        values.put("token_file", "/tmp/tok");

        ProfileFile parsed = ProfileFile.set(file, "team", values);

        assertThat(Files.readString(file)).isEqualTo(
                "# mine\n[default]\n\n[team]\nendpoint = https://new\ntoken_file = /tmp/tok\n\n[prod]\nendpoint = https://p\n");
        assertThat(parsed.profile("team").orElseThrow().values()).containsOnly(Map.entry("endpoint", "https://new"),
                Map.entry("token_file", "/tmp/tok"));
    }

    @Test
    void remove_dropsTheSectionOnly_andSaysWhetherItExisted() throws Exception {
        Path file = dir.resolve("config");
        Files.writeString(file, "[default]\n\n[team]\nendpoint = https://t\n\n[prod]\nendpoint = https://p\n");

        assertThat(ProfileFile.remove(file, "team")).isTrue();
        assertThat(ProfileFile.remove(file, "team")).isFalse();

        assertThat(Files.readString(file)).isEqualTo("[default]\n\n[prod]\nendpoint = https://p\n");
    }

    @Test
    void set_whenKeyUnknown_rejectsNamingTheKnownKeys() {
        assertThatThrownBy(() -> ProfileFile.set(dir.resolve("config"), "prod", Map.of("region", "eu-west-1")))
                .isInstanceOf(BerthConfigException.class)
                .hasMessage("Unknown key 'region'; known keys: aws_region, endpoint, home, token, token_file");
        assertThat(dir.resolve("config")).doesNotExist();
    }

    @Test
    void set_whenNameInvalid_rejectsWithTheRule() {
        assertThatThrownBy(() -> ProfileFile.set(dir.resolve("config"), "my prod", Map.of("endpoint", "https://x")))
                .isInstanceOf(BerthConfigException.class)
                .hasMessageContaining("Invalid profile name 'my prod'");
    }
}
