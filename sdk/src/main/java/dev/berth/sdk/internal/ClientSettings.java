package dev.berth.sdk.internal;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/** What the builder was told; {@code null} = find it. */
public record ClientSettings(URI endpoint, String token, String profile, Path home, Map<String, String> env,
                             String awsRegion, AwsCredentialsProvider awsCredentials, Duration requestTimeout) {
    public ClientSettings {
        env = Map.copyOf(Objects.requireNonNull(env, "env"));
        Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    String env(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }
}
