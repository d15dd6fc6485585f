package dev.berth.sdk;

import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.InvalidSpecException;
import dev.berth.NotFoundException;
import dev.berth.image.ImageBuild;
import dev.berth.pod.PodQuery;
import dev.berth.pod.PodStatus;
import dev.berth.sdk.internal.ClientSettings;
import dev.berth.sdk.internal.HttpBerthClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * A client of one Berth platform — the embedded local one or a deployment on AWS. Thread-safe: share one
 * instance; {@link #close()} it when done.
 *
 * <pre>{@code
 * try (BerthClient client = BerthClient.create()) {
 *     Pod pod = Pod.builder()
 *             .image(Image.python("3.12").addLocalPath(Path.of("app.py"), "app.py"))
 *             .entrypoint("python3", "app.py")
 *             .ports(8000)
 *             .build();
 *     PodInstance instance = client.create(pod).awaitReady(Duration.ofMinutes(5));
 *     HttpResponse<String> page = client.httpClient().send(
 *             HttpRequest.newBuilder(instance.url(8000)).build(), HttpResponse.BodyHandlers.ofString());
 *     instance.terminate();
 * }
 * }</pre>
 *
 * <p>{@link #create()} finds the platform in this order: the environment ({@code BERTH_ENDPOINT},
 * {@code BERTH_TOKEN}, {@code BERTH_PROFILE}), then a profile of {@code $BERTH_HOME/config} (default
 * {@code ~/.berth/config}), then the local platform running from {@code $BERTH_HOME} ({@code platform.json} and
 * {@code token}). Against AWS, requests are signed with SigV4 (service {@code execute-api}) from the default AWS
 * credential chain; locally they carry the platform's bearer token.
 *
 * <p>Errors are unchecked: {@link InvalidSpecException} (with {@link BerthClientException#field()}),
 * {@link NotFoundException}, other {@link BerthClientException}s for refused requests,
 * {@link BerthServiceException} when the platform failed or cannot be reached, {@link BerthConfigException}
 * when the configuration does not say where the platform is.
 */
public interface BerthClient extends AutoCloseable {

    /**
     * A client configured from the environment, the config file or the local platform, in that order.
     *
     * @throws BerthConfigException if none of them names a platform, with what to set
     */
    static BerthClient create() {
        return builder().build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** Where requests go: the REST API's base URI. */
    URI endpoint();

    /**
     * Creates a pod; it builds and starts in the background. Use {@link PodInstance#awaitReady} to wait.
     *
     * @throws InvalidSpecException if the platform refuses the spec (field named)
     */
    PodInstance create(Pod pod);

    /**
     * Creates or updates the deployment named by {@code pod}: same spec while active changes nothing; a new
     * spec starts a new pod that takes over the stable URLs.
     *
     * @throws InvalidSpecException if the pod has no name or the platform refuses the spec
     */
    Deployment deploy(Pod pod);

    /** Pods, newest first, of any status. */
    List<PodInstance> list();

    /** Pods in one of {@code statuses} (none = any), newest first. */
    List<PodInstance> list(PodStatus... statuses);

    /** Pods matching a query (statuses and deployment name), newest first. */
    List<PodInstance> list(PodQuery query);

    /** @throws NotFoundException if there is no such pod */
    PodInstance get(String podId);

    /** Stops a pod (idempotent). @throws NotFoundException if there is no such pod */
    PodInstance stop(String podId);

    List<Deployment> deployments();

    /** @throws NotFoundException if there is no such deployment */
    Deployment deployment(String name);

    /** Starts the deployment's pod if none is active. */
    Deployment startDeployment(String name);

    /** Stops the deployment's pod, keeping the deployment. */
    Deployment stopDeployment(String name);

    /** Stops the deployment's pod and deletes the deployment. */
    void deleteDeployment(String name);

    /** Build status, log and failure message of an image, by the id a pod's record carries. */
    ImageBuild image(String imageId);

    /** The platform's template catalog ({@code GET /v1/templates}). */
    List<dev.berth.template.Template> templates();

    /**
     * One template of the platform's catalog; start it with {@code create(Pod.of(template.spec()))}.
     *
     * @throws NotFoundException naming the available templates when there is none of that name
     */
    dev.berth.template.Template template(String name);

    /**
     * An HTTP client for pod URLs: it trusts the JDK's certificate authorities plus, for a local platform,
     * the platform's CA ({@code $BERTH_HOME/tls/ca.pem}); {@code *.localhost} names resolve to loopback through
     * the SDK's resolver. Owned by this client: do not close it.
     */
    HttpClient httpClient();

    /** The TLS context of {@link #httpClient()}, for other HTTP libraries. */
    SSLContext sslContext();

    /** Releases the client's connections. */
    @Override
    void close();

    /** Configures a {@link BerthClient}; every setting left out is found as {@link BerthClient#create()} does. Not thread-safe. */
    final class Builder {
        private URI endpoint;
        private String token;
        private String profile;
        private Path home;
        private Map<String, String> environment;
        private String awsRegion;
        private AwsCredentialsProvider awsCredentials;
        private Duration requestTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** The REST API's base URI, overriding {@code BERTH_ENDPOINT} and profiles. */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** The bearer token (a local platform's, or a proxy's), overriding {@code BERTH_TOKEN} and profiles. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** The profile of the config file to use, overriding {@code BERTH_PROFILE}. */
        public Builder profile(String profile) {
            this.profile = profile;
            return this;
        }

        /** The Berth home (config file, local platform), overriding {@code BERTH_HOME}. */
        public Builder home(Path home) {
            this.home = home;
            return this;
        }

        /** The environment to read instead of the process's ({@code System.getenv()}); for tests and tools. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** The AWS region to sign for, overriding the profile's {@code aws_region} and the AWS region chain. */
        public Builder awsRegion(String awsRegion) {
            this.awsRegion = awsRegion;
            return this;
        }

        /** AWS credentials to sign with instead of the default credential chain. */
        public Builder awsCredentials(AwsCredentialsProvider credentials) {
            this.awsCredentials = credentials;
            return this;
        }

        /** How long one API call may take before it fails (default 60 s; followed logs are not limited). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * The client.
         *
         * @throws BerthConfigException if the platform or its credentials cannot be found, with what to set
         */
        public BerthClient build() {
            ClientSettings settings = new ClientSettings(endpoint, token, profile, home,
                    environment == null ? System.getenv() : environment, awsRegion, awsCredentials, requestTimeout);
            return HttpBerthClient.open(settings);
        }
    }
}
