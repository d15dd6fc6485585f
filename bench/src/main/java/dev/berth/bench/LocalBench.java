package dev.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.HostConfig;
import dev.berth.image.ImageSpec;
import dev.berth.internal.Json;
import dev.berth.local.LocalConfig;
import dev.berth.local.LocalPlatform;
import dev.berth.local.docker.DockerClients;
import dev.berth.local.docker.DockerImageBuilder;
import dev.berth.pod.PodSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The local platform's benchmark (issue 2), in one run against an in-process {@link LocalPlatform}:
 *
 * <ol>
 * <li><b>create → first 200</b>: for a cached image, the time from just before {@code POST /v1/pods} to the
 *     first 200 from the pod's HTTPS URL, over {@code --pods} pods created one after another (busybox httpd,
 *     then Python). An engine-only reference row creates and starts the same image with docker-java and
 *     polls the container directly, which is the floor Berth adds to.</li>
 * <li><b>router overhead</b>: one Python keep-alive server reached directly (container IP, plain HTTP) and
 *     through the HTTPS router, by the same closed-loop client at the same concurrency, alternated
 *     A, B, A, B so machine noise hits both.</li>
 * </ol>
 *
 * <p>Targets from the issue are printed as PASS/MISS; the exit code does not depend on them. Usage:
 * {@code java -jar bench/target/berth-bench.jar [--pods=20] [--connections=16] [--seconds=10] [--rounds=2]
 * [--warmup-seconds=5] [--no-python]}; {@code bench/run.sh} prepares the machine and runs it.
 */
public final class LocalBench {
    static final String BUSYBOX_IMAGE = "berth/busybox:latest";
    static final String PYTHON_IMAGE = "berth/python:3.11";
    static final double CREATE_P50_TARGET_MS = 1000;
    static final double THROUGHPUT_RATIO_TARGET = 0.8;
    private static final String BUSYBOX_HTTPD = "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www";
    /**
     * HTTP/1.1 keep-alive with Content-Length, one thread per connection, Nagle off (headers and body are two
     * writes; with Nagle a delayed ACK would add 40 ms) and a listen backlog above the client's connections.
     */
    static final String PYTHON_SERVER = String.join("\n",
            "import http.server",
            "class H(http.server.BaseHTTPRequestHandler):",
            "    protocol_version = 'HTTP/1.1'",
            "    disable_nagle_algorithm = True",
            "    def do_GET(self):",
            "        body = b'ok\\n'",
            "        self.send_response(200)",
            "        self.send_header('Content-Type', 'text/plain')",
            "        self.send_header('Content-Length', str(len(body)))",
            "        self.end_headers()",
            "        self.wfile.write(body)",
            "    def log_message(self, *args):",
            "        pass",
            "class S(http.server.ThreadingHTTPServer):",
            "    request_queue_size = 256",
            "    daemon_threads = True",
            "S(('0.0.0.0', 8080), H).serve_forever()",
            "");

    private final Options options;
    private final LocalPlatform platform;
    private final BenchApi api;
    private final DockerClient docker;
    private final List<String> notes = new ArrayList<>();

    private LocalBench(Options options, LocalPlatform platform, DockerClient docker) {
        this.options = options;
        this.platform = platform;
        this.api = new BenchApi(platform.apiUri(), platform.home(), platform.ca().clientSslContext());
        this.docker = docker;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path home = Files.createTempDirectory("berth-bench-");
        boolean python = options.python && imageExists(PYTHON_IMAGE);
        writeBaseImageMap(home, python);
        LocalConfig config = LocalConfig.fromEnv(System.getenv()).withHome(home).withPorts(0, 0);
        Instant started = Instant.now();
        try (LocalPlatform platform = LocalPlatform.start(config); DockerClient docker = DockerClients.connect(System.getenv())) {
            LocalBench bench = new LocalBench(options, platform, docker);
            if (options.python && !python) {
                bench.notes.add("Python rows skipped: the engine has no " + PYTHON_IMAGE + " (run scripts/base-images.sh).");
            }
            bench.run(python, started);
        }
    }

