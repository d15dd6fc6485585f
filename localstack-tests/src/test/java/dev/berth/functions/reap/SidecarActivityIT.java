package dev.berth.functions.reap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.emulator.DataPlaneStack;
import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.pod.PodId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.cloudwatch.model.ComparisonOperator;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;

/**
 * An open WebSocket keeps an AWS pod active, and the activity sidecar's metric is what says so: a pod whose server
 * accepts a WebSocket upgrade runs on the data plane (CodeBuild, ECS with the sidecar, the ALB serving real TLS); a
 * WebSocket opened through the ALB makes the sidecar, from inside the task, publish {@code EstablishedConnections} 1
 * to CloudWatch, which {@link CloudWatchActivitySource} (as {@code AwsPlatform} wires it) reads as one open connection
 * and the pod's idle alarm watches; once the WebSocket closes the count falls to 0. The sidecar publishes every 2 s
 * ({@code BERTH_ACTIVITY_INTERVAL_SECONDS}); the source's minute buckets make the fall take until the next minute.
 */
@ExtendWith(EmulatorExtension.class)
class SidecarActivityIT {
    private static final String DOMAIN = "ws.example.test";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    /** A few samples at 2 s, with room for a loaded machine. */
    private static final Duration SAMPLE_TIMEOUT = Duration.ofSeconds(45);
    /** The source reads whole minutes: a count of 0 shows once a minute holds only samples of 0 (at most a minute away). */
    private static final Duration ZERO_TIMEOUT = Duration.ofSeconds(150);
    private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** Alarm terms as IdleAlarms writes them: {@code FILL(<id>,0)} joined by {@code +}. */
    private static final Pattern TERM = Pattern.compile("FILL\\((\\w+),0\\)");

    /** A stdlib-only WebSocket server (RFC 6455): upgrades, echoes text frames, answers a close, then closes. */
    private static final String SERVER = """
            import base64, hashlib, socket, threading

            GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

            def frame(opcode, payload):
                return bytes([0x80 | opcode, len(payload)]) + payload

            def frames(reader):
                while True:
                    head = reader.read(2)
                    if len(head) < 2:
                        return
                    length = head[1] & 0x7F
                    if length >= 126:
                        size = 2 if length == 126 else 8
                        length = int.from_bytes(reader.read(size), "big")
                    mask = reader.read(4) if head[1] & 0x80 else bytes(4)
                    payload = reader.read(length)
                    if len(mask) < 4 or len(payload) < length:
                        return
                    yield head[0] & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

            def serve(conn):
                with conn, conn.makefile("rb") as reader:
                    request = reader.readline()
                    if not request:
                        return  # a bare TCP check (the task's readiness container)
                    headers = {}
                    for line in iter(reader.readline, b"\\r\\n"):
                        if not line:
                            return
                        name, _, value = line.decode("latin-1").partition(":")
                        headers[name.strip().lower()] = value.strip()
                    key = headers.get("sec-websocket-key")
                    if headers.get("upgrade", "").lower() != "websocket" or not key:
                        conn.sendall(b"HTTP/1.1 426 Upgrade Required\\r\\nUpgrade: websocket\\r\\nContent-Length: 0\\r\\n\\r\\n")
                        return
                    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
                    conn.sendall(("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
                                  "Sec-WebSocket-Accept: %s\\r\\n\\r\\n" % accept).encode())
                    print("websocket open", flush=True)
                    for opcode, payload in frames(reader):
                        if opcode == 8:
                            conn.sendall(frame(8, payload[:2]))
                            break
                        if opcode == 1:
                            conn.sendall(frame(1, payload))
                    print("websocket closed", flush=True)

            server = socket.create_server(("0.0.0.0", 8080))
            print("listening on 8080", flush=True)
            while True:
                connection, _ = server.accept()
                threading.Thread(target=serve, args=(connection,), daemon=True).start()
            """;

    private final DataPlaneStack stack;
    private final List<String> pods = new ArrayList<>();

    SidecarActivityIT(Emulator aws) {
        stack = DataPlaneStack.start(aws, DOMAIN, Map.of("BERTH_ACTIVITY_INTERVAL_SECONDS", "2", "BERTH_READINESS_TIMEOUT_SECONDS", "30"));
    }

