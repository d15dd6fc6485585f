package dev.berth.local.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthServiceException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {
    @TempDir
    Path tmp;

    @Test
    void loadOrCreate_whenNone_createsA32ByteTokenWithMode0600InA0700Directory() throws Exception {
        Path home = tmp.resolve("berth-home");

        ApiToken token = ApiToken.loadOrCreate(home);

        Path file = home.resolve("token");
        assertThat(token.file()).isEqualTo(file);
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(home)).isEqualTo("rwx------");
        assertThat(Base64.getUrlDecoder().decode(token.value())).hasSize(32);
        assertThat(Files.readString(file).strip()).isEqualTo(token.value());
        try (var leftovers = Files.list(home)) {
            assertThat(leftovers).containsExactly(file);
        }
    }

    @Test
    void loadOrCreate_twice_returnsTheSameToken() {
        ApiToken first = ApiToken.loadOrCreate(tmp);
        ApiToken second = ApiToken.loadOrCreate(tmp);

        assertThat(second.value()).isEqualTo(first.value());
        assertThat(second.matches(first.value())).isTrue();
    }

    @Test
    void loadOrCreate_inTwoHomes_givesDifferentTokens() {
        assertThat(ApiToken.loadOrCreate(tmp.resolve("a")).value()).isNotEqualTo(ApiToken.loadOrCreate(tmp.resolve("b")).value());
    }

    @Test
    void loadOrCreate_whenModesAreWide_narrowsThemAndKeepsTheToken() throws Exception {
        ApiToken original = ApiToken.loadOrCreate(tmp);
        Files.setPosixFilePermissions(original.file(), PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));

        ApiToken loaded = ApiToken.loadOrCreate(tmp);

        assertThat(loaded.value()).isEqualTo(original.value());
        assertThat(mode(original.file())).isEqualTo("rw-------");
        assertThat(mode(tmp)).isEqualTo("rwx------");
    }

    @Test
    void loadOrCreate_whenFileHoldsSomethingElse_rejectsNamingTheFileAndTheFix() throws Exception {
        Files.writeString(tmp.resolve("token"), "hunter2\n", StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> ApiToken.loadOrCreate(tmp))
                .isInstanceOf(BerthServiceException.class)
                .hasMessageContaining(tmp.resolve("token").toString())
                .hasMessageContaining("delete it")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void matches_rejectsWrongMissingAndAlteredTokens() {
        ApiToken token = ApiToken.loadOrCreate(tmp);
        String value = token.value();
        String altered = (value.charAt(0) == 'A' ? 'B' : 'A') + value.substring(1);

        assertThat(token.matches(value)).isTrue();
        assertThat(token.matches(altered)).isFalse();
        assertThat(token.matches(value + "x")).isFalse();
        assertThat(token.matches(value.substring(1))).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.matches(null)).isFalse();
    }

    @Test
    void toString_namesTheFileButNeverTheToken() {
        ApiToken token = ApiToken.loadOrCreate(tmp);

        assertThat(token.toString()).contains(token.file().toString()).doesNotContain(token.value());
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
