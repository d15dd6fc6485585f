package dev.berth.local.templates;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Network;
import dev.berth.local.HostProbeServer;
import dev.berth.local.docker.DockerClients;
import dev.berth.sdk.PodInstance;
import dev.berth.sdk.Sandbox;
import dev.berth.sdk.Sandbox.Language;
import dev.berth.sdk.SandboxResult;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The code-sandbox template through the SDK's {@link Sandbox}: ordinary code returns its output; hostile code is
 * contained and reported, and the sandbox serves the next request after each.
 */
class CodeSandboxTemplateIT {
    @RegisterExtension
    static final TemplatePod codeSandbox = new TemplatePod("code-sandbox");

    private static Sandbox sandbox;

    @BeforeAll
    static void sandbox() {
        sandbox = Sandbox.of(codeSandbox.berth().client, codeSandbox.pod());
    }

    /** After every hostile run: the sandbox still answers, with a clean state. */
    @AfterEach
    void stillServes() {
        // Only this run's own workdir is left in /tmp: earlier runs' directories were removed.
        SandboxResult next = sandbox.run("import os; print('alive', len(os.listdir('/tmp')), os.listdir('/tmp') == [os.path.basename(os.getcwd())])");
        assertThat(next.stdout()).isEqualTo("alive 1 True\n");
        assertThat(next.succeeded()).isTrue();
    }

