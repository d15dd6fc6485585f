package dev.berth.cdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the sidecar program (python3): the activity count (dry run: no AWS call) over prepared /proc/net tables, and the
 * readiness mode ({@code --await-ports}) against real sockets on loopback.
 */
class ActivitySidecarTest {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    @TempDir
    Path procNet;

    @Test
    void count_onlyEstablishedConnectionsToPodPorts_overIpv4AndIpv6() throws Exception {
        // 0x22B8 = 8888 (pod port), 0x1F90 = 8080 (not a pod port); state 01 = ESTABLISHED, 0A = LISTEN, 06 = TIME_WAIT
        Files.writeString(procNet.resolve("tcp"), HEADER
                + "   0: 00000000:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1\n"
                + "   1: 0A00020F:22B8 0A000105:D4E2 01 00000000:00000000 00:00000000 00000000  1000        0 2 1\n"
                + "   2: 0A00020F:22B8 0A000106:D4E3 06 00000000:00000000 00:00000000 00000000  1000        0 3 1\n"
                + "   3: 0A00020F:1F90 0A000105:D4E4 01 00000000:00000000 00:00000000 00000000  1000        0 4 1\n");
        Files.writeString(procNet.resolve("tcp6"), HEADER
                + "   0: 0000000000000000FFFF00000A00020F:22B8 0000000000000000FFFF00000A000107:C001 01 00000000:00000000 00:00000000 00000000 1000 0 5 1\n");

        assertThat(run("8888")).isEqualTo("2");
        assertThat(run("8888,8080")).isEqualTo("3");
        assertThat(run("")).isEqualTo("3");
    }

    @Test
    void count_withoutIpv6Table_countsIpv4Only() throws Exception {
        Files.writeString(procNet.resolve("tcp"), HEADER
                + "   1: 0A00020F:22B8 0A000105:D4E2 01 00000000:00000000 00:00000000 00000000  1000        0 2 1\n");

        assertThat(run("8888")).isEqualTo("1");
    }

    @Test
    void ports_whenInvalid_failsNamingTheValue() throws Exception {
        Files.writeString(procNet.resolve("tcp"), HEADER);

        Result result = exec("80,http");
        assertThat(result.exit()).isNotZero();
        assertThat(result.output()).contains("BERTH_PORTS has 'http'; give TCP ports 1-65535");
    }

    @Test
    void awaitPorts_whenEveryPortListens_exitsZero() throws Exception {
        try (ServerSocket first = listening(); ServerSocket second = listening()) {
            Result result = awaitPorts(first.getLocalPort() + "," + second.getLocalPort(), "30");

            assertThat(result.exit()).as(result.output()).isZero();
        }
    }

    @Test
    void awaitPorts_whenAPortNeverAnswers_exitsThreeNamingOnlyThatPort() throws Exception {
        int closed = closedPort();
        try (ServerSocket open = listening()) {
            Result result = awaitPorts(open.getLocalPort() + "," + closed, "1");

            assertThat(result.exit()).isEqualTo(3);
            assertThat(result.output().strip()).isEqualTo("port " + closed + " did not accept a connection within 1 s");
        }
    }

    @Test
    void awaitPorts_whenAPortListensLater_waitsForIt() throws Exception {
        int port = closedPort();
        Process process = start(List.of("--await-ports"), Map.of("BERTH_PORTS", Integer.toString(port), "BERTH_READINESS_SECONDS", "60"));
        try (ServerSocket later = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(process.waitFor()).as(output).isZero();
            assertThat(output).contains("ready: " + port);
        }
    }

    @Test
    void awaitPorts_withoutPorts_exitsZeroAtOnce() throws Exception {
        Result result = awaitPorts("", "1");

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("ready: no ports");
    }

    @Test
    void awaitPorts_whenSecondsInvalid_failsNamingTheValue() throws Exception {
        Result result = awaitPorts("8080", "soon");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.output()).contains("BERTH_READINESS_SECONDS has 'soon'; give a positive number of seconds");
    }

    private static ServerSocket listening() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** A loopback port nothing listens on (bound, then released). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = listening()) {
            return socket.getLocalPort();
        }
    }

    private Result awaitPorts(String ports, String seconds) throws IOException, InterruptedException {
        Process process = start(List.of("--await-ports"), Map.of("BERTH_PORTS", ports, "BERTH_READINESS_SECONDS", seconds));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }

    private static Process start(List<String> args, Map<String, String> env) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("python3", Path.of("sidecar", "activity.py").toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        return builder.start();
    }

    private String run(String ports) throws IOException, InterruptedException {
        Result result = exec(ports);
        assertThat(result.exit()).as(result.output()).isZero();
        return result.output().trim();
    }

    private Result exec(String ports) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of("python3", Path.of("sidecar", "activity.py").toString(), "--once", "--dry-run"))
                .redirectErrorStream(true);
        builder.environment().put("BERTH_PROC_NET", procNet.toString());
        builder.environment().put("BERTH_PORTS", ports);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }

    private record Result(int exit, String output) {
    }
}
