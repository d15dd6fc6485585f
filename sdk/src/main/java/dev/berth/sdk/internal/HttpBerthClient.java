package dev.berth.sdk.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import dev.berth.image.ImageBuild;
import dev.berth.internal.Json;
import dev.berth.pod.PodQuery;
import dev.berth.pod.PodStatus;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.Deployment;
import dev.berth.sdk.Pod;
import dev.berth.sdk.PodInstance;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/** {@link BerthClient} over {@code java.net.http}: JSON to and from the REST API, errors into the typed hierarchy. */
public final class HttpBerthClient implements BerthClient {
    private static final Logger log = LoggerFactory.getLogger(HttpBerthClient.class);
    /** Berth's wire format, tolerant of fields a newer platform adds. */
    static final ObjectMapper JSON = Json.MAPPER.copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String JSON_TYPE = "application/json";

    private final ResolvedConfig config;
    private final Duration timeout;
    private final SSLContext ssl;
    private final HttpClient http;
    private final RequestSigner signer;
    private final boolean ownsCredentials;

    HttpBerthClient(ResolvedConfig config, Duration timeout, boolean ownsCredentials) {
        this.ownsCredentials = ownsCredentials;
        this.config = Objects.requireNonNull(config, "config");
        this.timeout = timeout;
        this.ssl = TrustedTls.context(config.caCertificate());
        // HTTP/1.1: the router offers nothing else, and it keeps java.net.http from trying h2c upgrades on the API.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
        this.signer = new RequestSigner(config.auth());
        log.debug("Berth client for {} (from {})", config.endpoint(), config.source());
    }

    /** Resolves the configuration and opens a client. */
    public static BerthClient open(ClientSettings settings) {
        // Credentials the caller passed stay theirs to close; the default chain the SDK created is closed with it.
        return new HttpBerthClient(ConfigResolver.resolve(settings), settings.requestTimeout(), settings.awsCredentials() == null);
    }

    @Override
    public URI endpoint() {
        return config.endpoint();
    }

    @Override
    public PodInstance create(Pod pod) {
        return new HttpPodInstance(this, call("POST", "v1/pods", pod.spec()));
    }

    @Override
    public Deployment deploy(Pod pod) {
        if (pod.name() == null) {
            throw new InvalidSpecException("name", "A deployment needs a name; set Pod.builder().name(\"my-app\") "
                    + "(1-40 lowercase letters, digits and '-'), or use create(pod) for an anonymous pod");
        }
        return new HttpDeployment(this, call("POST", "v1/deployments", pod.spec()));
    }

    @Override
    public List<PodInstance> list() {
        return list(PodQuery.all());
    }

    @Override
    public List<PodInstance> list(PodStatus... statuses) {
        return list(PodQuery.withStatus(statuses));
    }