    private void run(boolean python, Instant started) {
        List<CreateRow> rows = new ArrayList<>();
        PodSpec busybox = PodSpec.builder().image(ImageSpec.builder().base("busybox:latest").build())
                .entrypoint("sh", "-c", BUSYBOX_HTTPD).ports(8080).build();
        rows.add(createToFirst200("busybox httpd", busybox));
        rows.add(engineFloor("  engine only (ref.)", busybox));
        PodSpec pythonSpec = PodSpec.builder().image(ImageSpec.builder().base("python:3.12-slim").build())
                .entrypoint("python3", "-c", PYTHON_SERVER).ports(8080).build();
        if (python) {
            rows.add(createToFirst200("python http.server", pythonSpec));
            rows.add(engineFloor("  engine only (ref.)", pythonSpec));
        }
        RouterResult router = python ? routerOverhead(pythonSpec) : null;
        if (!python) {
            notes.add("Router overhead skipped: it needs the Python keep-alive backend (busybox httpd closes every connection).");
        }
        String table = render(rows, router, started);
        System.out.print(table);
        System.out.flush();
    }

    // ---- 1. create -> first 200

    /** One row of the create table: end-to-end times plus where they went, by the platform's own timestamps. */
    record CreateRow(String name, Samples total, Samples post, Samples toRunning, Samples runningTo200, boolean target) {
    }

