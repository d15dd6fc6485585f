package dev.berth.local.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to a Docker-compatible engine: {@code DOCKER_HOST} if set, else Docker's socket
 * {@code /var/run/docker.sock}, else Podman's ({@code $XDG_RUNTIME_DIR/podman/podman.sock},
 * {@code /run/podman/podman.sock}). The first one that answers a ping wins.
 *
 * <pre>{@code
 * DockerClient docker = DockerClients.connect();
 * }</pre>
 */
public final class DockerClients {
    private static final Logger LOG = LoggerFactory.getLogger(DockerClients.class);

    private DockerClients() {
    }

    /** Connects using the process environment. */
    public static DockerClient connect() {
        return connect(System.getenv());
    }

    /**
     * Connects using {@code env} ({@code DOCKER_HOST}, {@code XDG_RUNTIME_DIR}).
     *
     * @throws BerthServiceException ({@link ErrorCode#UNAVAILABLE}) naming every engine address tried and how to fix it
     */
    public static DockerClient connect(Map<String, String> env) {
        List<String> tried = new ArrayList<>();
        for (String host : candidates(env)) {
            if (host.startsWith("unix://") && !Files.exists(Path.of(host.substring("unix://".length())))) {
                tried.add(host + " (no such socket)");
                continue;
            }
            DockerClient client;
            try {
                client = create(host);
            } catch (RuntimeException e) {
                tried.add(host + " (" + e.getMessage() + ")");
                continue;
            }
            try {
                client.pingCmd().exec();
                LOG.debug("Connected to the container engine at {}", host);
                return client;
            } catch (RuntimeException e) {
                tried.add(host + " (" + rootMessage(e) + ")");
                closeQuietly(client);
            }
        }
        throw new BerthServiceException(ErrorCode.UNAVAILABLE, "No container engine answers; tried " + String.join(", ", tried)
                + ". Start Docker (e.g. 'sudo dockerd &' or 'sudo systemctl start docker') or Podman's socket "
                + "('systemctl --user start podman.socket'), or set DOCKER_HOST to the engine's address "
                + "(e.g. unix:///run/podman/podman.sock or tcp://127.0.0.1:2375)", null);
    }

    /** The engine addresses to try, in order. */
    static List<String> candidates(Map<String, String> env) {
        String dockerHost = env.get("DOCKER_HOST");
        if (dockerHost != null && !dockerHost.isBlank()) {
            return List.of(dockerHost.strip());
        }
        List<String> hosts = new ArrayList<>();
        hosts.add("unix:///var/run/docker.sock");
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            hosts.add("unix://" + runtimeDir.strip() + "/podman/podman.sock");
        }
        hosts.add("unix:///run/podman/podman.sock");
        return hosts;
    }

    /** A client for one engine address, without checking that it answers. */
    public static DockerClient create(String dockerHost) {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .build();
        DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(200)
                .connectionTimeout(Duration.ofSeconds(5))
                // No response timeout: event and log streams stay open for as long as they are followed.
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static void closeQuietly(DockerClient client) {
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("Closing an unreachable engine's client failed", e);
        }
    }
}
