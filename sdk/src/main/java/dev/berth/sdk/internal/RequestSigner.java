package dev.berth.sdk.internal;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** Adds authentication to a request: the bearer token, or a SigV4 signature over method, URI, headers and body. */
final class RequestSigner {
    static final String SIGNING_NAME = "execute-api";
    /** Headers java.net.http sets itself and refuses from callers; it sends the same values the signer saw. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private final ResolvedConfig.Auth auth;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    RequestSigner(ResolvedConfig.Auth auth) {
        this.auth = auth;
    }

    /** A request of {@code method} to {@code uri} with {@code body} (or none), authenticated. */
    HttpRequest.Builder authenticate(HttpRequest.Builder request, String method, URI uri, String contentType, byte[] body) {
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        switch (auth) {
            case ResolvedConfig.Bearer bearer -> request.header("Authorization", "Bearer " + bearer.token());
            case ResolvedConfig.SigV4 sigV4 -> sign(request, sigV4, method, uri, contentType, body);
        }
        return request;
    }

    private void sign(HttpRequest.Builder request, ResolvedConfig.SigV4 sigV4, String method, URI uri, String contentType, byte[] body) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().uri(uri).method(SdkHttpMethod.fromValue(method));
        if (contentType != null) {
            unsigned.putHeader("Content-Type", contentType);
        }
        AwsCredentialsIdentity credentials = sigV4.credentials().resolveCredentials();
        SignedRequest signed = signer.sign(r -> r.identity(credentials)
                .request(unsigned.build())
                .payload(body == null ? null : ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SIGNING_NAME)
                .putProperty(AwsV4HttpSigner.REGION_NAME, sigV4.region().id()));
        signed.request().forEachHeader((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!RESTRICTED.contains(lower) && !lower.equals("content-type")) {
                values.forEach(v -> request.header(name, v));
            }
        });
    }
}
