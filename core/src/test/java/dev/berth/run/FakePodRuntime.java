package dev.berth.run;

import dev.berth.BerthClientException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A {@link PodRuntime} in memory. Containers live in an {@link Engine}; each runtime over the same engine
 * sees the same containers, as two platform processes see one Docker engine. Thread-safe.
 *
 * <p><b>Which containers run by themselves.</b> The image decides, as it would for a real engine:
 * <ul>
 *   <li>A pod started from {@link #PROGRAMS_IMAGE} runs its entrypoint as a program of a tiny language,
 *       on its own threads:
 *       <ul>
 *         <li>{@code fake-http PORT...} serves HTTP ({@code HTTP/1.0 200}) on an ephemeral loopback port for
 *             each pod port given, and runs until stopped;</li>
 *         <li>{@code fake-exit LINE CODE} prints {@code LINE} and exits with {@code CODE};</li>
 *         <li>{@code fake-print-forever PREFIX} prints {@code PREFIX0}, {@code PREFIX1}, … every 100 ms;</li>
 *         <li>{@code fake-sleep} runs forever, listening on nothing;</li>
 *         <li>{@code fake-sleep-exit SECONDS CODE} sleeps, then exits with {@code CODE}.</li>
 *       </ul>
 *       Any other entrypoint is a program missing from the image: {@link #start} reports {@code podFailed}
 *       naming it and throws, like the Docker adapter. Readiness waits until every pod port is served, the
 *       program exits ({@code podExited}, never ready) or the readiness timeout passes ({@code podFailed}
 *       naming the ports that never answered). Exits are reported to every runtime that started or adopted
 *       the container and is not closed, one event at a time per runtime.</li>
 *   <li>A pod started from any other image (such as a {@link dev.berth.image.FakeImageBuilder} ref) gets a
 *       <em>test-controlled</em> container: it does nothing by itself, whatever its entrypoint
 *       ({@code python3 -m http.server} is fine); the test makes it ready or exit with {@link #ready} and
 *       {@link #exit}, which report synchronously to this runtime's events.</li>
 * </ul>
 *
 * <p>{@link #stop} removes a container (and closes its servers) without reporting an exit; {@link #close()}
 * ends this runtime's reports, not the containers.
 */
public final class FakePodRuntime implements PodRuntime, AutoCloseable {
    /** The image whose entrypoints run as programs of the fake's language (see the class comment). */
    public static final String PROGRAMS_IMAGE = "berth-fake/programs";
    private static final Duration DEFAULT_READINESS_TIMEOUT = Duration.ofSeconds(30);
    private static final String PROGRAMS = "fake-http, fake-exit, fake-print-forever, fake-sleep, fake-sleep-exit";

    private final PodEvents events;
    private final Engine engine;
    private final Duration readinessTimeout;
    /** Delivers the reports of running containers in order, like an engine's event stream. */
    private final ExecutorService reports = Executors.newSingleThreadExecutor(daemon("fake-runtime-events"));
    private final List<String> stops = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile RuntimeException failOnStart;
    private volatile Consumer<Pod> onStart = pod -> { };
    private volatile boolean hasGpu;

    /** A runtime over an engine of its own, for unit tests that drive containers by hand. */
    public FakePodRuntime(PodEvents events) {
        this(events, new Engine(), DEFAULT_READINESS_TIMEOUT);
    }

    /** A runtime over a shared engine, giving up on a pod's readiness after {@code readinessTimeout}. */
    public FakePodRuntime(PodEvents events, Engine engine, Duration readinessTimeout) {
        this.events = Objects.requireNonNull(events, "events");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.readinessTimeout = Objects.requireNonNull(readinessTimeout, "readinessTimeout");
    }

    /**
     * The containers of one in-memory engine, shared by the runtimes created over it. {@link #close()} kills
     * every container left (and closes their servers). Thread-safe.
     */
    public static final class Engine implements AutoCloseable {
        private final Map<String, Container> containers = new ConcurrentHashMap<>();

        @Override
        public void close() {
            containers.keySet().forEach(ref -> {
                Container c = containers.remove(ref);
                if (c != null) {
                    c.remove();
                }
            });
        }
    }

    @Override
    public void validate(PodSpec spec) {
        if (spec.gpu() != null && !hasGpu) {
            throw new BerthClientException(ErrorCode.UNSUPPORTED, "gpu", "No GPU here");
        }
    }

    @Override
    public String start(Pod pod, String imageRef) {
        if (failOnStart != null) {
            throw failOnStart;
        }
        String ref = ref(pod.id());
        if (!PROGRAMS_IMAGE.equals(imageRef)) {
            engine.containers.put(ref, new Container(pod.id(), pod.spec().ports(), null));
            onStart.accept(pod);
            return ref;
        }
        Program program;
        try {
            program = Program.parse(pod.spec().entrypoint());
        } catch (IllegalArgumentException e) {
            String message = "Pod " + pod.id() + " could not start: " + e.getMessage();
            events.podFailed(pod.id(), message);
            throw new BerthServiceException(ErrorCode.INTERNAL, message, e);
        }
        Container c = new Container(pod.id(), pod.spec().ports(), program);
        c.watchers.add(this);
        engine.containers.put(ref, c);
        c.launch();
        watchReadiness(c);
        onStart.accept(pod);
        return ref;
    }

    @Override
    public RuntimeState inspect(String runtimeRef) {
        Container c = engine.containers.get(runtimeRef);
        return c == null ? new RuntimeState.Missing() : c.state;
    }

    @Override
    public RuntimeState adopt(Pod pod) {
        Container c = pod.runtimeRef() == null ? null : engine.containers.get(pod.runtimeRef());
        if (c == null) {
            return new RuntimeState.Missing();
        }
        if (c.program == null) {
            RuntimeState state = c.state;
            if (state instanceof RuntimeState.Running running) {
                events.podReady(pod.id(), running.endpoints());
            } else if (state instanceof RuntimeState.Exited exited) {
                events.podExited(pod.id(), exited.exitCode());
            }
            return state;
        }
        synchronized (c) {
            if (!c.watchers.contains(this)) {
                c.watchers.add(this);
            }
            RuntimeState state = c.state;
            if (state instanceof RuntimeState.Exited exited) {
                report(e -> e.podExited(c.podId, exited.exitCode()));
            } else if (state instanceof RuntimeState.Running) {
                watchReadiness(c);
            }
            return state;
        }
    }

    @Override
    public void stop(String runtimeRef) {
        stops.add(runtimeRef);
        Container c = engine.containers.remove(runtimeRef);
        if (c != null) {
            c.remove();
        }
    }

    @Override
    public List<Owned> list() {
        List<Owned> owned = new ArrayList<>();
        engine.containers.forEach((ref, c) -> owned.add(new Owned(c.podId, ref, c.state)));
        return owned;
    }

    @Override
    public Stream<String> logs(String runtimeRef, boolean follow) {
        Container c = engine.containers.get(runtimeRef);
        if (c == null) {
            return Stream.empty();
        }
        if (!follow) {
            synchronized (c) {
                return List.copyOf(c.logs).stream();
            }
        }
        LogFollower follower = new LogFollower(c);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(follower, Spliterator.ORDERED), false)
                .onClose(follower::close);
    }

    /** Ends this runtime's reports and readiness watches; the containers stay in the engine. */
    @Override
    public void close() {
        closed = true;
        reports.shutdownNow();
    }

    // ---- test controls (for test-controlled containers; see the class comment) ----

    /** The container of a pod listens: report it ready with an endpoint per port. */
    public Map<Integer, Endpoint> ready(Pod pod) {
        Map<Integer, Endpoint> endpoints = new HashMap<>();
        pod.spec().ports().forEach(p -> endpoints.put(p, new Endpoint("10.0.0.1", p)));
        Container c = engine.containers.get(ref(pod.id()));
        if (c != null) {
            c.setState(new RuntimeState.Running(endpoints));
        }
        events.podReady(pod.id(), endpoints);
        return endpoints;
    }

    /** The container of a pod prints {@code logLines} and exits with {@code code}: report it. */
    public void exit(PodId id, int code, String... logLines) {
        Container c = engine.containers.get(ref(id));
        if (c != null) {
            for (String line : logLines) {
                c.print(line);
            }
            c.setState(new RuntimeState.Exited(code));
        }
        events.podExited(id, code);
    }

    /** A container started by an earlier process (for recovery tests). */
    public String addContainer(PodId id, RuntimeState state) {
        Container c = new Container(id, List.of(), null);
        c.setState(state);
        engine.containers.put(ref(id), c);
        return ref(id);
    }

    /** The pod's container disappears without a report (removed behind the platform's back). */
    public void vanish(PodId id) {
        Container c = engine.containers.remove(ref(id));
        if (c != null) {
            c.remove();
        }
    }

    public boolean isRunning(PodId id) {
        Container c = engine.containers.get(ref(id));
        return c != null && c.state instanceof RuntimeState.Running;
    }

    /** Every {@link #stop} call's ref, in order. */
    public List<String> stops() {
        return List.copyOf(stops);
    }

    /** Makes every later {@link #start} throw {@code e}. */
    public void failOnStart(RuntimeException e) {
        this.failOnStart = e;
    }

    /** Runs during {@link #start}, after the container exists (to simulate races). */
    public void onStart(Consumer<Pod> hook) {
        this.onStart = hook;
    }

    public void hasGpu(boolean value) {
        this.hasGpu = value;
    }

    // ---- internals ----

    private static String ref(PodId id) {
        return "c-" + id.value();
    }

    /** Queues a report to this runtime's events; dropped once the runtime is closed. */
    private void report(Consumer<PodEvents> event) {
        if (closed) {
            return;
        }
        try {
            reports.execute(() -> event.accept(events));
        } catch (RejectedExecutionException e) {
            // Closed meanwhile: a closed runtime reports nothing, as a closed event stream would.
        }
    }

    /**
     * Waits until every pod port is served ({@code podReady}), the container ends (its exit is reported by
     * {@link Container#exited}) or the readiness timeout passes ({@code podFailed} naming the silent ports).
     */
    private void watchReadiness(Container c) {
        daemon("fake-readiness-" + c.podId).newThread(() -> {
            long deadline = System.nanoTime() + readinessTimeout.toNanos();
            synchronized (c) {
                while (!closed && !c.removed && c.state instanceof RuntimeState.Running running) {
                    Set<Integer> waiting = new TreeSet<>(c.ports);
                    waiting.removeAll(running.endpoints().keySet());
                    if (waiting.isEmpty()) {
                        report(e -> e.podReady(c.podId, running.endpoints()));
                        return;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        String message = "Pod " + c.podId + " did not become ready: port" + (waiting.size() > 1 ? "s " : " ")
                                + waiting.stream().map(String::valueOf).collect(Collectors.joining(" and "))
                                + " did not accept connections within " + readinessTimeout.toMillis() + " ms;"
                                + " serve every port in ports or remove the ones the entrypoint does not serve";
                        report(e -> e.podFailed(c.podId, message));
                        return;
                    }
                    try {
                        // Woken when the program binds a port, ends or is removed; the cap lets a closed runtime notice.
                        c.wait(Math.max(1, Math.min(Duration.ofNanos(left).toMillis(), 200)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }).start();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return Thread.ofPlatform().name(name).daemon().factory();
    }

    /** One container: its state, output and, for a program, the threads and servers it runs. */
    private static final class Container {
        final PodId podId;
        final List<Integer> ports;
        /** Null for a test-controlled container. */
        final Program program;
        /** Runtimes to report the exit to; guarded by this. */
        final List<FakePodRuntime> watchers = new ArrayList<>();
        /** Guarded by this. */
        final List<String> logs = new ArrayList<>();
        final List<ServerSocket> servers = new CopyOnWriteArrayList<>();
        volatile RuntimeState state = new RuntimeState.Running(Map.of());
        private Thread main;
        private boolean removed;

        Container(PodId podId, List<Integer> ports, Program program) {
            this.podId = podId;
            this.ports = List.copyOf(ports);
            this.program = program;
        }

        synchronized void setState(RuntimeState next) {
            state = next;
            notifyAll();
        }

        synchronized void print(String line) {
            logs.add(line);
            notifyAll();
        }

        synchronized boolean removed() {
            return removed;
        }

        void launch() {
            Thread thread = daemon("fake-pod-" + podId).newThread(() -> {
                try {
                    exited(program.run(this));
                } catch (InterruptedException e) {
                    // Stopped: a stopped container reports no exit.
                } catch (IOException e) {
                    print("fake: " + e.getMessage());
                    exited(1);
                }
            });
            synchronized (this) {
                main = thread;
            }
            thread.start();
        }

        /** A program served a pod port at {@code endpoint}; only the pod's declared ports become endpoints. */
        synchronized void serve(int podPort, ServerSocket server, Endpoint endpoint) throws IOException {
            if (removed) {
                server.close();
                return;
            }
            servers.add(server);
            if (ports.contains(podPort) && state instanceof RuntimeState.Running running) {
                Map<Integer, Endpoint> endpoints = new HashMap<>(running.endpoints());
                endpoints.put(podPort, endpoint);
                setState(new RuntimeState.Running(endpoints));
            }
        }

        /** The program ended: record the exit code and report it to every watching runtime. */
        synchronized void exited(int code) {
            if (removed || !(state instanceof RuntimeState.Running)) {
                return;
            }
            closeServers();
            setState(new RuntimeState.Exited(code));
            for (FakePodRuntime watcher : watchers) {
                watcher.report(e -> e.podExited(podId, code));
            }
        }

        /** Removed from the engine: kill the program, close the servers, end log followers. */
        synchronized void remove() {
            removed = true;
            closeServers();
            if (main != null) {
                main.interrupt();
            }
            notifyAll();
        }

        private void closeServers() {
            for (ServerSocket server : servers) {
                try {
                    server.close();
                } catch (IOException e) {
                    // Closing a listening socket fails only if it is closed already.
                }
            }
        }
    }

    /** Iterates a container's output, waiting for new lines until it ends or is removed, or the stream closes. */
    private static final class LogFollower implements Iterator<String> {
        private final Container c;
        private int next;
        private boolean closed;

        LogFollower(Container c) {
            this.c = c;
        }

        @Override
        public boolean hasNext() {
            synchronized (c) {
                while (next >= c.logs.size() && !closed && !c.removed && c.state instanceof RuntimeState.Running) {
                    try {
                        c.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return !closed && next < c.logs.size();
            }
        }

        @Override
        public String next() {
            synchronized (c) {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return c.logs.get(next++);
            }
        }

        void close() {
            synchronized (c) {
                closed = true;
                c.notifyAll();
            }
        }
    }

    /** A parsed entrypoint of {@link #PROGRAMS_IMAGE}. */
    private record Program(String name, List<String> args) {

        /** @throws IllegalArgumentException naming the program or argument the image cannot run */
        static Program parse(List<String> entrypoint) {
            String name = entrypoint.get(0);
            List<String> args = entrypoint.subList(1, entrypoint.size());
            switch (name) {
                case "fake-http" -> {
                    if (args.isEmpty()) {
                        throw new IllegalArgumentException("fake-http needs at least one port, e.g. [\"fake-http\", \"8080\"]");
                    }
                    args.forEach(a -> integer(name, a));
                }
                case "fake-exit" -> {
                    arity(name, args, 2, "LINE CODE");
                    integer(name, args.get(1));
                }
                case "fake-print-forever" -> arity(name, args, 1, "PREFIX");
                case "fake-sleep" -> arity(name, args, 0, "");
                case "fake-sleep-exit" -> {
                    arity(name, args, 2, "SECONDS CODE");
                    args.forEach(a -> integer(name, a));
                }
                default -> throw new IllegalArgumentException("no program '" + name + "' in image " + PROGRAMS_IMAGE
                        + "; its programs are " + PROGRAMS);
            }
            return new Program(name, List.copyOf(args));
        }

        /** Runs in the container's main thread; returns the exit code. Interrupted when the container is removed. */
        int run(Container c) throws InterruptedException, IOException {
            switch (name) {
                case "fake-http" -> {
                    for (String port : args) {
                        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                        Endpoint endpoint = new Endpoint(server.getInetAddress().getHostAddress(), server.getLocalPort());
                        daemon("fake-http-" + c.podId + "-" + port).newThread(() -> serveHttp(server)).start();
                        c.print("fake-http: pod port " + port + " served at " + endpoint);
                        c.serve(Integer.parseInt(port), server, endpoint);
                    }
                    Thread.sleep(Long.MAX_VALUE);
                    return 0;
                }
                case "fake-exit" -> {
                    c.print(args.get(0));
                    return Integer.parseInt(args.get(1));
                }
                case "fake-print-forever" -> {
                    for (long i = 0; ; i++) {
                        c.print(args.get(0) + i);
                        Thread.sleep(100);
                    }
                }
                case "fake-sleep" -> {
                    Thread.sleep(Long.MAX_VALUE);
                    return 0;
                }
                case "fake-sleep-exit" -> {
                    Thread.sleep(Duration.ofSeconds(Integer.parseInt(args.get(0))));
                    return Integer.parseInt(args.get(1));
                }
                default -> throw new IllegalStateException("unparsed program " + name);
            }
        }

        /** Answers every request with {@code HTTP/1.0 200} until the server is closed. */
        private static void serveHttp(ServerSocket server) {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    socket.setSoTimeout(5000);
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        // Read the request head; the answer is the same for every request.
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // The server was closed (container stopped or exited) or a client went away: go on or end.
                }
            }
        }

        private static void arity(String name, List<String> args, int count, String usage) {
            if (args.size() != count) {
                throw new IllegalArgumentException(name + " takes " + count + " argument" + (count == 1 ? "" : "s")
                        + (usage.isEmpty() ? "" : " (" + usage + ")") + ", got " + args);
            }
        }

        private static void integer(String name, String value) {
            try {
                Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " expects a whole number, got '" + value + "'", e);
            }
        }
    }
}
