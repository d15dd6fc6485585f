package dev.berth.local.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Ulimit;
import dev.berth.BerthClientException;
import dev.berth.local.HostProbeServer;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodSpec;
import dev.berth.pod.RecordingPodEvents;
import dev.berth.run.PodRuntime;
import dev.berth.run.PodRuntimeContract;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DockerPodRuntimeIT extends PodRuntimeContract {

    /** The engine the tests run against; {@link PodmanRuntimeIT} gives Podman's. */
    protected DockerTestEngine.Engine engine() {
        return DockerTestEngine.current();
    }

    @BeforeEach
    void baseImages() {
        engine().ensureBusybox();
    }

    @Override
    protected PodRuntime createRuntime(PodEvents events, Duration readinessTimeout) {
        return new DockerPodRuntime(engine().client(), events, config(readinessTimeout));
    }

    private static DockerRuntimeConfig config(Duration readinessTimeout) {
        return DockerRuntimeConfig.builder()
                .network(DockerTestEngine.NETWORK)
                .isolatedNetwork(DockerTestEngine.ISOLATED_NETWORK)
                .readinessTimeout(readinessTimeout)
                .build();
    }

    @Override
    protected String imageRef() {
        return DockerTestEngine.BUSYBOX;
    }

    @Test
    void start_hardensTheContainer() {
        Pod pod = pod(spec(sleepForever()).cpu(0.5).memoryMiB(128).build());

        String ref = start(runtime, pod);

        InspectContainerResponse container = engine().client().inspectContainerCmd(ref).exec();
        HostConfig host = container.getHostConfig();
        // The capabilities as asked for; Podman reports them as the defaults it dropped (CapDrop: CHOWN, ..., CapAdd: [])
        // instead, so what the process really holds is checked in start_dropsAllCapabilitiesButNetBindService.
        if (!engine().isPodman()) {
            assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
            assertThat(host.getCapAdd()).containsExactly(Capability.NET_BIND_SERVICE);
        }
        assertThat(host.getSecurityOpts()).contains("no-new-privileges");
        assertThat(host.getPrivileged()).isFalse();
        assertThat(host.getPidsLimit()).isEqualTo(4096L);
        assertThat(host.getMemory()).isEqualTo(128L * 1024 * 1024);
        assertThat(host.getMemorySwap()).isEqualTo(128L * 1024 * 1024);
        assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
        // Docker names them as given, Podman as RLIMIT_NOFILE, RLIMIT_NPROC.
        assertThat(host.getUlimits()).extracting(u -> u.getName().toLowerCase(java.util.Locale.ROOT).replaceFirst("^rlimit_", ""))
                .containsExactlyInAnyOrder("nofile", "nproc");
        assertThat(host.getPortBindings() == null || host.getPortBindings().getBindings().isEmpty()).isTrue();
        // Joined to the pod network only (HostConfig.NetworkMode says "bridge" on Podman, so the attachments are checked).
        assertThat(container.getNetworkSettings().getNetworks()).containsOnlyKeys(DockerTestEngine.NETWORK);
        assertThat(container.getConfig().getLabels())
                .containsEntry(DockerPodRuntime.LABEL_MANAGED, "true")
                .containsEntry(DockerPodRuntime.LABEL_POD_ID, pod.id().value());
    }

    @Test
    void start_dropsAllCapabilitiesButNetBindServiceAndSetsTheLimits() {
        Pod pod = pod(spec(List.of("sh", "-c", "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status; "
                + "echo \"nofile=$(ulimit -n) nproc=$(ulimit -u)\"; echo \"pid1=$(cat /proc/1/comm)\"")).build());

        String ref = start(runtime, pod);

        assertThat(events.awaitExited(pod.id()).exitCode()).isZero();
        // NET_BIND_SERVICE is capability 10: 0x400. PID 1 is the engine's init: docker-init (tini), podman-init (catatonit).
        assertThat(logs(ref)).map(l -> l.replaceAll("\\s+", " ")).containsExactly(
                "CapEff: 0000000000000400", "CapBnd: 0000000000000400", "NoNewPrivs: 1", "nofile=8192 nproc=4096",
                engine().isPodman() ? "pid1=podman-init" : "pid1=docker-init");
    }

    @Test
    void start_passesEntrypointAndEnvToTheContainer() {
        Pod pod = pod(spec(List.of("sh", "-c", "echo \"GREETING=$GREETING\"; echo \"args=$0\"", "first-arg"))
                .env("GREETING", "hello world $HOME").build());

        String ref = start(runtime, pod);

        assertThat(events.awaitExited(pod.id()).exitCode()).isZero();
        InspectContainerResponse container = engine().client().inspectContainerCmd(ref).exec();
        assertThat(container.getConfig().getEntrypoint()).containsExactlyElementsOf(pod.spec().entrypoint());
        assertThat(container.getConfig().getCmd()).isNullOrEmpty();
        try (Stream<String> lines = runtime.logs(ref, false)) {
            assertThat(lines.toList()).containsExactly("GREETING=hello world $HOME", "args=first-arg");
        }
    }

    @Test
    void start_whenEntrypointFailsOnStderr_keepsStderrInLogsWithExitCode() {
        Pod pod = pod(spec(List.of("sh", "-c", "echo out; echo err >&2; exit 42")).build());

        String ref = start(runtime, pod);

        assertThat(events.awaitExited(pod.id()).exitCode()).isEqualTo(42);
        try (Stream<String> lines = runtime.logs(ref, false)) {
            assertThat(lines.toList()).containsExactlyInAnyOrder("out", "err");
        }
    }

    @Test
    void start_withBlockNetwork_cannotReachOutsideButServesTheHost() throws IOException {
        // The outside: Debian's mirror (reachable from this machine), by address, since an internal network
        // has no DNS for outside names either. The same probe from a normal pod shows that it is reachable.
        // IPv4: the bridge networks have no IPv6 route, so an AAAA answer would look blocked for both pods.
        String outside = java.util.Arrays.stream(InetAddress.getAllByName("deb.debian.org"))
                .filter(a -> a instanceof java.net.Inet4Address).findFirst().orElseThrow().getHostAddress();
        // Up to 5 tries: the way out of this machine drops some connections (with either engine).
        String probe = "for i in 1 2 3 4 5; do out=$(printf 'HEAD /debian/ HTTP/1.0\\r\\nHost: deb.debian.org\\r\\n\\r\\n' "
                + "| nc -w 5 \"$1\" 80 2>&1); case \"$out\" in HTTP/1.*) echo REACHED; exit 0;; esac; done; echo \"BLOCKED $out\"";
        Pod open = pod(spec(List.of("sh", "-c", probe, "sh", outside)).build());
        Pod blocked = pod(spec(List.of("sh", "-c", probe, "sh", outside)).blockNetwork(true).build());
        Pod server = pod(spec(httpServer(8080), 8080).blockNetwork(true).build());

        String openRef = start(runtime, open);
        String blockedRef = start(runtime, blocked);
        start(runtime, server);

        events.awaitExited(open.id());
        events.awaitExited(blocked.id());
        assertThat(logs(openRef)).contains("REACHED");
        assertThat(logs(blockedRef)).anyMatch(l -> l.startsWith("BLOCKED"));
        RecordingPodEvents.PodReady ready = events.awaitReady(server.id());
        assertThat(httpGetStatusLine(ready.endpoints().get(8080))).matches("HTTP/1\\.[01] 200.*");
        Network isolated = engine().client().inspectNetworkCmd().withNetworkId(DockerTestEngine.ISOLATED_NETWORK).exec();
        assertThat(isolated.getInternal()).isTrue();
    }

    @Test
    void start_withBlockNetwork_cannotOpenConnectionsToTheHost() throws IOException {
        assertBlockNetworkPodsCannotReachTheHost(runtime);
    }

    @Test
    void start_withBlockNetwork_whenTheRuleCannotBeCheckedButIsInPlace_verifiesByProbeAndServes() throws IOException {
        // The rule is installed (the test runs as root) by a runtime that can run iptables; then a runtime that cannot
        // (as a non-root Berth) must find the isolation by probing and allow the pods.
        runtime.validate(spec(sleepForever()).blockNetwork(true).build());
        HostFirewall noIptables = new HostFirewall("/nonexistent/iptables", "/nonexistent/ip6tables", true);
        DockerPodRuntime probing = new DockerPodRuntime(engine().client(), events, config(timeout()), noIptables);
        try {
            assertBlockNetworkPodsCannotReachTheHost(probing);
        } finally {
            probing.close();
        }
        assertThat(engine().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(java.util.Map.of(IsolationProbe.LABEL_ROLE, IsolationProbe.ROLE)).exec()).isEmpty();
    }

    private void assertBlockNetworkPodsCannotReachTheHost(PodRuntime runtime) throws IOException {
        try (HostProbeServer host = HostProbeServer.start()) {
            // Each address given: REACHED if the host's service answered, else BLOCKED. The normal pod also dials its own
            // gateway (the host's address on the pod network), found from its default route.
            String probe = "for a in \"$@\"; do out=$(nc -w 3 \"$a\" " + host.port()
                    + " </dev/null 2>&1); if [ \"$out\" = " + HostProbeServer.GREETING + " ]; then echo \"REACHED $a\"; "
                    + "else echo \"BLOCKED $a\"; fi; done";
            String viaOwnGateway = "set -- $(ip route | awk '/^default/ {print $3}') \"$@\"; " + probe;
            runtime.validate(spec(sleepForever()).blockNetwork(true).build());
            Pod open = pod(spec(List.of("sh", "-c", viaOwnGateway, "sh", HostProbeServer.primaryAddress())).build());
            String openRef = start(runtime, open);
            events.awaitExited(open.id());
            String openGateway = gateway(DockerTestEngine.NETWORK);
            String isolatedGateway = gateway(DockerTestEngine.ISOLATED_NETWORK);
            // The host's address on the isolated bridge (the way in an internal network leaves open), on the pod network's
            // bridge, and its primary address.
            List<String> hostAddresses = List.of(isolatedGateway, openGateway, HostProbeServer.primaryAddress());
            Pod blocked = pod(spec(concat(List.of("sh", "-c", probe, "sh"), hostAddresses)).blockNetwork(true).build());
            Pod server = pod(spec(httpServer(8080), 8080).blockNetwork(true).build());

            String blockedRef = start(runtime, blocked);
            start(runtime, server);

            events.awaitExited(blocked.id());
            // Normal pods are not sandboxed from the host: they reach its services, as any container does (this also
            // shows the probe and the server work, so that BLOCKED below means the firewall).
            assertThat(logs(openRef)).containsExactly("REACHED " + openGateway, "REACHED " + HostProbeServer.primaryAddress());
            assertThat(logs(blockedRef)).containsExactlyElementsOf(hostAddresses.stream().map(a -> "BLOCKED " + a).toList());
            // The server saw the normal pod's two connections, from its network, and nothing else.
            assertThat(host.peers()).hasSize(2).allMatch(peer -> inSubnet(peer, DockerTestEngine.NETWORK), "from " + DockerTestEngine.NETWORK);
            // Connections the host opens to a blockNetwork pod (the router's, readiness dials) still get their replies.
            RecordingPodEvents.PodReady ready = events.awaitReady(server.id());
            assertThat(httpGetStatusLine(ready.endpoints().get(8080))).matches("HTTP/1\\.[01] 200.*");
        }
    }

    @Test
    void validate_withBlockNetwork_whenTheFirewallRuleCannotBeInstalled_refusesNamingTheFix() {
        String isolated = "berth-it-nofw-" + Long.toHexString(System.nanoTime());
        DockerRuntimeConfig config = DockerRuntimeConfig.builder().network(DockerTestEngine.NETWORK).isolatedNetwork(isolated).build();
        HostFirewall noIptables = new HostFirewall("/nonexistent/iptables", "/nonexistent/ip6tables", true);
        try (DockerPodRuntime withoutFirewall = new DockerPodRuntime(engine().client(), events, config, noIptables)) {
            PodSpec spec = spec(sleepForever()).blockNetwork(true).build();

            assertThatThrownBy(() -> withoutFirewall.validate(spec))
                    .isInstanceOfSatisfying(BerthClientException.class, e -> assertThat(e.field()).isEqualTo("blockNetwork"))
                    .hasMessageContaining("blockNetwork is true, but Berth cannot keep the pod away from this host's own services")
                    .hasMessageContaining("Cannot run '/nonexistent/iptables'")
                    .hasMessageContaining("iptables -I INPUT 1 -i " + HostFirewall.bridgeName(isolated) + " -m conntrack --ctstate NEW")
                    // No rule exists for this fresh network's bridge: the probe gets through to the host.
                    .hasMessageContaining("Probe: a probe container on network '" + isolated + "' connected to this host's port");
            // A pod without blockNetwork needs no rule.
            withoutFirewall.validate(spec(sleepForever()).build());
        } finally {
            engine().client().removeNetworkCmd(isolated).exec();
        }
    }

    private String gateway(String network) {
        return engine().client().inspectNetworkCmd().withNetworkId(network).exec().getIpam().getConfig().stream()
                .map(Network.Ipam.Config::getGateway).filter(g -> g != null && g.contains(".")).findFirst().orElseThrow();
    }

    private boolean inSubnet(InetAddress address, String network) {
        String subnet = engine().client().inspectNetworkCmd().withNetworkId(network).exec().getIpam().getConfig().stream()
                .map(Network.Ipam.Config::getSubnet).filter(g -> g != null && g.contains(".")).findFirst().orElseThrow();
        String[] parts = subnet.split("/");
        int bits = Integer.parseInt(parts[1]);
        int mask = bits == 0 ? 0 : -1 << (32 - bits);
        try {
            return (toInt(address) & mask) == (toInt(InetAddress.getByName(parts[0])) & mask);
        } catch (IOException e) {
            throw new IllegalStateException("Bad subnet '" + subnet + "' of network " + network, e);
        }
    }

    private static int toInt(InetAddress address) {
        return java.nio.ByteBuffer.wrap(address.getAddress()).getInt();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    @Test
    void start_withReadOnlyRootFilesystem_writesOnlyToANoexecTmp() {
        String script = "echo x > /etc/probe 2>/dev/null && echo ROOT-WRITABLE || echo ROOT-READONLY; "
                + "echo x > /tmp/probe && echo TMP-WRITABLE; cp /bin/busybox /tmp/true && /tmp/true 2>/dev/null "
                + "&& echo TMP-EXEC || echo TMP-NOEXEC";
        Pod locked = pod(spec(List.of("sh", "-c", script)).readOnlyRootFilesystem(true).build());
        Pod normal = pod(spec(List.of("sh", "-c", script)).build());

        String lockedRef = start(runtime, locked);
        String normalRef = start(runtime, normal);

        events.awaitExited(locked.id());
        events.awaitExited(normal.id());
        assertThat(logs(lockedRef)).containsExactlyInAnyOrder("sh: can't create /etc/probe: Read-only file system",
                "ROOT-READONLY", "TMP-WRITABLE", "TMP-NOEXEC");
        assertThat(logs(normalRef)).containsExactly("ROOT-WRITABLE", "TMP-WRITABLE", "TMP-EXEC");
        HostConfig host = engine().client().inspectContainerCmd(lockedRef).exec().getHostConfig();
        assertThat(host.getReadonlyRootfs()).isTrue();
        assertThat(host.getTmpFs()).containsOnlyKeys("/tmp", "/var/tmp", "/run")
                .allSatisfy((path, options) -> assertThat(options).contains("noexec"));
    }

    @Test
    void stop_ofAPodThatIsStillStarting_reportsNeitherReadyNorExited() {
        Pod pod = pod(spec(sleepForever(), 8080).build());
        String ref = start(runtime, pod);

        runtime.stop(ref);
        // An exit of another pod, reported after the stop, shows the event stream has moved past this one.
        Pod marker = pod(spec(printAndExit("marker", 0)).build());
        start(runtime, marker);
        events.awaitExited(marker.id());

        assertThat(events.eventsOf(pod.id())).isEmpty();
    }

    private List<String> logs(String ref) {
        try (Stream<String> lines = runtime.logs(ref, false)) {
            return lines.toList();
        }
    }
}
