package dev.berth.sdk.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where the API is and how to authenticate, once resolved.
 *
 * @param endpoint      the API's base URI, ending in {@code /}
 * @param caCertificate a PEM file of a CA to trust besides the JDK's, or {@code null}
 * @param source        where the endpoint came from, for messages (never the token)
 */
public record ResolvedConfig(URI endpoint, Auth auth, Path caCertificate, String source) {
    public ResolvedConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(source, "source");
    }

    public Optional<Path> ca() {
        return Optional.ofNullable(caCertificate);
    }

    /** How requests authenticate. */
    public sealed interface Auth permits Bearer, SigV4 {
    }

    /** A bearer token (the local platform's). */
    public record Bearer(String token) implements Auth {
        public Bearer {
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Bearer[token=***]";
        }
    }

    /** SigV4 for API Gateway (service {@code execute-api}). */
    public record SigV4(Region region, AwsCredentialsProvider credentials) implements Auth {
        public SigV4 {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(credentials, "credentials");
        }
    }
}
