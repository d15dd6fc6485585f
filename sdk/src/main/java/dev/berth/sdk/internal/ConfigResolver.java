package dev.berth.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.internal.Json;
import dev.berth.sdk.BerthConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * Finds the platform: explicit builder settings, then the environment ({@code BERTH_ENDPOINT},
 * {@code BERTH_TOKEN}, {@code BERTH_PROFILE}), then the config file's {@code [default]} profile, then the local
 * platform running from the Berth home.
 */
public final class ConfigResolver {
    public static final String CONFIG_FILE = "config";
    public static final String PLATFORM_FILE = "platform.json";
    public static final String TOKEN_FILE = "token";
    public static final String DEFAULT_PROFILE = "default";

    private static final Pattern EXECUTE_API_HOST = Pattern.compile("[a-z0-9]+\\.execute-api\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");

    private ConfigResolver() {
    }

    public static ResolvedConfig resolve(ClientSettings s) {
        Path home = home(s);
        if (s.endpoint() != null) {
            return remote(s, home, s.endpoint().toString(), "the builder's endpoint", null);
        }
        if (s.profile() != null) {
            return profile(s, home, s.profile(), "the builder's profile");
        }
        String envEndpoint = s.env("BERTH_ENDPOINT");
        if (envEndpoint != null) {
            return remote(s, home, envEndpoint, "BERTH_ENDPOINT", null);
        }
        String envProfile = s.env("BERTH_PROFILE");
        if (envProfile != null) {
            return profile(s, home, envProfile, "BERTH_PROFILE");
        }
        Optional<ProfileFile> config = ProfileFile.read(home.resolve(CONFIG_FILE));
        if (config.isPresent() && config.get().profile(DEFAULT_PROFILE).isPresent()) {
            return fromProfile(s, home, config.get().profile(DEFAULT_PROFILE).get());
        }
        return local(s, home, "the local platform of " + home);
    }

    /** {@code BERTH_HOME} (or the builder's home), else {@code ~/.berth}. */
    public static Path home(ClientSettings s) {
        if (s.home() != null) {
            return s.home();
        }
        String home = s.env("BERTH_HOME");
        return home != null ? expand(home) : Path.of(System.getProperty("user.home"), ".berth");
    }

    private static ResolvedConfig profile(ClientSettings s, Path home, String name, String chosenBy) {
        Path file = home.resolve(CONFIG_FILE);
        ProfileFile config = ProfileFile.read(file).orElseThrow(() -> new BerthConfigException(chosenBy,
                "Profile '" + name + "' (from " + chosenBy + ") cannot be read: there is no config file " + file
                        + "; create it with a [" + name + "] section, or unset " + chosenBy));
        ProfileFile.Profile profile = config.profile(name).orElseThrow(() -> new BerthConfigException(chosenBy,
                "No profile [" + name + "] (from " + chosenBy + ") in " + file + "; profiles there: "
                        + (config.names().isEmpty() ? "none" : String.join(", ", config.names().stream().sorted().toList()))));
        return fromProfile(s, home, profile);
    }

    private static ResolvedConfig fromProfile(ClientSettings s, Path home, ProfileFile.Profile p) {
        String source = "profile [" + p.name() + "] of " + p.file();
        Optional<String> endpoint = p.get("endpoint");
        if (endpoint.isEmpty()) {
            for (String remoteOnly : new String[] {"token", "token_file", "aws_region"}) {
                if (p.get(remoteOnly).isPresent()) {
                    throw new BerthConfigException(p.where(remoteOnly), p.where(remoteOnly) + ": '" + remoteOnly
                            + "' needs an endpoint in profile [" + p.name() + "]; add 'endpoint = https://…', or remove it to use the local platform");
                }
            }
            return local(s, p.get("home").map(ConfigResolver::expand).orElse(home), source);
        }
        if (p.get("home").isPresent()) {
            throw new BerthConfigException(p.where("home"), p.where("home") + ": 'home' is for a local profile but profile ["
                    + p.name() + "] has an endpoint; keep one of them");
        }
        String token = p.get("token").orElse(null);
        if (p.get("token_file").isPresent()) {
            if (token != null) {
                throw new BerthConfigException(p.where("token_file"), p.where("token_file")
                        + ": both 'token' and 'token_file' are set in profile [" + p.name() + "]; keep one");
            }
            Path tokenFile = expand(p.get("token_file").get());
            token = readToken(tokenFile, p.where("token_file"), "write the token into " + tokenFile + " or fix token_file");
        }
        return remote(s, home, endpoint.get(), source, new ProfileAuth(token, p.get("aws_region").orElse(null), p.where("aws_region")));
    }

    private record ProfileAuth(String token, String awsRegion, String regionWhere) {
    }

