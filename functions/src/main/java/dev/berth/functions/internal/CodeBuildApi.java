package dev.berth.functions.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;

/**
 * The few CodeBuild operations Berth uses, over CodeBuild's {@code awsJson1_1} protocol, signed with the
 * SDK's SigV4 signer and sent with the SDK's HTTP client. The SDK's {@code codebuild} module is not published
 * for the SDK version the rest of Berth uses, and mixing SDK versions is unsupported.
 *
 * <p>Thread-safe.
 */
public final class CodeBuildApi {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TARGET_PREFIX = "CodeBuild_20161006.";

    private final URI endpoint;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    public CodeBuildApi(URI endpoint, Region region, AwsCredentialsProvider credentials, SdkHttpClient http) {
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
        this.http = http;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Calls one operation, such as {@code StartBuild}, with a JSON body.
     *
     * @throws CodeBuildException with CodeBuild's error type and message when it answers with an error
     */
    public JsonNode call(String operation, JsonNode body) {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint.resolve("/"))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", TARGET_PREFIX + operation)
                .build();
        SignedRequest signed = signer.sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "codebuild")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region.id()));
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(signed.payload().orElse(null))
                    .build()).call();
            JsonNode json;
            try (InputStream in = response.responseBody().map(InputStream.class::cast).orElse(InputStream.nullInputStream())) {
                byte[] raw = in.readAllBytes();
                json = raw.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(raw);
            }
            int status = response.httpResponse().statusCode();
            if (status / 100 != 2) {
                String type = json.path("__type").asText("UnknownError");
                type = type.substring(type.lastIndexOf('#') + 1);
                String message = json.has("message") ? json.path("message").asText() : json.path("Message").asText("");
                throw new CodeBuildException(operation, status, type, message);
            }
            return json;
        } catch (IOException e) {
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "CodeBuild " + operation + " failed: " + e.getMessage(),
                    new UncheckedIOException(e));
        }
    }

    /** CodeBuild answered an operation with an error. */
    public static final class CodeBuildException extends BerthServiceException {
        private final String errorType;

        CodeBuildException(String operation, int status, String errorType, String message) {
            super(status >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.INTERNAL,
                    "CodeBuild " + operation + " failed (" + status + " " + errorType + "): " + message, null);
            this.errorType = errorType;
        }

        /** Such as {@code ResourceNotFoundException}. */
        public String errorType() {
            return errorType;
        }
    }
}