    /** Stops the pods and waits for their tasks, so that no container outlives the emulator. */
    @AfterEach
    void stopPodsAndPumps() throws InterruptedException {
        try {
            for (String id : pods) {
                stack.call("DELETE", "/v1/pods/" + id, null, 200);
                String task = stack.platform().store().find(PodId.of(id)).orElseThrow().runtimeRef();
                if (task != null) {
                    assertThat(stack.awaitTaskStatus(task, "STOPPED")).as("task " + task).isEqualTo("STOPPED");
                }
            }
        } finally {
            stack.close();
        }
    }

    @Test
    void openWebSocketThroughTheAlb_isOneOpenConnectionFromTheSidecar_thatTheIdleAlarmWatches_andZeroOnceClosed() throws Exception {
        String server = Base64.getEncoder().encodeToString(SERVER.getBytes(StandardCharsets.UTF_8));
        JsonNode created = stack.call("POST", "/v1/pods", """
                {"image": {"base": "python:3.11-slim", "files": {"ws_server.py": "%s"}},
                 "entrypoint": ["python3", "/app/ws_server.py"],
                 "ports": [8080], "cpu": 0.25, "memoryMiB": 512, "keepWarmSeconds": 600}""".formatted(server), 202);
        String id = created.path("id").asText();
        pods.add(id);
        PodId podId = PodId.of(id);
        JsonNode running = stack.awaitPod(id, pod -> !pod.path("status").asText().matches("PENDING|BUILDING|STARTING"), START_TIMEOUT);
        assertThat(running.path("status").asText()).as(running.toString()).isEqualTo("RUNNING");
        String task = stack.platform().store().find(podId).orElseThrow().runtimeRef();
        CloudWatchActivitySource activity = stack.platform().activity();

        // Before the WebSocket: the sidecar publishes, and counts nothing open.
        await("the sidecar's first sample, 0 open", task, podId, ZERO_TIMEOUT,
                () -> latestConnections(podId).filter(v -> v == 0.0).isPresent() && activity.activity(podId).openConnections() == 0);

        String host = id + "-8080." + DOMAIN;
        try (SSLSocket socket = stack.alb().open(host)) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String key = Base64.getEncoder().encodeToString(randomBytes(16));
            out.write(("GET /chat HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101 ");
            assertThat(head.toLowerCase()).contains("sec-websocket-accept: " + accept(key).toLowerCase());
            String hello = Emulator.unique("hello");
            out.write(maskedFrame(0x1, hello.getBytes(StandardCharsets.UTF_8)));
            out.flush();
            assertThat(readFrame(in)).isEqualTo(new Frame(0x1, hello));

            await("EstablishedConnections 1 in CloudWatch and one open connection from the activity source", task, podId, SAMPLE_TIMEOUT,
                    () -> latestConnections(podId).filter(v -> v == 1.0).isPresent() && activity.activity(podId).openConnections() == 1);
            assertThat(activity.activity(podId).openConnections()).isEqualTo(1);
            assertTheIdleAlarmSeesTheConnection(podId);

            out.write(maskedFrame(0x8, new byte[] {0x03, (byte) 0xE8}));
            out.flush();
            assertThat(readFrame(in).opcode()).isEqualTo(0x8);
        }

        await("EstablishedConnections 0 in CloudWatch and no open connection from the activity source", task, podId, ZERO_TIMEOUT,
                () -> latestConnections(podId).filter(v -> v == 0.0).isPresent() && activity.activity(podId).openConnections() == 0);
        assertThat(stack.logs(id)).contains("websocket open", "websocket closed");
    }