    @Test
    void python_returnsStdoutStderrExitCodeAndDuration() {
        SandboxResult result = sandbox.run("import sys\nprint('hello', 6 * 7)\nprint('oops', file=sys.stderr)\nsys.exit(3)");

        assertThat(result.stdout()).isEqualTo("hello 42\n");
        assertThat(result.stderr()).isEqualTo("oops\n");
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.duration()).isPositive();
        assertThat(result.timedOut()).isFalse();
        assertThat(result.killedBy()).isNull();
    }

    @Test
    void shell_runsAsANonRootUserInAFreshWorkdir() {
        SandboxResult result = sandbox.run("id -u; pwd; echo data > f.txt && cat f.txt", Language.SHELL);

        assertThat(result.stdout()).matches("10001\n/tmp/run-[a-z0-9_]+\ndata\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void forkBomb_isContainedByTheProcessLimit_andCleanedUp() {
        SandboxResult result = sandbox.run("bomb() { bomb | bomb & }; bomb\nsleep 3; echo survived", Language.SHELL);

        assertThat(result.stderr()).containsIgnoringCase("fork");
        assertThat(result.duration()).isLessThan(Duration.ofSeconds(30));
        SandboxResult count = sandbox.run("import os; print(sum(1 for p in os.listdir('/proc') if p.isdigit()))");
        // PID 1 (the init), the server and this child: every process the bomb made is gone.
        assertThat(count.stdout().strip()).isEqualTo("3");
    }

    @Test
    void infiniteLoop_isKilledByTheCpuLimit() {
        SandboxResult result = sandbox.run("while True:\n    pass");

        assertThat(result.killedBy()).isIn("cpuLimit", "timeout");
        assertThat(result.exitCode()).isNotZero();
    }

    @Test
    void sleepingForever_isKilledByTheWallClockTimeout() {
        SandboxResult result = sandbox.run("import time\ntime.sleep(3600)", Language.PYTHON, Duration.ofSeconds(2));

        assertThat(result.timedOut()).isTrue();
        assertThat(result.killedBy()).isEqualTo("timeout");
        assertThat(result.exitCode()).isEqualTo(137);
    }

    @Test
    void tenGigabytesOfMemory_failsWithMemoryError() {
        SandboxResult result = sandbox.run("x = bytearray(10 * 1024 ** 3)\nprint('allocated')");

        assertThat(result.stdout()).doesNotContain("allocated");
        assertThat(result.stderr()).contains("MemoryError");
        assertThat(result.exitCode()).isEqualTo(1);
    }

    @Test
    void writesOutsideTheWorkdir_failOnTheReadOnlyRoot() {
        SandboxResult result = sandbox.run("""
                for path in ['/opt/sandbox/sandbox_server.py', '/etc/passwd', '/app.txt', '/usr/local/bin/x']:
                    try:
                        open(path, 'a').write('pwned')
                        print('WROTE', path)
                    except OSError as e:
                        print('refused', path, e.strerror)
                """);

        // Root's files are refused to the sandbox user first; everything else by the read-only root.
        assertThat(result.stdout()).doesNotContain("WROTE")
                .contains("refused /opt/sandbox/sandbox_server.py Permission denied")
                .contains("refused /etc/passwd Permission denied")
                .contains("refused /app.txt Read-only file system")
                .contains("refused /usr/local/bin/x Read-only file system");
    }

    @Test
    void outboundConnections_haveNoRoute() {
        SandboxResult result = sandbox.run("""
                import socket
                for target in [('151.101.2.132', 80), ('1.1.1.1', 443)]:
                    try:
                        socket.create_connection(target, timeout=2)
                        print('CONNECTED', target)
                    except OSError as e:
                        print('blocked', target[0], type(e).__name__)
                try:
                    socket.getaddrinfo('deb.debian.org', 80)
                    print('RESOLVED')
                except OSError as e:
                    print('no dns')
                """, Language.PYTHON, Duration.ofSeconds(30));

        assertThat(result.stdout()).doesNotContain("CONNECTED").doesNotContain("RESOLVED")
                .contains("blocked 151.101.2.132").contains("blocked 1.1.1.1").contains("no dns");
    }

    @Test
    void theHostsServices_areNotReachable() throws Exception {
        try (HostProbeServer host = HostProbeServer.start(); DockerClient docker = DockerClients.connect()) {
            // The host's address on the sandbox's own (internal) bridge, which an internal network alone leaves open, and
            // its primary address.
            String gateway = docker.inspectNetworkCmd().withNetworkId("berth-isolated").exec().getIpam().getConfig().stream()
                    .map(Network.Ipam.Config::getGateway).filter(g -> g != null && g.contains(".")).findFirst().orElseThrow();
            String primary = HostProbeServer.primaryAddress();
            // The service answers on both addresses, so a blocked connection below is the firewall's doing.
            for (String address : List.of(gateway, primary)) {
                try (Socket s = new Socket(address, host.port())) {
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("HOST\n");
                }
            }
            int seenByHost = host.peers().size();

            SandboxResult result = sandbox.run("""
                    import socket
                    for address in [%s, %s]:
                        try:
                            s = socket.create_connection((address, %d), timeout=3)
                            print('CONNECTED', address, s.recv(16))
                        except OSError as e:
                            print('blocked', address, type(e).__name__)
                    """.formatted("'" + gateway + "'", "'" + primary + "'", host.port()), Language.PYTHON, Duration.ofSeconds(30));

            assertThat(result.stdout()).doesNotContain("CONNECTED").contains("blocked " + gateway).contains("blocked " + primary);
            assertThat(host.peers()).hasSize(seenByHost);
        }
    }

    @Test
    void theHostsFiles_areNotVisible() throws Exception {
        String secret = "berth-host-secret-" + UUID.randomUUID();
        Path onHost = Files.writeString(codeSandbox.home().resolve(secret), secret);

        SandboxResult result = sandbox.run("""
                import os
                path, name = %s, %s
                try:
                    print('READ', open(path).read())
                except OSError as e:
                    print('missing', type(e).__name__)
                found = 0
                for d, dirs, files in os.walk('/'):
                    if d == '/':
                        dirs[:] = [x for x in dirs if x not in ('proc', 'sys', 'dev')]
                    found += name in files
                print('found', found)
                print('docker.sock', os.path.exists('/var/run/docker.sock') or os.path.exists('/run/docker.sock'))
                """.formatted("'" + onHost + "'", "'" + secret + "'"));

        assertThat(result.stdout()).contains("missing FileNotFoundError").contains("found 0").contains("docker.sock False")
                .doesNotContain("READ");
    }

    @Test
    void hugeOutput_isCappedAndReportedTruncated() {
        SandboxResult result = sandbox.run("import sys\nfor _ in range(200000): sys.stdout.write('x' * 100)");

        assertThat(result.truncated()).isTrue();
        assertThat(result.stdout()).hasSize(64 * 1024);
    }
}