    private CreateRow createToFirst200(String name, PodSpec spec) {
        String json = Json.write(spec);
        progress("%s: warming the image cache with one pod", name);
        String warm = api.create(json).path("id").asText();
        api.awaitFirst200(url(api.awaitStatus(warm, Duration.ofMinutes(10), "RUNNING")), Duration.ofSeconds(60), 10);
        api.stop(warm);
        Samples total = new Samples();
        Samples post = new Samples();
        Samples toRunning = new Samples();
        Samples runningTo200 = new Samples();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < options.pods; i++) {
            long t0 = System.nanoTime();
            JsonNode created = api.create(json);
            long t1 = System.nanoTime();
            String id = created.path("id").asText();
            api.awaitFirst200(url(created), Duration.ofSeconds(120), options.pollMillis);
            long t2 = System.nanoTime();
            Instant ok = Instant.now();
            ids.add(id);
            JsonNode pod = api.pod(id);
            Instant createdAt = Instant.parse(pod.path("createdAt").asText());
            Instant runningSince = Instant.parse(pod.path("runningSince").asText());
            total.add(t2 - t0);
            post.add(t1 - t0);
            toRunning.add(Duration.between(createdAt, runningSince).toNanos());
            runningTo200.add(Duration.between(runningSince, ok).toNanos());
            progress("%s: pod %d/%d %s first 200 after %.0f ms", name, i + 1, options.pods, id, (t2 - t0) / 1e6);
        }
        for (String id : ids) {
            api.stop(id);
        }
        for (String id : ids) {
            api.awaitStatus(id, Duration.ofSeconds(60), "STOPPED");
        }
        return new CreateRow(name, total, post, toRunning, runningTo200, true);
    }

    /**
     * The engine alone: create and start the pod's cached image on the pods' network with docker-java (with an
     * init, as the runtime does; without Berth's other limits), then poll the container's port directly until
     * the first 200. The difference to the row above is what Berth adds.
     */
    private CreateRow engineFloor(String name, PodSpec spec) {
        String image = DockerImageBuilder.REPOSITORY + ":" + dev.berth.image.ImageId.of(spec.image()).value();
        BenchApi direct = api;
        Samples total = new Samples();
        for (int i = 0; i < options.pods; i++) {
            long t0 = System.nanoTime();
            String id = docker.createContainerCmd(image).withEntrypoint(spec.entrypoint())
                    .withLabels(Map.of("dev.berth.bench", "true"))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("berth").withInit(true)).exec().getId();
            try {
                docker.startContainerCmd(id).exec();
                String ip = containerIp(id);
                direct.awaitFirst200("http://" + ip + ":8080/", Duration.ofSeconds(120), options.pollMillis);
                total.add(System.nanoTime() - t0);
            } finally {
                docker.removeContainerCmd(id).withForce(true).exec();
            }
        }
        progress("%s: p50 %.0f ms", name.strip(), total.percentileMillis(50));
        return new CreateRow(name, total, null, null, null, false);
    }

    // ---- 2. router overhead

    static final String DIRECT = "direct";
    static final String ROUTER = "router";
    static final String TLS_ONLY = "tls-only";
    private static final Map<String, String> PATH_NAMES = Map.of(DIRECT, "direct (http, IP)", ROUTER, "router (https, URL)",
            TLS_ONLY, "  tls-only (ref.)");

    record RouterResult(Load.Result direct, Load.Result router, Load.Result tlsOnly, List<Load.Result> rounds, String backend) {
        double ratio() {
            return router.requestsPerSecond() / direct.requestsPerSecond();
        }
    }

    private RouterResult routerOverhead(PodSpec spec) {
        progress("router: starting the Python keep-alive backend");
        String id = api.create(Json.write(spec.toBuilder().keepWarmSeconds(-1).build())).path("id").asText();
        JsonNode pod = api.awaitStatus(id, Duration.ofMinutes(5), "RUNNING");
        String routed = url(pod);
        api.awaitFirst200(routed, Duration.ofSeconds(60), 10);
        String containerId = docker.inspectContainerCmd(pod.path("runtimeRef").asText()).exec().getId();
        String direct = "http://" + containerIp(containerId) + ":8080/";
        SSLContext tls = platform.ca().clientSslContext();
        Load load = new Load(tls, options.connections, new CpuMeter(containerId));
        Duration warm = Duration.ofSeconds(options.warmupSeconds);
        Duration settle = Duration.ofSeconds(Math.min(2, options.warmupSeconds));
        Duration measure = Duration.ofSeconds(options.seconds);
        List<Load.Result> rounds = new ArrayList<>();
        try (TlsOnlyServer tlsOnly = new TlsOnlyServer(platform.ca(), Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())))) {
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put(DIRECT, direct);
            targets.put(ROUTER, routed);
            targets.put(TLS_ONLY, tlsOnly.url(platform.ca().domain()));
            // A discarded first pass over every path: the JIT compiles the router's and the client's paths here,
            // so the first measured router run is not slower than the later ones.
            for (Map.Entry<String, String> target : targets.entrySet()) {
                Load.Result r = load.run(target.getKey(), target.getValue(), Duration.ZERO, warm);
                progress("router: warm-up %s %.0f req/s (not counted)", target.getKey(), r.requestsPerSecond());
            }
            for (int round = 0; round < options.rounds; round++) {
                for (Map.Entry<String, String> target : targets.entrySet()) {
                    Load.Result r = load.run(target.getKey(), target.getValue(), settle, measure);
                    rounds.add(r);
                    progress("router: round %d %s %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors; top threads %s", round + 1,
                            target.getKey(), r.requestsPerSecond(), r.latencies().percentileMillis(50),
                            r.latencies().percentileMillis(99), r.errors(), CpuMeter.topThreads(r.cpuNanos(), 6));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("The router measurement failed", e);
        } finally {
            api.stop(id);
        }
        return new RouterResult(combine(DIRECT, rounds), combine(ROUTER, rounds), combine(TLS_ONLY, rounds), rounds,
                "Python ThreadingHTTPServer, HTTP/1.1 keep-alive, 3-byte body; direct " + direct + " vs " + routed);
    }

    private static Load.Result combine(String target, List<Load.Result> rounds) {
        List<Load.Result> mine = rounds.stream().filter(r -> r.target().equals(target)).toList();
        return new Load.Result(target, mine.stream().mapToLong(Load.Result::requests).sum(),
                mine.stream().mapToLong(Load.Result::errors).sum(), mine.stream().mapToDouble(Load.Result::seconds).sum(),
                Samples.merge(mine.stream().map(Load.Result::latencies).toList()),
                mine.stream().map(Load.Result::cpuNanos).reduce(LocalBench::sum).orElse(Map.of()));
    }

    private static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> s = new LinkedHashMap<>();
        a.forEach((k, v) -> {
            if (b.containsKey(k)) {
                s.put(k, v + b.get(k));
            }
        });
        return s;
    }

    // ---- the table

    private String render(List<CreateRow> rows, RouterResult router, Instant started) {
        StringBuilder out = new StringBuilder();
        Runtime rt = Runtime.getRuntime();
        out.append(String.format(Locale.ROOT, "Berth local benchmark, %s UTC (%.0f s), %d CPUs, %s %s, JDK %s, host %s%n",
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").format(started.atZone(ZoneOffset.UTC)),
                Duration.between(started, Instant.now()).toMillis() / 1000.0, rt.availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"), Runtime.version(), hostName()));
        out.append(String.format(Locale.ROOT, "%n1. create -> first 200 through the HTTPS URL, cached image, %d pods one after another (ms)%n",
                options.pods));
        out.append(String.format(Locale.ROOT, "%-22s %6s %6s %6s %6s   %8s %10s %12s   %s%n",
                "pod", "min", "p50", "p95", "max", "POST p50", "->RUNNING", "RUNNING->200", "target p50 <= 1000 ms"));
        for (CreateRow row : rows) {
            out.append(String.format(Locale.ROOT, "%-22s %6.0f %6.0f %6.0f %6.0f   %8s %10s %12s   %s%n", row.name(),
                    row.total().minMillis(), row.total().percentileMillis(50), row.total().percentileMillis(95), row.total().maxMillis(),
                    p50(row.post()), p50(row.toRunning()), p50(row.runningTo200()),
                    row.target() ? verdict(row.total().percentileMillis(50) <= CREATE_P50_TARGET_MS) : "-"));
        }
        out.append("  POST p50: the API call alone; ->RUNNING: createdAt to runningSince in the pod's record;\n");
        out.append("  RUNNING->200: runningSince to the client's first 200 (route publish + client poll every ")
                .append(options.pollMillis).append(" ms).\n");
        if (router != null) {
            out.append(String.format(Locale.ROOT, "%n2. router overhead: %d connections, keep-alive, %d x %d s per path, alternated,"
                    + " after a %d s warm-up pass per path (+%d s before each run)%n",
                    options.connections, options.rounds, options.seconds, options.warmupSeconds, Math.min(2, options.warmupSeconds)));
            out.append("   backend: ").append(router.backend()).append('\n');
            out.append(String.format(Locale.ROOT, "%-22s %9s %8s %8s %7s   %s%n", "path", "req/s", "p50 ms", "p99 ms", "errors", "per round req/s"));
            for (Load.Result r : List.of(router.direct(), router.router(), router.tlsOnly())) {
                String perRound = String.join(" ", router.rounds().stream().filter(x -> x.target().equals(r.target()))
                        .map(x -> String.format(Locale.ROOT, "%.0f", x.requestsPerSecond())).toList());
                out.append(String.format(Locale.ROOT, "%-22s %9.0f %8.2f %8.2f %7d   %s%n",
                        PATH_NAMES.get(r.target()), r.requestsPerSecond(),
                        r.latencies().percentileMillis(50), r.latencies().percentileMillis(99), r.errors(), perRound));
            }
            out.append(String.format(Locale.ROOT, "router/direct throughput %.2f   target >= %.2f   %s%n", router.ratio(),
                    THROUGHPUT_RATIO_TARGET, verdict(router.ratio() >= THROUGHPUT_RATIO_TARGET)));
            out.append(String.format(Locale.ROOT, "router - direct latency  p50 +%.2f ms, p99 +%.2f ms%n",
                    router.router().latencies().percentileMillis(50) - router.direct().latencies().percentileMillis(50),
                    router.router().latencies().percentileMillis(99) - router.direct().latencies().percentileMillis(99)));
            out.append(String.format(Locale.ROOT, "CPU per request (us): %-8s %8s %8s %8s %8s %8s%n", "path",
                    "client", "router", "backend", "jvm", "machine"));
            for (Load.Result r : List.of(router.direct(), router.router(), router.tlsOnly())) {
                out.append(String.format(Locale.ROOT, "                      %-8s %8.0f %8.0f %8.0f %8.0f %8.0f%n", r.target(),
                        r.cpuMicrosPerRequest(CpuMeter.CLIENT), r.cpuMicrosPerRequest(CpuMeter.ROUTER),
                        r.cpuMicrosPerRequest(CpuMeter.BACKEND), r.cpuMicrosPerRequest(CpuMeter.JVM),
                        r.cpuMicrosPerRequest(CpuMeter.MACHINE)));
            }
            out.append("  tls-only: a Vert.x HTTPS server with the router's TLS settings answering itself (no proxying, no pod).\n");
            out.append("  client: the load threads + HttpClient threads; router: Vert.x event loops; backend: the pod's cgroup;\n")
                    .append("  jvm: this whole process; machine: all cores, other processes included (the machine is shared).\n");
        }
        notes.forEach(n -> out.append("note: ").append(n).append('\n'));
        return out.toString();
    }

    private static String p50(Samples samples) {
        return samples == null ? "-" : String.format(Locale.ROOT, "%.0f", samples.percentileMillis(50));
    }

    private static String verdict(boolean met) {
        return met ? "PASS" : "MISS";
    }

    // ---- helpers

    private static String url(JsonNode pod) {
        return pod.path("urls").path("8080").asText();
    }

    private String containerIp(String containerId) {
        Map<String, ContainerNetwork> networks = docker.inspectContainerCmd(containerId).exec().getNetworkSettings().getNetworks();
        return networks.values().stream().map(ContainerNetwork::getIpAddress).filter(ip -> ip != null && !ip.isBlank())
                .findFirst().orElseThrow(() -> new IllegalStateException("Container " + containerId + " has no IP address"));
    }

    private static boolean imageExists(String image) {
        try (DockerClient docker = DockerClients.connect(System.getenv())) {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mapping bench/run.sh's base images need: public base names to the locally built images. */
    private static void writeBaseImageMap(Path home, boolean python) throws IOException {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("busybox\\:latest", BUSYBOX_IMAGE);
        map.put("busybox", BUSYBOX_IMAGE);
        if (python) {
            map.put("python\\:3.12-slim", PYTHON_IMAGE);
        }
        StringBuilder text = new StringBuilder();
        map.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(home.resolve("base-images.properties"), text);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void progress(String format, Object... args) {
        System.err.printf(Locale.ROOT, "bench: " + format + "%n", args);
    }

    /** Command-line options, {@code --name=value}. */
    record Options(int pods, int connections, int seconds, int warmupSeconds, int rounds, long pollMillis, boolean python) {
        private static final Set<String> NAMES = Set.of("pods", "connections", "seconds", "warmup-seconds", "rounds", "poll-ms");

        Options {
            require(pods >= 1, "--pods", pods, "give at least 1");
            require(connections >= 1 && connections <= 1024, "--connections", connections, "give 1 to 1024");
            require(seconds >= 1, "--seconds", seconds, "give at least 1");
            require(warmupSeconds >= 0, "--warmup-seconds", warmupSeconds, "give 0 or more");
            require(rounds >= 1, "--rounds", rounds, "give at least 1");
            require(pollMillis >= 1 && pollMillis <= 1000, "--poll-ms", pollMillis, "give 1 to 1000");
        }

        static Options parse(String[] args) {
            Map<String, Integer> values = new LinkedHashMap<>(Map.of("pods", 20, "connections", 16, "seconds", 10,
                    "warmup-seconds", 5, "rounds", 2, "poll-ms", 10));
            boolean python = true;
            for (String arg : args) {
                if (arg.equals("--no-python")) {
                    python = false;
                    continue;
                }
                int eq = arg.indexOf('=');
                String name = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : null;
                if (name == null || !NAMES.contains(name)) {
                    throw new IllegalArgumentException("Unknown argument '" + arg + "'; use --pods=N, --connections=N, --seconds=N, "
                            + "--warmup-seconds=N, --rounds=N, --poll-ms=N or --no-python");
                }
                try {
                    values.put(name, Integer.parseInt(arg.substring(eq + 1)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--" + name + " is '" + arg.substring(eq + 1) + "'; give a whole number", e);
                }
            }
            return new Options(values.get("pods"), values.get("connections"), values.get("seconds"), values.get("warmup-seconds"),
                    values.get("rounds"), values.get("poll-ms"), python);
        }

        private static void require(boolean ok, String name, long value, String fix) {
            if (!ok) {
                throw new IllegalArgumentException(name + " is " + value + "; " + fix);
            }
        }
    }
}