    @Override
    public List<PodInstance> list(PodQuery query) {
        List<String> params = new ArrayList<>();
        if (!query.statuses().isEmpty()) {
            params.add("status=" + query.statuses().stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
        }
        if (query.deployment() != null) {
            params.add("name=" + URLEncoder.encode(query.deployment(), StandardCharsets.UTF_8));
        }
        JsonNode answer = call("GET", "v1/pods" + (params.isEmpty() ? "" : "?" + String.join("&", params)), null);
        List<PodInstance> pods = new ArrayList<>();
        answer.path("pods").forEach(p -> pods.add(new HttpPodInstance(this, p)));
        return List.copyOf(pods);
    }

    @Override
    public PodInstance get(String podId) {
        return new HttpPodInstance(this, call("GET", podPath(podId), null));
    }

    @Override
    public PodInstance stop(String podId) {
        return new HttpPodInstance(this, call("DELETE", podPath(podId), null));
    }

    @Override
    public List<Deployment> deployments() {
        List<Deployment> all = new ArrayList<>();
        call("GET", "v1/deployments", null).path("deployments").forEach(d -> all.add(new HttpDeployment(this, d)));
        return List.copyOf(all);
    }

    @Override
    public Deployment deployment(String name) {
        return new HttpDeployment(this, call("GET", deploymentPath(name), null));
    }

    @Override
    public Deployment startDeployment(String name) {
        return new HttpDeployment(this, call("POST", deploymentPath(name) + "/start", null));
    }

    @Override
    public Deployment stopDeployment(String name) {
        return new HttpDeployment(this, call("POST", deploymentPath(name) + "/stop", null));
    }

    @Override
    public void deleteDeployment(String name) {
        call("DELETE", deploymentPath(name), null);
    }

    @Override
    public ImageBuild image(String imageId) {
        return read(call("GET", "v1/images/" + segment(imageId), null), ImageBuild.class);
    }

    @Override
    public List<dev.berth.template.Template> templates() {
        List<dev.berth.template.Template> templates = new java.util.ArrayList<>();
        for (JsonNode t : call("GET", "v1/templates", null).path("templates")) {
            templates.add(read(t, dev.berth.template.Template.class));
        }
        return templates;
    }

    @Override
    public dev.berth.template.Template template(String name) {
        return read(call("GET", "v1/templates/" + segment(name), null), dev.berth.template.Template.class);
    }

    @Override
    public HttpClient httpClient() {
        return http;
    }

    @Override
    public SSLContext sslContext() {
        return ssl;
    }

    @Override
    public void close() {
        http.close();
        if (ownsCredentials && config.auth() instanceof ResolvedConfig.SigV4 sigV4 && sigV4.credentials() instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
    }

    // ---- transport ---------------------------------------------------------------------------------------

    static String podPath(String podId) {
        return "v1/pods/" + segment(podId);
    }

    static String deploymentPath(String name) {
        return "v1/deployments/" + segment(name);
    }

    private static String segment(String value) {
        Objects.requireNonNull(value, "id");
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** One JSON call; {@code null} body for none. Returns the answer's JSON ({@code null} node for 204). */
    JsonNode call(String method, String path, Object body) {
        byte[] bytes = body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = send(method, path, bytes, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), timeout);
        if (response.statusCode() >= 400) {
            throw ApiErrors.toException(response.statusCode(), response.body(), method + " " + response.uri());
        }
        try {
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new BerthServiceException(ErrorCode.INTERNAL, method + " " + response.uri() + " answered " + response.statusCode()
                    + " with a body that is not JSON; check that " + config.endpoint() + " is a Berth API", e);
        }
    }

    /** A text body read line by line; closing the stream closes the connection. */
    Stream<String> lines(String path) {
        HttpResponse<InputStream> response = send("GET", path, null, HttpResponse.BodyHandlers.ofInputStream(), timeout);
        InputStream in = response.body();
        if (response.statusCode() >= 400) {
            try (in) {
                throw ApiErrors.toException(response.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8),
                        "GET " + response.uri());
            } catch (IOException e) {
                throw unreachable("GET", response.uri(), e);
            }
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        return reader.lines().onClose(() -> {
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private <T> HttpResponse<T> send(String method, String path, byte[] body, HttpResponse.BodyHandler<T> handler, Duration limit) {
        URI uri = config.endpoint().resolve(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(limit)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        signer.authenticate(request, method, uri, body == null ? null : JSON_TYPE, body);
        try {
            log.debug("{} {}", method, uri);
            return http.send(request.build(), handler);
        } catch (IOException e) {
            throw unreachable(method, uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted during " + method + " " + uri, e);
        }
    }

    private BerthServiceException unreachable(String method, URI uri, IOException e) {
        String why = e instanceof ConnectException || e instanceof HttpConnectTimeoutException ? "nothing answers there"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new BerthServiceException(ErrorCode.UNAVAILABLE, method + " " + uri + " failed (" + why + "); the endpoint came from "
                + config.source() + ": check that the platform runs ('berth up --detach' locally)", e);
    }

    static <T> T read(JsonNode node, Class<T> type) {
        try {
            return JSON.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new BerthServiceException(ErrorCode.INTERNAL, "Cannot read the platform's " + type.getSimpleName()
                    + " (" + e.getOriginalMessage() + "); the SDK and the platform may be of different versions", e);
        }
    }
}
