package dev.berth.local.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Ulimit;
import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.run.Endpoint;
import dev.berth.run.PodRuntime;
import dev.berth.run.RuntimeState;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each pod as a hardened container of a Docker-compatible engine (Docker or Podman).
 *
 * <p>Containers carry the labels {@value #LABEL_MANAGED}{@code =true} and {@value #LABEL_POD_ID}, join the
 * user bridge network {@link DockerRuntimeConfig#network()} (or, for {@code blockNetwork}, the internal
 * network {@link DockerRuntimeConfig#isolatedNetwork()}, which has no route out), and publish no host
 * ports: the router reaches each port at the container's IP on that network.
 *
 * <p>The host keeps an address on the isolated network's bridge, so {@code blockNetwork} pods also need a host
 * firewall rule ({@link HostFirewall}) that drops new connections from that bridge to the host: the bridge gets a
 * known interface name ({@value HostFirewall#BRIDGE_NAME_OPTION}), and the rule is checked (and installed if missing)
 * before every such pod is validated or started. Where it cannot be checked or installed (not root, no iptables), a probe
 * container ({@link IsolationProbe}) checks the isolation empirically (an admin may have installed the rule); only if
 * that fails are such pods refused, with an error naming the commands an administrator can run and what the probe saw.
 * The rule is never removed.
 *
 * <p>Hardening: all capabilities dropped but {@code NET_BIND_SERVICE}, {@code no-new-privileges}, a pids
 * limit, memory (without swap) and CPUs from the spec, explicit {@code nofile}/{@code nproc} ulimits, never
 * privileged. A {@code gpu} spec becomes a device request. {@code readOnlyRootFilesystem} makes the root
 * read-only with a {@code noexec,nosuid,nodev} tmpfs of {@value PodSpec#READ_ONLY_TMPFS_MIB} MiB at {@code /tmp}.
 *
 * <p>After {@link #start}, readiness dials every port until all accept ({@code podReady}), the container
 * exits first ({@code podExited}) or the readiness timeout passes ({@code podFailed}). One engine event
 * subscription reports exits of the pods this instance started or adopted; it reconnects if the stream drops.
 *
 * <p>Exited containers are kept, so that the logs of an exited pod stay readable; {@link #stop} removes
 * them. Thread-safe; {@link #close()} ends the event subscription and the readiness watches.
 */
public final class DockerPodRuntime implements PodRuntime, AutoCloseable {
    private static final long NO_PORT_SETTLE_MILLIS = 250;
    public static final String LABEL_MANAGED = "dev.berth.managed";
    public static final String LABEL_POD_ID = "dev.berth.pod-id";
    /** Which platform owns the container: only it lists, adopts and removes it. */
    public static final String LABEL_OWNER = "dev.berth.owner";
    /** The pod's ports, comma-separated, so that endpoints are known without the pod record. */
    public static final String LABEL_PORTS = "dev.berth.ports";
    /** On the isolated network: the name of its bridge interface, which the host firewall rule matches. */
    public static final String LABEL_BRIDGE = "dev.berth.bridge";
    private static final Logger LOG = LoggerFactory.getLogger(DockerPodRuntime.class);
    private static final int DIAL_TIMEOUT_MILLIS = 250;
    private static final long VERIFIED_FOR_SECONDS = 60;
    private static final long INSPECT_EVERY_MILLIS = 1000;
    private static final int EMPTY_LOG_RETRIES = 10;
    private static final long EMPTY_LOG_RETRY_MILLIS = 50;
    private static final Pattern CATATONIT_EXEC_FAILED = Pattern.compile("^ERROR \\(catatonit:\\d+\\): failed to exec pid1: (.*)$");

    private final DockerClient docker;
    private final PodEvents events;
    private final DockerRuntimeConfig config;
    /** Containers this instance watches (started or adopted), by container id. */
    private final ConcurrentMap<String, Watch> watched = new ConcurrentHashMap<>();
    private final Set<String> readyNetworks = ConcurrentHashMap.newKeySet();
    private final HostFirewall firewall;
    private final IsolationProbe probe;
    private final Object probeLock = new Object();
    /** Until when (System.nanoTime) a probe's positive verdict stands; 0: none. */
    private volatile long verifiedUntilNanos;
    private volatile boolean loggedVerified;
    private volatile String isolatedBridgeName;
    private final Object eventsLock = new Object();
    private volatile Closeable eventStream;
    private volatile long lastEventSeconds;
    private volatile boolean closed;

    public DockerPodRuntime(DockerClient docker, PodEvents events, DockerRuntimeConfig config) {
        this(docker, events, config, new HostFirewall());
    }

    DockerPodRuntime(DockerClient docker, PodEvents events, DockerRuntimeConfig config, HostFirewall firewall) {
        this.docker = Objects.requireNonNull(docker, "docker");
        this.events = Objects.requireNonNull(events, "events");
        this.config = Objects.requireNonNull(config, "config");
        this.firewall = Objects.requireNonNull(firewall, "firewall");
        this.probe = new IsolationProbe(docker, config, this::logs);
    }

    @Override
    public void validate(PodSpec spec) {
        if (spec.blockNetwork()) {
            isolatedNetwork();
        }
        if (spec.gpu() != null && !hasGpuRuntime()) {
            throw new BerthClientException(ErrorCode.UNSUPPORTED, "gpu", "gpu is '" + spec.gpu() + "' but this machine's container engine "
                    + "has no GPU runtime (no 'nvidia' runtime in docker info); leave out gpu here, install the NVIDIA Container Toolkit, "
                    + "or run the pod on Berth's AWS side");
        }
    }

    private boolean hasGpuRuntime() {
        var runtimes = docker.infoCmd().exec().getRuntimes();
        return runtimes != null && runtimes.containsKey("nvidia");
    }

    @Override
    public String start(Pod pod, String imageRef) {
        PodSpec spec = pod.spec();
        PodId podId = pod.id();
        String network;
        if (spec.blockNetwork()) {
            network = isolatedNetwork();
        } else {
            network = config.network();
            ensureNetwork(network);
        }
        subscribeToEvents();
        String name = "berth-" + podId.value();
        CreateContainerResponse created;
        try {
            created = create(name, spec, podId, imageRef, network);
        } catch (ConflictException e) {
            // A container of this pod id left by an attempt that did not record its handle: replace it.
            LOG.debug("podId={} replacing leftover container {}", podId, name);
            removeQuietly(name);
            created = create(name, spec, podId, imageRef, network);
        } catch (NotFoundException e) {
            throw new BerthServiceException(ErrorCode.INTERNAL, "Cannot start pod " + podId + ": the engine has no image '"
                    + imageRef + "'; build the image first (it may have been removed with 'docker image rm')", e);
        }
        String id = created.getId();
        Watch watch = new Watch(podId, id, spec.ports(), spec.entrypoint().get(0));
        watched.put(id, watch);
        try {
            docker.startContainerCmd(id).exec();
        } catch (DockerException e) {
            watched.remove(id);
            String why = engineMessage(e);
            String fix = why.contains("executable file not found") || why.contains("no such file or directory")
                    || why.contains("permission denied")
                    ? "check that entrypoint[0] '" + spec.entrypoint().get(0) + "' exists in image " + imageRef
                            + " and is executable (use an absolute path or a program on its PATH)"
                    : "check the engine's limits and the runtime configuration (e.g. nofile/nproc above the engine's hard limit)";
            String message = "Pod " + podId + " could not start: " + why + "; " + fix;
            // The caller gets no handle, so nobody could remove the created container later.
            removeQuietly(id);
            events.podFailed(podId, message);
            throw new BerthServiceException(ErrorCode.INTERNAL, message, e);
        }
        LOG.debug("podId={} started container {} on network {}", podId, shortId(id), network);
        watch.begin();
        return id;
    }

    private CreateContainerResponse create(String name, PodSpec spec, PodId podId, String imageRef, String network) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED, "true");
        labels.put(LABEL_POD_ID, podId.value());
        labels.put(LABEL_OWNER, config.owner());
        labels.put(LABEL_PORTS, spec.ports().stream().map(String::valueOf).collect(Collectors.joining(",")));
        List<String> env = spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return docker.createContainerCmd(imageRef)
                .withName(name)
                .withEntrypoint(spec.entrypoint())
                .withEnv(env)
                .withLabels(labels)
                .withHostConfig(hostConfig(spec, network))
                .exec();
    }

    /** The hardened host config of a pod's container. */
    HostConfig hostConfig(PodSpec spec, String network) {
        long memory = spec.memoryMiB() * 1024L * 1024L;
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(network)
                .withPrivileged(false)
                // A tiny init as PID 1 (docker-init/tini, Podman's catatonit) passes SIGTERM on, so a stop takes
                // milliseconds instead of the grace period, and reaps zombies the entrypoint leaves.
                .withInit(true)
                .withCapDrop(Capability.ALL)
                // Only NET_BIND_SERVICE is given back: servers on ports below 1024 (80, 443) are common in pod
                // specs, and Podman (unlike Docker 20.10+) does not lower ip_unprivileged_port_start. The
                // entrypoint runs as the image's user and Berth never switches users at run time, so SETUID,
                // SETGID, CHOWN, DAC_OVERRIDE and FOWNER are not needed; root still owns its own files.
                .withCapAdd(Capability.NET_BIND_SERVICE)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withPidsLimit(config.pidsLimit())
                .withMemory(memory)
                .withMemorySwap(memory)
                .withNanoCPUs(Math.round(spec.cpu() * 1_000_000_000d))
                .withUlimits(List.of(
                        new Ulimit("nofile", config.nofile(), config.nofile()),
                        new Ulimit("nproc", config.nproc(), config.nproc())));
        if (spec.readOnlyRootFilesystem()) {
            // The only writable place: a small tmpfs, world-writable with the sticky bit (images often run as a
            // non-root user), noexec so that nothing written at run time can be executed directly.
            // Podman on its own mounts writable, executable tmpfs at /run and /var/tmp of a read-only container;
            // naming them here makes them the same noexec tmpfs on both engines.
            String tmpfs = "rw,noexec,nosuid,nodev,mode=1777,size=" + PodSpec.READ_ONLY_TMPFS_MIB + "m";
            host.withReadonlyRootfs(true)
                    .withTmpFs(Map.of("/tmp", tmpfs, "/var/tmp", tmpfs, "/run", tmpfs));
        }
        if (spec.gpu() != null) {
            DeviceRequest gpus = new DeviceRequest()
                    .withCount(spec.gpuCount())
                    .withCapabilities(List.of(List.of("gpu")));
            host.withDeviceRequests(List.of(gpus));
        }
        return host;
    }

    @Override
    public RuntimeState inspect(String runtimeRef) {
        try {
            return state(docker.inspectContainerCmd(runtimeRef).exec());
        } catch (NotFoundException e) {
            return new RuntimeState.Missing();
        }
    }

    /**
     * The init's report that it could not exec the entrypoint, if the container's output holds one: docker-init/tini
     * says {@code [FATAL tini (7)] exec /x failed: No such file or directory} (exit code 127 or 126), Podman's catatonit
     * {@code ERROR (catatonit:6): failed to exec pid1: No such file or directory} (exit code 1), which does not name the
     * program, so {@code program} (entrypoint[0]) is named instead.
     */
    private Optional<String> execFailure(String containerId, String program, int exitCode) {
        boolean tini = exitCode == 126 || exitCode == 127;
        List<String> lines = firstLines(containerId);
        // Podman can report the exit before conmon has written the init's message to the log. The message is the
        // first line when there is one (the entrypoint never ran), so an empty log is read again a few times.
        for (int i = 0; lines.isEmpty() && i < EMPTY_LOG_RETRIES; i++) {
            try {
                Thread.sleep(EMPTY_LOG_RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            lines = firstLines(containerId);
        }
        return lines.stream()
                .map(l -> {
                    Matcher catatonit = CATATONIT_EXEC_FAILED.matcher(l);
                    if (catatonit.matches()) {
                        return "exec " + program + " failed: " + catatonit.group(1).strip();
                    }
                    return tini && l.contains("exec ") && l.contains(" failed") ? l.replaceFirst("^\\[[^]]*]\\s*", "") : null;
                })
                .filter(Objects::nonNull)
                .findFirst();
    }

    private List<String> firstLines(String containerId) {
        try (Stream<String> lines = logs(containerId, false)) {
            return lines.limit(20).toList();
        } catch (RuntimeException e) {
            LOG.debug("Cannot read the output of container {}", containerId, e);
            return List.of();
        }
    }

    @Override
    public RuntimeState adopt(Pod pod) {
        Optional<InspectContainerResponse> found = findContainer(pod);
        if (found.isEmpty()) {
            return new RuntimeState.Missing();
        }
        InspectContainerResponse container = found.get();
        RuntimeState state = state(container);
        if (state instanceof RuntimeState.Exited exited) {
            events.podExited(pod.id(), exited.exitCode());
        } else if (state instanceof RuntimeState.Running) {
            subscribeToEvents();
            Watch watch = new Watch(pod.id(), container.getId(), pod.spec().ports(), pod.spec().entrypoint().get(0));
            Watch previous = watched.putIfAbsent(container.getId(), watch);
            if (previous == null) {
                watch.begin();
            } else {
                previous.reportReadyAgain();
            }
        }
        return state;
    }

    private Optional<InspectContainerResponse> findContainer(Pod pod) {
        if (pod.runtimeRef() != null) {
            try {
                return Optional.of(docker.inspectContainerCmd(pod.runtimeRef()).exec());
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        }
        // A crash between create and recording the handle: find the container by its pod id label.
        List<Container> containers = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(LABEL_MANAGED, "true", LABEL_OWNER, config.owner(), LABEL_POD_ID, pod.id().value())).exec();
        for (Container c : containers) {
            try {
                return Optional.of(docker.inspectContainerCmd(c.getId()).exec());
            } catch (NotFoundException e) {
                LOG.debug("podId={} container {} vanished while adopting", pod.id(), shortId(c.getId()));
            }
        }
        return Optional.empty();
    }

    /**
     * Stops the container (SIGTERM, then SIGKILL after the grace period) and removes it. Reports no
     * {@code podExited} for it. A container that is gone is fine.
     */
    @Override
    public void stop(String runtimeRef) {
        Watch watch = watched.get(runtimeRef);
        if (watch != null) {
            watch.stopping();
        } else {
            // An adopted-by-nobody container stopped by id prefix or name: still silence its exit.
            watched.values().stream().filter(w -> w.containerId.startsWith(runtimeRef)).forEach(Watch::stopping);
        }
        try {
            docker.stopContainerCmd(runtimeRef).withTimeout((int) config.stopGrace().toSeconds()).exec();
        } catch (NotFoundException | NotModifiedException e) {
            LOG.debug("Container {} was already stopped or gone", runtimeRef);
        } catch (ConflictException e) {
            LOG.debug("Container {} is being removed already", runtimeRef);
        }
        removeQuietly(runtimeRef);
        if (watch != null) {
            watched.remove(runtimeRef, watch);
        }
    }

    private void removeQuietly(String ref) {
        try {
            docker.removeContainerCmd(ref).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            LOG.debug("Container {} is gone", ref);
        } catch (ConflictException e) {
            // "removal already in progress": a concurrent stop is removing it.
            LOG.debug("Container {} is being removed by another call", ref);
        }
    }

    @Override
    public List<Owned> list() {
        List<Container> containers = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(LABEL_MANAGED, "true", LABEL_OWNER, config.owner())).exec();
        List<Owned> owned = new ArrayList<>();
        for (Container c : containers) {
            String podId = c.getLabels() == null ? null : c.getLabels().get(LABEL_POD_ID);
            if (!PodId.looksLikePodId(podId)) {
                continue;
            }
            // Inspect each one: the engine's list view can still say "running" just after the die event,
            // while inspect reads the container under its lock.
            RuntimeState state = inspect(c.getId());
            if (state instanceof RuntimeState.Missing) {
                continue;
            }
            owned.add(new Owned(PodId.of(podId), c.getId(), state));
        }
        return owned;
    }

    /**
     * The container's stdout and stderr, line by line. With {@code follow}, the stream blocks for new lines
     * until the container stops; closing the stream stops following.
     */
    @Override
    public Stream<String> logs(String runtimeRef, boolean follow) {
        try {
            // Asynchronous commands report a missing container to the callback; ask first to fail clearly.
            docker.inspectContainerCmd(runtimeRef).exec();
        } catch (NotFoundException e) {
            throw new dev.berth.NotFoundException("No container '" + runtimeRef
                    + "' in the engine: it was stopped and removed, so its logs are gone");
        }
        LogLines lines = new LogLines();
        docker.logContainerCmd(runtimeRef)
                .withStdOut(true)
                .withStdErr(true)
                .withFollowStream(follow)
                .withTailAll()
                .exec(lines);
        return lines.stream();
    }

    /** Ends the event subscription and every readiness watch. */
    @Override
    public void close() {
        closed = true;
        watched.values().forEach(Watch::cancel);
        synchronized (eventsLock) {
            closeQuietly(eventStream);
            eventStream = null;
        }
    }

    // ---- state

    private RuntimeState state(InspectContainerResponse container) {
        InspectContainerResponse.ContainerState s = container.getState();
        if (Boolean.TRUE.equals(s.getRunning()) || Boolean.TRUE.equals(s.getRestarting()) || Boolean.TRUE.equals(s.getPaused())) {
            String ip = container.getNetworkSettings() == null ? null : ipOf(container.getNetworkSettings().getNetworks());
            return new RuntimeState.Running(endpoints(ip, ports(container.getConfig().getLabels())));
        }
        if ("created".equals(s.getStatus()) && s.getStartedAt() != null && s.getStartedAt().startsWith("0001")) {
            // Created but never started (the start failed): it did not run, so nothing exited; report the code the
            // engine recorded for the failed start (127/126 for a missing or non-executable entrypoint).
            Long code = s.getExitCodeLong();
            return new RuntimeState.Exited(code == null || code == 0 ? 127 : code.intValue());
        }
        Long code = s.getExitCodeLong();
        return new RuntimeState.Exited(code == null ? -1 : code.intValue());
    }

    private String ipOf(Map<String, ContainerNetwork> networks) {
        if (networks == null || networks.isEmpty()) {
            return null;
        }
        for (String name : List.of(config.network(), config.isolatedNetwork())) {
            ContainerNetwork n = networks.get(name);
            if (n != null && n.getIpAddress() != null && !n.getIpAddress().isBlank()) {
                return n.getIpAddress();
            }
        }
        return networks.values().stream().map(ContainerNetwork::getIpAddress)
                .filter(ip -> ip != null && !ip.isBlank()).findFirst().orElse(null);
    }

    private static List<Integer> ports(Map<String, String> labels) {
        String value = labels == null ? null : labels.get(LABEL_PORTS);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<Integer> ports = new ArrayList<>();
        for (String p : value.split(",")) {
            try {
                ports.add(Integer.parseInt(p.strip()));
            } catch (NumberFormatException e) {
                LOG.debug("Ignoring malformed port '{}' in label {}", p, LABEL_PORTS);
            }
        }
        return ports;
    }

    private static Map<Integer, Endpoint> endpoints(String ip, List<Integer> ports) {
        if (ip == null) {
            return Map.of();
        }
        Map<Integer, Endpoint> endpoints = new TreeMap<>();
        ports.forEach(p -> endpoints.put(p, new Endpoint(ip, p)));
        return endpoints;
    }

    // ---- networks

    private void ensureNetwork(String name) {
        if (readyNetworks.contains(name)) {
            return;
        }
        synchronized (readyNetworks) {
            if (readyNetworks.contains(name)) {
                return;
            }
            if (inspectNetwork(name) == null) {
                try {
                    docker.createNetworkCmd().withName(name).withDriver("bridge")
                            .withCheckDuplicate(true).withLabels(Map.of(LABEL_MANAGED, "true")).exec();
                    LOG.debug("Created network {}", name);
                } catch (ConflictException raced) {
                    LOG.debug("Network {} was created concurrently", name);
                }
            }
            readyNetworks.add(name);
        }
    }

    /**
     * The internal network of {@code blockNetwork} pods, created if missing, with the host firewall rule that drops new
     * connections from its bridge to the host in place (checked at every call: a flushed rule is installed again).
     *
     * @throws BerthClientException (field {@code blockNetwork}) if the rule cannot be installed: such a pod could reach
     *                              every service of the host, so it is refused rather than run half isolated
     */
    private String isolatedNetwork() {
        String name = config.isolatedNetwork();
        String bridge;
        try {
            bridge = isolatedBridge(name);
        } catch (HostFirewall.HostFirewallException e) {
            throw notIsolated(name, e.getMessage(), e);
        }
        try {
            firewall.blockNewConnectionsFrom(bridge);
        } catch (HostFirewall.HostFirewallException e) {
            verifyEmpirically(name, bridge, e);
        }
        return name;
    }

    /**
     * The rule could not be checked or installed: an admin may have installed it (or another one that isolates as well),
     * so a probe ({@link IsolationProbe}) checks the isolation itself. A positive verdict stands for
     * {@value #VERIFIED_FOR_SECONDS} s (a pod's validate and start, a burst of pods), so a flushed rule is noticed by the
     * pods asked for after that.
     *
     * @throws BerthClientException as when there is no probe, plus what the probe saw, if isolation is not verified
     */
    private void verifyEmpirically(String network, String bridge, HostFirewall.HostFirewallException why) {
        long until = verifiedUntilNanos;
        if (until != 0 && System.nanoTime() - until < 0) {
            return;
        }
        synchronized (probeLock) {
            until = verifiedUntilNanos;
            if (until != 0 && System.nanoTime() - until < 0) {
                return;
            }
            ensureNetwork(config.network());
            IsolationProbe.Verdict verdict = probe.verify();
            if (!verdict.isolated()) {
                verifiedUntilNanos = 0;
                loggedVerified = false;
                throw notIsolated(network, why.getMessage() + ". Probe: " + verdict.seen(), why);
            }
            verifiedUntilNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(VERIFIED_FOR_SECONDS);
            if (!loggedVerified) {
                loggedVerified = true;
                LOG.info("The host firewall rule for bridge {} of network {} is not Berth's to check ({}), but isolation was "
                        + "verified: {}", bridge, network, why.getMessage(), verdict.seen());
            }
        }
    }

    private BerthClientException notIsolated(String network, String why, Throwable cause) {
        String bridge = isolatedBridgeName != null ? isolatedBridgeName : HostFirewall.bridgeName(network);
        return new BerthClientException(ErrorCode.UNSUPPORTED, "blockNetwork", "blockNetwork is true, but Berth "
                + "cannot keep the pod away from this host's own services (the host holds an address on network '" + network
                + "'): " + why + ". Run Berth as root on the engine's host so that it installs the rule itself, or have an "
                + "administrator run, as root: " + HostFirewall.manualCommands(bridge) + " - or leave out blockNetwork", cause);
    }

    /** The name of the isolated network's bridge interface on the host, creating the network (with that name) if missing. */
    private String isolatedBridge(String name) {
        String known = isolatedBridgeName;
        if (known != null) {
            return known;
        }
        synchronized (readyNetworks) {
            if (isolatedBridgeName != null) {
                return isolatedBridgeName;
            }
            Network network = inspectNetwork(name);
            if (network == null) {
                isolatedBridgeName = createIsolated(name);
                return isolatedBridgeName;
            }
            String bridge = bridgeOf(network);
            if (bridge == null) {
                // Made before Berth named its bridges (so Docker called it br-<id>, Podman podman<n>) and not attached to
                // this host now; with nothing on it, it is made again with the known name.
                if (network.getContainers() != null && !network.getContainers().isEmpty()) {
                    throw new HostFirewall.HostFirewallException("network '" + name + "' has no bridge interface with its "
                            + "gateway address on this host (is the engine on another machine, or rootless?) and has containers "
                            + "attached, so it cannot be made again; stop its pods and remove it ('docker network rm " + name + "')");
                }
                try {
                    docker.removeNetworkCmd(name).exec();
                } catch (NotFoundException e) {
                    LOG.debug("Network {} was removed concurrently", name);
                } catch (DockerException e) {
                    throw new HostFirewall.HostFirewallException("network '" + name + "' has an unknown bridge interface and "
                            + "removing it to make it again failed (" + engineMessage(e) + "); remove it with 'docker network rm "
                            + name + "' once no container uses it", e);
                }
                LOG.info("Re-creating network {} so that its bridge has a known name for the host firewall rule", name);
                bridge = createIsolated(name);
            }
            isolatedBridgeName = bridge;
            return bridge;
        }
    }

    private Network inspectNetwork(String name) {
        try {
            return docker.inspectNetworkCmd().withNetworkId(name).exec();
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** Creates the internal network with a known bridge name; returns the name (the existing one's if raced). */
    private String createIsolated(String name) {
        String bridge = HostFirewall.bridgeName(name);
        try {
            docker.createNetworkCmd().withName(name).withDriver("bridge").withInternal(true).withCheckDuplicate(true)
                    .withOptions(Map.of(HostFirewall.BRIDGE_NAME_OPTION, bridge))
                    .withLabels(Map.of(LABEL_MANAGED, "true", LABEL_BRIDGE, bridge)).exec();
            LOG.debug("Created internal network {} with bridge {}", name, bridge);
            return bridge;
        } catch (ConflictException raced) {
            LOG.debug("Network {} was created concurrently", name);
            Network network = inspectNetwork(name);
            String existing = network == null ? null : bridgeOf(network);
            if (existing == null) {
                throw new HostFirewall.HostFirewallException("network '" + name + "' was created concurrently by another "
                        + "program and its bridge interface is unknown; remove it with 'docker network rm " + name + "'", raced);
            }
            return existing;
        }
    }

    /**
     * A network's bridge interface on the host: the name Berth gave it (label, kept by both engines), the name its
     * options give (Docker), else the host interface holding its gateway address; null if none of them says.
     */
    private static String bridgeOf(Network network) {
        if (network.getLabels() != null && network.getLabels().get(LABEL_BRIDGE) != null) {
            return network.getLabels().get(LABEL_BRIDGE);
        }
        if (network.getOptions() != null && network.getOptions().get(HostFirewall.BRIDGE_NAME_OPTION) != null) {
            return network.getOptions().get(HostFirewall.BRIDGE_NAME_OPTION);
        }
        if (network.getIpam() == null || network.getIpam().getConfig() == null) {
            return null;
        }
        for (Network.Ipam.Config c : network.getIpam().getConfig()) {
            if (c.getGateway() == null || c.getGateway().isBlank()) {
                continue;
            }
            try {
                NetworkInterface nic = NetworkInterface.getByInetAddress(InetAddress.getByName(c.getGateway()));
                if (nic != null) {
                    return nic.getName();
                }
            } catch (IOException e) {
                LOG.debug("Cannot look up the interface of gateway {} of network {}", c.getGateway(), network.getName(), e);
            }
        }
        return null;
    }

    // ---- exit events

    private void subscribeToEvents() {
        synchronized (eventsLock) {
            if (eventStream != null || closed) {
                return;
            }
            if (lastEventSeconds == 0) {
                lastEventSeconds = System.currentTimeMillis() / 1000;
            }
            eventStream = docker.eventsCmd()
                    .withEventTypeFilter(EventType.CONTAINER)
                    // Docker matches the filter on "die"; Podman (4.x) on its own name "died", though it reports "die".
                    .withEventFilter("die", "died")
                    .withLabelFilter(Map.of(LABEL_MANAGED, "true", LABEL_OWNER, config.owner()))
                    // Replays what happened while the stream was down (events are idempotent for PodEvents).
                    .withSince(String.valueOf(lastEventSeconds - 1))
                    .exec(new DieEvents());
        }
    }

    private void resubscribeLater(Closeable dropped) {
        synchronized (eventsLock) {
            if (eventStream != dropped) {
                return;
            }
            eventStream = null;
        }
        if (closed) {
            return;
        }
        Thread.ofVirtual().name("berth-docker-events-reconnect").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(1000);
                    subscribeToEvents();
                    // Exits whose events fell between streams: check every watched container once.
                    watched.values().forEach(Watch::checkExited);
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("Docker event stream is down and reconnecting failed ({}); retrying", e.getMessage());
                }
            }
        });
    }

    private final class DieEvents extends ResultCallback.Adapter<Event> {
        @Override
        public void onNext(Event event) {
            if (event.getTime() != null) {
                lastEventSeconds = Math.max(lastEventSeconds, event.getTime());
            }
            String id = event.getId() != null ? event.getId() : event.getActor() == null ? null : event.getActor().getId();
            Watch watch = id == null ? null : watched.get(id);
            if (watch == null) {
                return;
            }
            Integer code = null;
            Map<String, String> attributes = event.getActor() == null ? null : event.getActor().getAttributes();
            if (attributes != null && attributes.get("exitCode") != null) {
                try {
                    code = Integer.parseInt(attributes.get("exitCode"));
                } catch (NumberFormatException e) {
                    LOG.debug("Malformed exitCode '{}' in a die event", attributes.get("exitCode"));
                }
            }
            watch.exited(code);
        }

        @Override
        public void onError(Throwable throwable) {
            if (!closed) {
                LOG.warn("Docker event stream failed ({}); reconnecting", throwable.getMessage());
            }
            resubscribeLater(this);
        }

        @Override
        public void onComplete() {
            LOG.debug("Docker event stream ended");
            resubscribeLater(this);
        }
    }

    // ---- readiness and exit of one container

    /** The watch of one container: readiness dialling, then its exit. */
    private final class Watch {
        private final PodId podId;
        private final String containerId;
        private final List<Integer> ports;
        /** entrypoint[0], named when the init cannot exec it. */
        private final String program;
        private volatile boolean done;
        private volatile boolean stopping;
        private final java.util.concurrent.atomic.AtomicBoolean exitReported = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile Map<Integer, Endpoint> readyEndpoints;
        private volatile Thread thread;

        Watch(PodId podId, String containerId, List<Integer> ports, String program) {
            this.podId = podId;
            this.containerId = containerId;
            this.ports = List.copyOf(ports);
            this.program = program;
        }

        void begin() {
            thread = Thread.ofVirtual().name("berth-ready-" + podId).start(this::awaitReady);
        }

        void stopping() {
            stopping = true;
            cancel();
        }

        void cancel() {
            done = true;
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }

        void reportReadyAgain() {
            Map<Integer, Endpoint> endpoints = readyEndpoints;
            if (endpoints != null) {
                events.podReady(podId, endpoints);
            }
        }

        /** The container died; {@code code} from the event, or null to inspect it. */
        void exited(Integer code) {
            // The die event and the readiness watch's inspect can both see the exit: report it once.
            if (stopping || closed || !exitReported.compareAndSet(false, true)) {
                return;
            }
            done = true;
            int exitCode;
            if (code != null) {
                exitCode = code;
            } else {
                RuntimeState state = inspect(containerId);
                exitCode = state instanceof RuntimeState.Exited e ? e.exitCode() : -1;
            }
            LOG.debug("podId={} exited with code {}", podId, exitCode);
            Thread t = thread;
            // Not when the watch itself saw the exit: the log is read below, and an interrupt would cut that short.
            if (t != null && t != Thread.currentThread()) {
                t.interrupt();
            }
            // 126/127: tini could not exec the entrypoint; 1: neither could catatonit (or the program failed).
            Optional<String> execFailure = exitCode == 126 || exitCode == 127 || exitCode == 1
                    ? execFailure(containerId, program, exitCode) : Optional.empty();
            if (execFailure.isPresent()) {
                events.podFailed(podId, "Cannot run the entrypoint: " + execFailure.get()
                        + "; check that entrypoint[0] exists in the image and is executable (use an absolute path or a program on its PATH)");
            } else {
                events.podExited(podId, exitCode);
            }
        }

        void checkExited() {
            if (stopping || closed) {
                return;
            }
            if (inspect(containerId) instanceof RuntimeState.Exited e) {
                exited(e.exitCode());
            }
        }

        private void awaitReady() {
            try {
                String ip = containerIp();
                if (ip == null) {
                    return;
                }
                if (ports.isEmpty()) {
                    // Nothing to dial: give the init a moment to exec the entrypoint, so a missing program is
                    // reported as a failure (the init exits 127) rather than as ready, then exited.
                    Thread.sleep(NO_PORT_SETTLE_MILLIS);
                    checkExited();
                }
                Map<Integer, Endpoint> endpoints = endpoints(ip, ports);
                Set<Integer> waiting = new TreeSet<>(ports);
                long deadline = System.nanoTime() + config.readinessTimeout().toNanos();
                long nextInspect = System.nanoTime() + INSPECT_EVERY_MILLIS * 1_000_000;
                while (!done) {
                    waiting.removeIf(port -> accepts(ip, port));
                    if (waiting.isEmpty()) {
                        // Every port accepted, but that proves the container serves only while it still runs: once it
                        // exited, Podman removes the network's bridge with its last container, and a dial to the
                        // freed address follows the default route, where a proxy may accept it.
                        checkExited();
                        if (!done) {
                            readyEndpoints = endpoints;
                            LOG.debug("podId={} ready at {}", podId, endpoints.values());
                            events.podReady(podId, endpoints);
                        }
                        return;
                    }
                    long now = System.nanoTime();
                    if (now - deadline >= 0) {
                        done = true;
                        events.podFailed(podId, "Pod " + podId + " did not become ready: port"
                                + (waiting.size() > 1 ? "s " : " ")
                                + waiting.stream().map(String::valueOf).collect(Collectors.joining(", "))
                                + " did not accept TCP connections at " + ip + " within "
                                + config.readinessTimeout().toSeconds() + " s; make the entrypoint listen on 0.0.0.0 "
                                + "(not 127.0.0.1) on every port in ports, or remove ports it does not serve");
                        return;
                    }
                    if (now - nextInspect >= 0) {
                        // A safety net for a lost die event: an exited container never becomes ready.
                        nextInspect = now + INSPECT_EVERY_MILLIS * 1_000_000;
                        checkExited();
                        if (done) {
                            return;
                        }
                    }
                    Thread.sleep(config.pollInterval().toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!done) {
                    LOG.warn("podId={} readiness watch failed: {}", podId, e.toString());
                    events.podFailed(podId, "Pod " + podId + " readiness check failed: " + e.getMessage());
                }
            }
        }

        /** The container's IP on its network; null (and reported) if it exited before getting one. */
        private String containerIp() throws InterruptedException {
            while (!done) {
                InspectContainerResponse c;
                try {
                    c = docker.inspectContainerCmd(containerId).exec();
                } catch (NotFoundException e) {
                    if (!stopping && !done) {
                        done = true;
                        events.podFailed(podId, "Pod " + podId + "'s container " + shortId(containerId) + " vanished while starting");
                    }
                    return null;
                }
                RuntimeState state = state(c);
                if (state instanceof RuntimeState.Exited e) {
                    exited(e.exitCode());
                    return null;
                }
                String ip = c.getNetworkSettings() == null ? null : ipOf(c.getNetworkSettings().getNetworks());
                if (ip != null) {
                    return ip;
                }
                if (ports.isEmpty()) {
                    return "";
                }
                Thread.sleep(config.pollInterval().toMillis());
            }
            return null;
        }

        private boolean accepts(String ip, int port) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(ip, port), DIAL_TIMEOUT_MILLIS);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    // ---- logs

    /** Collects log frames into lines; iterated by the stream {@link #logs} returns. */
    private static final class LogLines extends ResultCallback.Adapter<com.github.dockerjava.api.model.Frame> {
        private static final String END = new String("end of log");
        private final java.util.concurrent.BlockingQueue<String> queue = new java.util.concurrent.LinkedBlockingQueue<>(10_000);
        private final Map<com.github.dockerjava.api.model.StreamType, StringBuilder> partial = new ConcurrentHashMap<>();
        private volatile boolean consumerClosed;

        @Override
        public void onNext(com.github.dockerjava.api.model.Frame frame) {
            StringBuilder buffer = partial.computeIfAbsent(frame.getStreamType(), t -> new StringBuilder());
            buffer.append(new String(frame.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
            int newline;
            while ((newline = buffer.indexOf("\n")) >= 0) {
                String line = buffer.substring(0, newline);
                buffer.delete(0, newline + 1);
                put(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            if (!consumerClosed) {
                LOG.debug("Log stream failed: {}", throwable.toString());
            }
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            partial.values().forEach(b -> {
                if (!b.isEmpty()) {
                    put(b.toString());
                    b.setLength(0);
                }
            });
            put(END);
        }

        private void put(String line) {
            try {
                // Back-pressure on the engine's stream, but never block forever once the reader is gone.
                while (!consumerClosed && !queue.offer(line, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    Thread.onSpinWait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        Stream<String> stream() {
            java.util.Iterator<String> iterator = new java.util.Iterator<>() {
                private String next;
                private boolean ended;

                @Override
                public boolean hasNext() {
                    if (next != null) {
                        return true;
                    }
                    if (ended) {
                        return false;
                    }
                    try {
                        String line = queue.take();
                        if (line == END) {
                            ended = true;
                            return false;
                        }
                        next = line;
                        return true;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        ended = true;
                        return false;
                    }
                }

                @Override
                public String next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    String line = next;
                    next = null;
                    return line;
                }
            };
            Stream<String> lines = java.util.stream.StreamSupport.stream(
                    java.util.Spliterators.spliteratorUnknownSize(iterator, java.util.Spliterator.ORDERED | java.util.Spliterator.NONNULL), false);
            return lines.onClose(() -> {
                consumerClosed = true;
                try {
                    close();
                } catch (IOException e) {
                    LOG.debug("Closing a log stream failed", e);
                }
            });
        }
    }

    // ---- helpers

    private static String engineMessage(DockerException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        int json = m.indexOf("{\"message\":\"");
        if (json >= 0) {
            m = m.substring(json + 12);
            int end = m.lastIndexOf("\"}");
            if (end >= 0) {
                m = m.substring(0, end);
            }
        }
        return m.replace("\\\"", "\"").strip();
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("Closing failed", e);
        }
    }
}
