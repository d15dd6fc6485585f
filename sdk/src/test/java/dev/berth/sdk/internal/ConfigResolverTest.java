package dev.berth.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.sdk.BerthConfigException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class ConfigResolverTest {
    @TempDir
    Path home;

    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void homeInEnv() {
        env.put("BERTH_HOME", home.toString());
    }

    private ResolvedConfig resolve() {
        return resolve(null, null);
    }

    private ResolvedConfig resolve(URI endpoint, String profile) {
        return ConfigResolver.resolve(new ClientSettings(endpoint, null, profile, null, env, null,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")), Duration.ofSeconds(5)));
    }

    /** What a running local platform leaves in its home: platform.json (this JVM's pid: alive) and the token. */
    private void localPlatform(int apiPort) throws Exception {
        Files.writeString(home.resolve("platform.json"), "{\"pid\":" + ProcessHandle.current().pid() + ",\"api\":\"http://127.0.0.1:"
                + apiPort + "\",\"routerPort\":8443,\"domain\":\"pods.localhost\",\"caCertificate\":\"" + home.resolve("tls/ca.pem") + "\"}");
        Files.writeString(home.resolve("token"), "local-token\n");
    }

    private void config(String text) throws Exception {
        Files.writeString(home.resolve("config"), text);
    }

    @Test
    void resolve_withOnlyALocalPlatform_usesItsApiAndToken() throws Exception {
        localPlatform(7071);

        ResolvedConfig config = resolve();

        assertThat(config.endpoint()).isEqualTo(URI.create("http://127.0.0.1:7071/"));
        assertThat(config.auth()).isEqualTo(new ResolvedConfig.Bearer("local-token"));
        assertThat(config.source()).contains("local platform");
    }

    @Test
    void resolve_defaultProfile_winsOverTheLocalPlatform() throws Exception {
        localPlatform(7071);
        config("[default]\nendpoint = https://berth.example.com/api\ntoken = profile-token\n");

        ResolvedConfig config = resolve();

        assertThat(config.endpoint()).isEqualTo(URI.create("https://berth.example.com/api/"));
        assertThat(config.auth()).isEqualTo(new ResolvedConfig.Bearer("profile-token"));
    }

    @Test
    void resolve_environment_winsOverProfileAndLocalPlatform() throws Exception {
        localPlatform(7071);
        config("[default]\nendpoint = https://berth.example.com\ntoken = profile-token\n");
        env.put("BERTH_ENDPOINT", "http://10.0.0.5:7070");
        env.put("BERTH_TOKEN", "env-token");

        ResolvedConfig config = resolve();

        assertThat(config.endpoint()).isEqualTo(URI.create("http://10.0.0.5:7070/"));
        assertThat(config.auth()).isEqualTo(new ResolvedConfig.Bearer("env-token"));
        assertThat(config.source()).isEqualTo("BERTH_ENDPOINT");
    }

    @Test
    void resolve_berthProfile_picksThatSection_andBerthTokenOverridesItsTokenFile() throws Exception {
        Path tokenFile = Files.writeString(home.resolve("proxy-token"), "file-token\n");
        config("[default]\nendpoint = https://a.example.com\ntoken = a\n\n[proxy]  # via the proxy\nendpoint = https://b.example.com\ntoken_file = "
                + tokenFile + "\n");
        env.put("BERTH_PROFILE", "proxy");

        assertThat(resolve().auth()).isEqualTo(new ResolvedConfig.Bearer("file-token"));
        assertThat(resolve().endpoint()).isEqualTo(URI.create("https://b.example.com/"));

        env.put("BERTH_TOKEN", "env-token");
        assertThat(resolve().auth()).isEqualTo(new ResolvedConfig.Bearer("env-token"));
    }

    @Test
    void resolve_awsProfile_signsWithSigV4InItsRegion() throws Exception {
        config("[prod]\nendpoint = https://abc123.execute-api.eu-west-1.amazonaws.com/prod\naws_region = eu-central-1\n");

        ResolvedConfig config = resolve(null, "prod");

        assertThat(config.endpoint()).isEqualTo(URI.create("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/"));
        assertThat(config.auth()).isInstanceOfSatisfying(ResolvedConfig.SigV4.class,
                s -> assertThat(s.region().id()).isEqualTo("eu-central-1"));
    }

    @Test
    void resolve_executeApiEndpointWithoutToken_takesTheRegionFromTheHost() {
        env.put("BERTH_ENDPOINT", "https://abc123.execute-api.us-east-2.amazonaws.com/prod");

        assertThat(resolve().auth()).isInstanceOfSatisfying(ResolvedConfig.SigV4.class,
                s -> assertThat(s.region().id()).isEqualTo("us-east-2"));
    }

    @Test
    void resolve_localProfileWithHome_usesThePlatformOfThatHome() throws Exception {
        Path other = Files.createDirectories(home.resolve("other"));
        Files.writeString(other.resolve("platform.json"), "{\"pid\":" + ProcessHandle.current().pid() + ",\"api\":\"http://127.0.0.1:7099\"}");
        Files.writeString(other.resolve("token"), "other-token");
        config("[local]\nhome = " + other + "\n");

        ResolvedConfig config = resolve(null, "local");

        assertThat(config.endpoint()).isEqualTo(URI.create("http://127.0.0.1:7099/"));
        assertThat(config.auth()).isEqualTo(new ResolvedConfig.Bearer("other-token"));
    }

    @Test
    void resolve_withNothingConfigured_saysHowToStartOrConfigure() {
        assertThatThrownBy(this::resolve).isInstanceOf(BerthConfigException.class)
                .hasMessageContaining(home + " has no platform.json").hasMessageContaining("berth up --detach")
                .hasMessageContaining("BERTH_ENDPOINT");
    }

    @Test
    void resolve_whenThePlatformProcessIsGone_saysItIsNotRunning() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(home.resolve("platform.json"), "{\"pid\":" + dead.pid() + ",\"api\":\"http://127.0.0.1:7070\"}");

        assertThatThrownBy(this::resolve).isInstanceOf(BerthConfigException.class)
                .hasMessageContaining("pid " + dead.pid()).hasMessageContaining("is not running");
    }

    @Test
    void resolve_unknownProfile_listsTheProfilesThere() throws Exception {
        config("[default]\nendpoint = https://a.example.com\ntoken = a\n[prod]\nendpoint = https://b.example.com\ntoken = b\n");
        env.put("BERTH_PROFILE", "staging");

        assertThatThrownBy(this::resolve).isInstanceOf(BerthConfigException.class)
                .hasMessageContaining("No profile [staging] (from BERTH_PROFILE)").hasMessageContaining("default, prod");
    }

    @Test
    void resolve_endpointWithoutCredentials_saysWhatToSet() {
        env.put("BERTH_ENDPOINT", "https://berth.example.com");

        assertThatThrownBy(this::resolve).isInstanceOf(BerthConfigException.class)
                .hasMessageContaining("No credentials for https://berth.example.com/").hasMessageContaining("BERTH_TOKEN")
                .hasMessageContaining("aws_region");
    }

    @Test
    void resolve_invalidEndpoint_namesItsSource() {
        env.put("BERTH_ENDPOINT", "berth.example.com");
        env.put("BERTH_TOKEN", "t");

        assertThatThrownBy(this::resolve).isInstanceOf(BerthConfigException.class)
                .hasMessageContaining("Invalid Berth endpoint 'berth.example.com' (from BERTH_ENDPOINT)");
    }

    @Test
    void configFile_unknownKey_namesFileLineAndKnownKeys() throws Exception {
        config("[default]\nendpoint = https://a.example.com\nregion = eu-west-1\n");

        assertThatThrownBy(this::resolve).isInstanceOf(BerthConfigException.class)
                .hasMessageContaining(home.resolve("config") + ":3: unknown key 'region'")
                .hasMessageContaining("aws_region, endpoint, home, token, token_file")
                .extracting(e -> ((BerthConfigException) e).field()).isEqualTo(home.resolve("config") + ":3");
    }

    @Test
    void configFile_malformedLines_nameFileLineAndFix() throws Exception {
        config("endpoint = https://a.example.com\n");
        assertThatThrownBy(this::resolve).hasMessageContaining(":1: 'endpoint' is outside any profile; put a section header");

        config("[default\n");
        assertThatThrownBy(this::resolve).hasMessageContaining(":1: malformed section header '[default'");

        config("[default]\n# fine\nendpoint https://a.example.com\n");
        assertThatThrownBy(this::resolve).hasMessageContaining(":3: expected 'key = value'");

        config("[default]\nendpoint = https://a.example.com\ntoken = a\ntoken_file = /x\n");
        assertThatThrownBy(this::resolve).hasMessageContaining(":4: both 'token' and 'token_file' are set");
    }
}
