package dev.berth.local.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Ulimit;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks empirically that {@code blockNetwork} pods cannot open connections to the host, for when the host firewall
 * rule cannot be checked (Berth not root: {@code iptables -C} needs root, even to read a rule an admin installed).
 *
 * <p>Berth listens on a free TCP port on {@code 0.0.0.0}; a short-lived probe container (busybox {@code nc -w 2},
 * hardened like a pod, labelled with the platform's owner, removed after) on the isolated network dials that port at the
 * isolated network's gateway and the gateway of the normal pod network. The isolation holds when the probe ran to its
 * end and no connection arrived. A second probe on the normal pod network must reach the listener (the control): else
 * the listener is not reachable from containers at all (the engine on another machine, a host firewall for every
 * bridge), and silence on the isolated network proves nothing. One port is tried: a rule that drops only some ports
 * would pass; Berth's own rule drops all of them.
 */
final class IsolationProbe {
    /** Marks probe containers (they also carry the managed and owner labels, and no pod id). */
    static final String LABEL_ROLE = "dev.berth.role";
    static final String ROLE = "isolation-probe";
    private static final Logger LOG = LoggerFactory.getLogger(IsolationProbe.class);
    private static final int CONNECT_TIMEOUT_SECONDS = 2;
    private static final long RUN_TIMEOUT_SECONDS = 20;
    private static final String DONE = "PROBE-DONE";

    private final DockerClient docker;
    private final DockerRuntimeConfig config;
    private final BiFunction<String, Boolean, Stream<String>> logs;

    /** {@code logs} reads a container's output (the runtime's reader, which demultiplexes the engine's stream). */
    IsolationProbe(DockerClient docker, DockerRuntimeConfig config, BiFunction<String, Boolean, Stream<String>> logs) {
        this.docker = Objects.requireNonNull(docker, "docker");
        this.config = Objects.requireNonNull(config, "config");
        this.logs = Objects.requireNonNull(logs, "logs");
    }

    /** What a probe saw: {@code isolated} only if it ran and nothing reached the host; {@code seen} says what happened. */
    record Verdict(boolean isolated, String seen) {
        Verdict {
            Objects.requireNonNull(seen, "seen");
        }
    }

    /** Probes the isolated network (both networks must exist). Never throws for a probe that fails: that is a verdict. */
    Verdict verify() {
        List<String> targets = new ArrayList<>();
        String isolatedGateway;
        String openGateway;
        try {
            isolatedGateway = gateway(config.isolatedNetwork());
            openGateway = gateway(config.network());
        } catch (RuntimeException e) {
            return new Verdict(false, "the probe could not run: cannot read the networks' gateways (" + e.getMessage() + ")");
        }
        targets.add(isolatedGateway);
        if (!openGateway.equals(isolatedGateway)) {
            targets.add(openGateway);
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("0.0.0.0", 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            // Every connection is accepted and closed at once, so that a probe that got through ends at once too; by
            // the time a probe container has exited, every connection it made has been accepted.
            List<SocketAddress> peers = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().name("berth-isolation-probe").start(() -> {
                try {
                    while (true) {
                        try (SocketChannel c = server.accept()) {
                            peers.add(c.getRemoteAddress());
                        }
                    }
                } catch (IOException closed) {
                    LOG.trace("Probe listener closed", closed);
                }
            });
            String isolatedRun = run(config.isolatedNetwork(), targets, port);
            List<SocketAddress> fromIsolated = List.copyOf(peers);
            if (isolatedRun != null) {
                return new Verdict(false, "the probe could not run on network '" + config.isolatedNetwork() + "': " + isolatedRun);
            }
            if (!fromIsolated.isEmpty()) {
                return new Verdict(false, "a probe container on network '" + config.isolatedNetwork() + "' connected to this "
                        + "host's port " + port + " (dialled " + String.join(", ", targets) + "; connections from " + fromIsolated + ")");
            }
            String controlRun = run(config.network(), List.of(openGateway), port);
            if (controlRun != null || peers.isEmpty()) {
                return new Verdict(false, "the probe is inconclusive: nothing from network '" + config.isolatedNetwork()
                        + "' reached port " + port + ", but a probe on network '" + config.network() + "' did not reach it either ("
                        + (controlRun != null ? controlRun : "dialled " + openGateway) + "), so the port is not reachable from "
                        + "containers at all (is the engine on another machine?)");
            }
            return new Verdict(true, "a probe container on network '" + config.isolatedNetwork() + "' could not connect to this "
                    + "host's port " + port + " at " + String.join(", ", targets) + ", which one on network '" + config.network() + "' reached");
        } catch (IOException e) {
            return new Verdict(false, "the probe could not run: cannot listen on a TCP port (" + e.getMessage() + ")");
        }
    }

    /** Runs one probe container dialling {@code targets}; null if it ran to its end, else why not. */
    private String run(String network, List<String> targets, int port) {
        // All addresses at once, so that the probe takes one connect timeout however many there are.
        String script = "for a in \"$@\"; do (nc -w " + CONNECT_TIMEOUT_SECONDS + " \"$a\" " + port
                + " </dev/null >/dev/null 2>&1; echo \"dialled $a: exit $?\") & done; wait; echo " + DONE;
        List<String> command = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        command.addAll(targets);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(DockerPodRuntime.LABEL_MANAGED, "true");
        labels.put(DockerPodRuntime.LABEL_OWNER, config.owner());
        labels.put(LABEL_ROLE, ROLE);
        String id;
        try {
            id = docker.createContainerCmd(config.probeImage())
                    .withName("berth-probe-" + Long.toHexString(System.nanoTime()))
                    .withEntrypoint(command)
                    .withLabels(labels)
                    .withHostConfig(hostConfig(network))
                    .exec().getId();
        } catch (NotFoundException e) {
            return "the engine has no image '" + config.probeImage() + "' (build Berth's base images, e.g. scripts/base-images.sh)";
        } catch (DockerException e) {
            return "creating the probe container failed (" + e.getMessage() + ")";
        }
        try {
            docker.startContainerCmd(id).exec();
            Integer code = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback())
                    .awaitStatusCode(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<String> output;
            try (Stream<String> lines = logs.apply(id, false)) {
                output = lines.limit(50).toList();
            }
            if (code == null || code != 0 || !output.contains(DONE)) {
                return "the probe container exited with code " + code + " and output " + output;
            }
            LOG.debug("Isolation probe on {}: {}", network, output);
            return null;
        } catch (RuntimeException e) {
            return "running the probe container failed (" + e.getMessage() + ")";
        } finally {
            try {
                docker.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException e) {
                LOG.debug("Cannot remove probe container {}", id, e);
            }
        }
    }

    /** Hardened like a pod's container, and smaller; read-only root. */
    private HostConfig hostConfig(String network) {
        long memory = 32L * 1024 * 1024;
        return HostConfig.newHostConfig()
                .withNetworkMode(network)
                .withPrivileged(false)
                .withInit(true)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withPidsLimit(64L)
                .withMemory(memory)
                .withMemorySwap(memory)
                .withNanoCPUs(250_000_000L)
                .withReadonlyRootfs(true)
                .withUlimits(List.of(new Ulimit("nofile", config.nofile(), config.nofile()),
                        new Ulimit("nproc", config.nproc(), config.nproc())));
    }

    private String gateway(String network) {
        Network n = docker.inspectNetworkCmd().withNetworkId(network).exec();
        if (n.getIpam() == null || n.getIpam().getConfig() == null) {
            throw new IllegalStateException("network '" + network + "' has no IPAM configuration");
        }
        return n.getIpam().getConfig().stream().map(Network.Ipam.Config::getGateway)
                .filter(g -> g != null && g.contains(".")).findFirst()
                .orElseThrow(() -> new IllegalStateException("network '" + network + "' has no IPv4 gateway"));
    }
}
