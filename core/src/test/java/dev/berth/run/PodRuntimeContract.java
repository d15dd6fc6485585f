package dev.berth.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.berth.BerthException;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.pod.RecordingPodEvents;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PodRuntime} must do. An adapter's test extends this class and supplies the runtime and an
 * image through the hooks; the programs the tests run (an HTTP server, a printer, a sleeper) default to busybox's.
 */
public abstract class PodRuntimeContract {

    protected RecordingPodEvents events;
    protected PodRuntime runtime;
    private final List<String> started = new ArrayList<>();
    private final List<PodRuntime> extraRuntimes = new ArrayList<>();

    /** A runtime reporting to {@code events}, giving up on readiness after {@code readinessTimeout}. */
    protected abstract PodRuntime createRuntime(PodEvents events, Duration readinessTimeout);

    /** An image the entrypoints below run in. */
    protected abstract String imageRef();

    /*
     * The programs below are POSIX sh and busybox httpd, which berth/busybox (the local base image) has; an adapter
     * whose image lacks them overrides them. Each traps SIGTERM: a shell as PID 1 ignores signals it does not handle.
     */

    /** An entrypoint serving HTTP (any path answers 200) on {@code port}, on all interfaces. */
    protected List<String> httpServer(int port) {
        return List.of("sh", "-c", "echo ok > /tmp/index.html; trap 'exit 0' TERM; httpd -f -p " + port + " -h /tmp & wait");
    }

    /** An entrypoint that prints {@code line} to stdout, then exits with {@code exitCode}. */
    protected List<String> printAndExit(String line, int exitCode) {
        return List.of("sh", "-c", "echo \"$1\"; exit $2", "sh", line, String.valueOf(exitCode));
    }

    /** An entrypoint that prints {@code prefix} followed by a counter, one line every ~100 ms, forever. */
    protected List<String> printForever(String prefix) {
        return List.of("sh", "-c", "trap 'exit 0' TERM; i=0; while :; do echo \"$1$i\"; i=$((i+1)); sleep 0.1; done", "sh", prefix);
    }

    /** An entrypoint that sleeps {@code seconds}, then exits with {@code exitCode}. */
    protected List<String> sleepThenExit(int seconds, int exitCode) {
        return List.of("sh", "-c", "sleep " + seconds + "; exit " + exitCode);
    }

    /** An entrypoint that runs forever and listens on nothing. */
    protected List<String> sleepForever() {
        return List.of("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait");
    }

    /** How long to wait for events. */
    protected Duration timeout() {
        return Duration.ofSeconds(60);
    }

