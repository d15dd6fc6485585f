package dev.berth.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * An HTTP client that passes every request on to the real one and keeps the JSON body of those whose
 * {@code X-Amz-Target} is {@code target}: to check what was sent where the emulator ignores it.
 */
public final class RecordingHttpClient implements SdkHttpClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final SdkHttpClient delegate;
    private final String target;
    private final List<JsonNode> bodies;

    public RecordingHttpClient(SdkHttpClient delegate, String target, List<JsonNode> bodies) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.target = Objects.requireNonNull(target, "target");
        this.bodies = Objects.requireNonNull(bodies, "bodies");
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        if (request.httpRequest().firstMatchingHeader("X-Amz-Target").filter(target::equals).isPresent()) {
            try (InputStream in = request.contentStreamProvider().orElseThrow().newStream()) {
                bodies.add(MAPPER.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return delegate.prepareRequest(request);
    }

    @Override
    public void close() {
        // the delegate belongs to the caller
    }
}