    private static ResolvedConfig remote(ClientSettings s, Path home, String endpointText, String source, ProfileAuth profile) {
        URI endpoint = endpoint(endpointText, source);
        String token = s.token() != null ? s.token() : s.env("BERTH_TOKEN");
        if (token == null && profile != null) {
            token = profile.token();
        }
        Path ca = home.resolve("tls").resolve("ca.pem");
        Path trusted = Files.isReadable(ca) ? ca : null;
        if (token != null) {
            return new ResolvedConfig(endpoint, new ResolvedConfig.Bearer(token), trusted, source);
        }
        String regionName = s.awsRegion() != null ? s.awsRegion() : profile != null ? profile.awsRegion() : null;
        String host = endpoint.getHost() == null ? "" : endpoint.getHost().toLowerCase(Locale.ROOT);
        Matcher m = EXECUTE_API_HOST.matcher(host);
        if (regionName == null && m.matches()) {
            regionName = m.group(1);
        }
        if (regionName == null && host.endsWith(".amazonaws.com")) {
            regionName = regionFromChain(source);
        }
        if (regionName == null) {
            throw new BerthConfigException(source, "No credentials for " + endpoint + " (from " + source + "): set BERTH_TOKEN (or "
                    + "'token'/'token_file' in the profile) for a token-protected platform, or 'aws_region' in the profile for one "
                    + "on AWS (signed with SigV4 from the default AWS credential chain)");
        }
        Region region = Region.of(regionName.strip());
        AwsCredentialsProvider credentials = s.awsCredentials() != null ? s.awsCredentials() : DefaultCredentialsProvider.builder().build();
        return new ResolvedConfig(endpoint, new ResolvedConfig.SigV4(region, credentials), trusted, source);
    }

    private static String regionFromChain(String source) {
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (SdkClientException e) {
            throw new BerthConfigException(source, "Cannot tell the AWS region of the Berth endpoint (from " + source
                    + "); set aws_region in the profile or AWS_REGION", e);
        }
    }

    private static ResolvedConfig local(ClientSettings s, Path home, String source) {
        Path instanceFile = home.resolve(PLATFORM_FILE);
        if (!Files.exists(instanceFile)) {
            throw new BerthConfigException("BERTH_HOME", "No Berth platform found: " + home + " has no " + PLATFORM_FILE
                    + ", so no local platform runs from it; start one with 'berth up --detach', or set BERTH_ENDPOINT or BERTH_PROFILE "
                    + "(profiles are read from " + home.resolve(CONFIG_FILE) + ")");
        }
        JsonNode instance;
        try {
            instance = Json.MAPPER.readTree(Files.readString(instanceFile));
        } catch (IOException e) {
            throw new BerthConfigException(instanceFile.toString(), "Cannot read " + instanceFile + " (" + e.getMessage()
                    + "); restart the platform with 'berth up --detach' to rewrite it", e);
        }
        String api = instance.path("api").asText("");
        long pid = instance.path("pid").asLong(-1);
        if (api.isEmpty() || pid <= 0) {
            throw new BerthConfigException(instanceFile.toString(), instanceFile + " lacks 'api' or 'pid'; restart the platform "
                    + "with 'berth up --detach' to rewrite it");
        }
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new BerthConfigException(instanceFile.toString(), "The Berth platform of " + home + " (pid " + pid
                    + " in " + instanceFile + ") is not running; start it with 'berth up --detach'");
        }
        String token = s.token() != null ? s.token()
                : readToken(home.resolve(TOKEN_FILE), home.resolve(TOKEN_FILE).toString(),
                        "the platform writes it at start; check that this user may read it (mode 0600, same owner)");
        String caText = instance.path("caCertificate").asText("");
        Path ca = caText.isEmpty() ? home.resolve("tls").resolve("ca.pem") : Path.of(caText);
        return new ResolvedConfig(endpoint(api, instanceFile.toString()), new ResolvedConfig.Bearer(token),
                Files.isReadable(ca) ? ca : null, source);
    }

    public static URI endpoint(String text, String source) {
        try {
            URI uri = new URI(text.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new BerthConfigException(source, "Invalid Berth endpoint '" + text + "' (from " + source
                        + "); give an absolute http(s) URL such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod");
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return new URI(scheme + "://" + uri.getRawAuthority() + (path.endsWith("/") ? path : path + "/"));
        } catch (URISyntaxException e) {
            throw new BerthConfigException(source, "Invalid Berth endpoint '" + text + "' (from " + source + "): " + e.getReason()
                    + "; give an absolute http(s) URL", e);
        }
    }

    private static String readToken(Path file, String where, String fix) {
        try {
            String token = Files.readString(file).strip();
            if (token.isEmpty()) {
                throw new BerthConfigException(where, "The token file " + file + " is empty; " + fix);
            }
            return token;
        } catch (IOException e) {
            throw new BerthConfigException(where, "Cannot read the token file " + file + " (" + e.getClass().getSimpleName() + "); " + fix, e);
        }
    }

    private static Path expand(String path) {
        String p = path.strip();
        if (p.equals("~") || p.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + p.substring(1));
        }
        return Path.of(p);
    }
}