    /**
     * The pod's alarm has a query for exactly the sidecar's metric (name, namespace, PodId dimension, per-minute
     * maximum) and sums it into the value it compares with 0; run as the alarm has it, that query reads the open
     * connection, so the sum is above the threshold: the alarm sees the pod as active.
     */
    private void assertTheIdleAlarmSeesTheConnection(PodId podId) {
        MetricAlarm alarm = stack.platform().alarms().describe(podId).orElseThrow(() -> new AssertionError("pod " + podId + " has no idle alarm"));
        assertThat(alarm.alarmName()).isEqualTo("berth-idle-" + podId.value());
        assertThat(alarm.comparisonOperator()).isEqualTo(ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD);
        assertThat(alarm.threshold()).isEqualTo(0.0);
        MetricDataQuery connections = alarm.metrics().stream()
                .filter(q -> q.metricStat() != null && "EstablishedConnections".equals(q.metricStat().metric().metricName()))
                .findFirst().orElseThrow(() -> new AssertionError("the alarm watches no EstablishedConnections: " + alarm.metrics()));
        assertThat(connections.metricStat().metric().namespace()).isEqualTo(stack.config().metricNamespace());
        assertThat(connections.metricStat().metric().dimensions()).containsExactly(Dimension.builder().name("PodId").value(podId.value()).build());
        assertThat(connections.metricStat().stat()).isEqualTo("Maximum");
        assertThat(connections.metricStat().period()).isEqualTo(60);
        MetricDataQuery watched = alarm.metrics().stream().filter(q -> Boolean.TRUE.equals(q.returnData())).findFirst().orElseThrow();
        List<String> terms = new ArrayList<>();
        Matcher term = TERM.matcher(watched.expression());
        while (term.find()) {
            terms.add(term.group(1));
        }
        assertThat(String.join(" + ", terms.stream().map(t -> "FILL(" + t + ",0)").toList())).isEqualTo(watched.expression());
        assertThat(terms).contains(connections.id());

        // moto evaluates no metric math, so the alarm's own metric query is run as it stands, and its term summed.
        Instant now = Instant.now();
        Instant end = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
        List<MetricDataResult> results = stack.clients().cloudWatch().getMetricData(r -> r.startTime(end.minus(Duration.ofMinutes(5))).endTime(end)
                .metricDataQueries(connections.toBuilder().returnData(true).build())).metricDataResults();
        assertThat(latest(results.get(0))).as("the alarm's connections query, this minute").contains(1.0);
    }

    /** The latest per-minute maximum of the pod's EstablishedConnections, named as the sidecar publishes it. */
    private Optional<Double> latestConnections(PodId podId) {
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
        MetricDataQuery query = MetricDataQuery.builder().id("c").returnData(true).metricStat(s -> s.period(60).stat("Maximum")
                .metric(m -> m.namespace(stack.config().metricNamespace()).metricName("EstablishedConnections")
                        .dimensions(d -> d.name("PodId").value(podId.value())))).build();
        return latest(stack.clients().cloudWatch().getMetricData(r -> r.startTime(end.minus(Duration.ofMinutes(5))).endTime(end)
                .metricDataQueries(query)).metricDataResults().get(0));
    }

    private static Optional<Double> latest(MetricDataResult result) {
        Instant at = null;
        Double value = null;
        for (int i = 0; i < result.timestamps().size(); i++) {
            if (at == null || result.timestamps().get(i).isAfter(at)) {
                at = result.timestamps().get(i);
                value = result.values().get(i);
            }
        }
        return Optional.ofNullable(value);
    }

    /** Polls until {@code done}; fails with the last values seen and the sidecar's log. */
    private void await(String what, String task, PodId podId, Duration timeout, Supplier<Boolean> done) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!done.get()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no " + what + " within " + timeout + "; last EstablishedConnections (this minute's maximum): "
                        + latestConnections(podId) + ", activity: " + stack.platform().activity().activity(podId)
                        + "\nsidecar log:\n" + stack.containerLog(task, "activity"));
            }
            Thread.sleep(500);
        }
    }

    private record Frame(int opcode, String text) {
    }

    /** One unfragmented frame from the server (unmasked, as servers send them). */
    private static Frame readFrame(InputStream in) throws IOException {
        byte[] head = in.readNBytes(2);
        assertThat(head).as("frame header").hasSize(2);
        assertThat(head[1] & 0x80).as("server frames are unmasked").isZero();
        int length = head[1] & 0x7F;
        assertThat(length).as("a short frame").isLessThan(126);
        return new Frame(head[0] & 0x0F, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    /** A final, masked client frame (RFC 6455 5.3) with a short payload. */
    private static byte[] maskedFrame(int opcode, byte[] payload) {
        byte[] mask = randomBytes(4);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        frame.write(0x80 | payload.length);
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("The listener closed after: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String accept(String key) throws NoSuchAlgorithmException {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                .digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