    /** Ends a runtime created by {@link #createRuntime}, e.g. closing its event stream. */
    protected void closeRuntime(PodRuntime runtime) {
        if (runtime instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Sends {@code GET /} to an endpoint and returns the status line of the response. */
    protected String httpGetStatusLine(Endpoint endpoint) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + endpoint.host() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                line.append((char) c);
            }
            return line.toString().strip();
        }
    }

    @BeforeEach
    void setUpRuntime() {
        events = new RecordingPodEvents(timeout());
        runtime = createRuntime(events, timeout());
    }

    @AfterEach
    void tearDownRuntime() {
        for (String ref : started) {
            runtime.stop(ref);
        }
        extraRuntimes.forEach(this::closeRuntime);
        closeRuntime(runtime);
    }

    protected Pod pod(PodSpec spec) {
        return Pod.pending(PodId.random(), spec, null, Map.of(), Instant.now());
    }

    protected PodSpec.Builder spec(List<String> entrypoint, int... ports) {
        return PodSpec.builder().entrypoint(entrypoint).ports(ports).cpu(0.5).memoryMiB(128);
    }

    /** Starts a pod and remembers it for clean-up. */
    protected String start(PodRuntime on, Pod pod) {
        String ref = on.start(pod, imageRef());
        started.add(ref);
        return ref;
    }

    protected PodRuntime secondRuntime(RecordingPodEvents otherEvents) {
        PodRuntime other = createRuntime(otherEvents, timeout());
        extraRuntimes.add(other);
        return other;
    }

    @Test
    void start_withPort_reportsReadyWithAnEndpointThatServes() throws IOException {
        Pod pod = pod(spec(httpServer(8080), 8080).build());

        String ref = start(runtime, pod);

        RecordingPodEvents.PodReady ready = events.awaitReady(pod.id());
        assertThat(ready.endpoints()).containsOnlyKeys(8080);
        assertThat(httpGetStatusLine(ready.endpoints().get(8080))).matches("HTTP/1\\.[01] 200.*");
        assertThat(runtime.inspect(ref)).isInstanceOfSatisfying(RuntimeState.Running.class,
                running -> assertThat(running.endpoints()).isEqualTo(ready.endpoints()));
    }

    @Test
    void start_withoutPorts_reportsReadyWhileRunning() {
        Pod pod = pod(spec(sleepForever()).build());

        String ref = start(runtime, pod);

        assertThat(events.awaitReady(pod.id()).endpoints()).isEmpty();
        assertThat(runtime.inspect(ref)).isInstanceOf(RuntimeState.Running.class);
    }

    @Test
    void start_whenAPortNeverAnswers_reportsFailedNamingThePort() {
        PodRuntime quick = createRuntime(events, Duration.ofSeconds(2));
        extraRuntimes.add(quick);
        Pod pod = pod(spec(httpServer(8080), 8080, 8081).build());

        start(quick, pod);

        RecordingPodEvents.PodFailed failed = events.awaitFailed(pod.id());
        assertThat(failed.message()).contains("8081").doesNotContain("8080,");
        assertThat(events.events(RecordingPodEvents.PodReady.class)).noneMatch(r -> r.podId().equals(pod.id()));
    }

    @Test
    void start_whenEntrypointExits_reportsExitCodeAndKeepsLogs() {
        Pod pod = pod(spec(printAndExit("hello from berth", 3)).build());

        String ref = start(runtime, pod);

        assertThat(events.awaitExited(pod.id()).exitCode()).isEqualTo(3);
        assertThat(runtime.inspect(ref)).isEqualTo(new RuntimeState.Exited(3));
        try (Stream<String> lines = runtime.logs(ref, false)) {
            assertThat(lines.toList()).contains("hello from berth");
        }
    }

    @Test
    void start_whenEntrypointExitsBeforeItsPortAnswers_reportsExitedAndNotReady() {
        Pod pod = pod(spec(printAndExit("bye", 0), 8080).build());

        start(runtime, pod);

        assertThat(events.awaitOutcome(pod.id())).isEqualTo(new RecordingPodEvents.PodExited(pod.id(), 0));
    }

    @Test
    void start_whenProgramIsMissing_reportsFailedNamingIt() {
        Pod pod = pod(spec(List.of("/no/such/berth-program")).build());

        try {
            start(runtime, pod);
        } catch (BerthException e) {
            assertThat(e).hasMessageContaining("/no/such/berth-program");
        }

        RecordingPodEvents.Recorded outcome = events.awaitOutcome(pod.id());
        assertThat(outcome).isInstanceOfSatisfying(RecordingPodEvents.PodFailed.class,
                failed -> assertThat(failed.message()).contains("/no/such/berth-program"));
    }

    @Test
    void stop_removesTheContainerAndIsIdempotent() {
        Pod pod = pod(spec(sleepForever()).build());
        String ref = start(runtime, pod);
        events.awaitReady(pod.id());

        runtime.stop(ref);

        assertThat(runtime.inspect(ref)).isEqualTo(new RuntimeState.Missing());
        assertThat(runtime.list()).noneMatch(o -> o.podId().equals(pod.id()));
        assertThatCode(() -> runtime.stop(ref)).doesNotThrowAnyException();
    }

    @Test
    void stop_ofAnUnknownRef_doesNothing() {
        assertThatCode(() -> runtime.stop("berth-no-such-container-" + PodId.random())).doesNotThrowAnyException();
    }

    @Test
    void inspect_ofAnUnknownRef_isMissing() {
        assertThat(runtime.inspect("berth-no-such-container-" + PodId.random())).isEqualTo(new RuntimeState.Missing());
    }

    @Test
    void list_includesRunningAndExitedPodsWithTheirIds() {
        Pod running = pod(spec(sleepForever()).build());
        Pod exiting = pod(spec(printAndExit("done", 7)).build());
        String runningRef = start(runtime, running);
        String exitingRef = start(runtime, exiting);
        events.awaitReady(running.id());
        events.awaitExited(exiting.id());

        List<PodRuntime.Owned> owned = runtime.list();

        assertThat(owned).anySatisfy(o -> {
            assertThat(o.podId()).isEqualTo(running.id());
            assertThat(o.runtimeRef()).isEqualTo(runningRef);
            assertThat(o.state()).isInstanceOf(RuntimeState.Running.class);
        });
        assertThat(owned).anySatisfy(o -> {
            assertThat(o.podId()).isEqualTo(exiting.id());
            assertThat(o.runtimeRef()).isEqualTo(exitingRef);
            assertThat(o.state()).isEqualTo(new RuntimeState.Exited(7));
        });
    }

    @Test
    void logs_follow_streamsNewLinesUntilClosed() {
        Pod pod = pod(spec(printForever("tick-")).build());
        String ref = start(runtime, pod);
        events.awaitReady(pod.id());

        List<String> firstLines = new ArrayList<>();
        try (Stream<String> lines = runtime.logs(ref, true)) {
            Iterator<String> it = lines.iterator();
            while (firstLines.size() < 5 && it.hasNext()) {
                firstLines.add(it.next());
            }
        }

        assertThat(firstLines).hasSize(5).allMatch(l -> l.startsWith("tick-"));
        assertThat(runtime.inspect(ref)).isInstanceOf(RuntimeState.Running.class);
    }

    @Test
    void adopt_ofARunningPod_fromAnotherRuntime_reportsReady() throws IOException {
        Pod pod = pod(spec(httpServer(8080), 8080).build());
        String ref = start(runtime, pod);
        events.awaitReady(pod.id());
        RecordingPodEvents otherEvents = new RecordingPodEvents(timeout());
        PodRuntime other = secondRuntime(otherEvents);

        RuntimeState state = other.adopt(pod.withRuntimeRef(ref));

        assertThat(state).isInstanceOf(RuntimeState.Running.class);
        RecordingPodEvents.PodReady ready = otherEvents.awaitReady(pod.id());
        assertThat(httpGetStatusLine(ready.endpoints().get(8080))).matches("HTTP/1\\.[01] 200.*");
    }

    @Test
    void adopt_ofAnExitedPod_reportsExited() {
        Pod pod = pod(spec(printAndExit("gone", 5)).build());
        String ref = start(runtime, pod);
        events.awaitExited(pod.id());
        RecordingPodEvents otherEvents = new RecordingPodEvents(timeout());
        PodRuntime other = secondRuntime(otherEvents);

        RuntimeState state = other.adopt(pod.withRuntimeRef(ref));

        assertThat(state).isEqualTo(new RuntimeState.Exited(5));
        assertThat(otherEvents.awaitExited(pod.id()).exitCode()).isEqualTo(5);
    }

    @Test
    void adopt_ofARemovedPod_isMissing() {
        Pod pod = pod(spec(sleepForever()).build());
        String ref = start(runtime, pod);
        runtime.stop(ref);

        assertThat(runtime.adopt(pod.withRuntimeRef(ref))).isEqualTo(new RuntimeState.Missing());
    }

    @Test
    void adopt_thenExit_reportsExitedToTheAdoptingRuntime() {
        Pod pod = pod(spec(sleepThenExit(2, 4)).build());
        String ref = start(runtime, pod);
        RecordingPodEvents otherEvents = new RecordingPodEvents(timeout());
        PodRuntime other = secondRuntime(otherEvents);

        other.adopt(pod.withRuntimeRef(ref));

        assertThat(otherEvents.awaitExited(pod.id()).exitCode()).isEqualTo(4);
    }
}
