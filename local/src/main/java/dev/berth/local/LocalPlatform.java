package dev.berth.local;

import com.github.dockerjava.api.DockerClient;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.api.RestApi;
import dev.berth.internal.Json;
import dev.berth.local.api.ApiToken;
import dev.berth.local.api.LocalApiServer;
import dev.berth.local.docker.BaseImages;
import dev.berth.local.docker.DockerClients;
import dev.berth.local.docker.DockerImageBuilder;
import dev.berth.local.docker.DockerPodRuntime;
import dev.berth.local.docker.DockerRuntimeConfig;
import dev.berth.local.net.LocalCa;
import dev.berth.local.route.RouteMissHandler;
import dev.berth.local.route.VertxRouter;
import dev.berth.local.store.SqlitePodStore;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodId;
import dev.berth.pod.PodService;
import dev.berth.pod.PodStatus;
import dev.berth.templates.BuiltInTemplates;
import dev.berth.route.Route;
import dev.berth.route.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded platform in one process: Docker builder and runtime, HTTPS router, reaper, SQLite store and
 * the REST API on loopback, wired around one {@link PodService}.
 *
 * <pre>{@code
 * try (LocalPlatform platform = LocalPlatform.start(LocalConfig.fromEnv(System.getenv()))) {
 *     System.out.println("API " + platform.apiUri() + ", trust " + platform.caCertificate());
 *     platform.awaitShutdown();
 * }
 * }</pre>
 *
 * <p>Starting recovers what an earlier process left: running containers are re-adopted and their URLs
 * served again, pods whose container vanished are marked LOST. One platform runs per home directory.
 */
public final class LocalPlatform implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalPlatform.class);
    /** The file that tells clients where a running platform listens. */
    public static final String INSTANCE_FILE = "platform.json";

    private final LocalConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final DockerClient docker;
    private final ExecutorService executor;
    private final ScheduledExecutorService reaper;
    private final SqlitePodStore store;
    private final DockerPodRuntime runtime;
    private final VertxRouter router;
    private final PodService service;
    private final LocalApiServer api;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private LocalPlatform(LocalConfig config) {
        this.config = config;
        Path home = createHome(config.home());
        this.lockChannel = open(home.resolve("platform.lock"));
        this.lock = tryLock(lockChannel, home);
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("berth-", 0).factory());
        this.docker = DockerClients.connect(config.env());
        this.store = SqlitePodStore.inHome(home);
        PodEvents.Relay events = new PodEvents.Relay();
        BaseImages bases = BaseImages.load(home.resolve(BaseImages.FILE_NAME), Map.of(), docker);
        DockerImageBuilder builder = new DockerImageBuilder(docker, bases, events, executor);
        this.runtime = new DockerPodRuntime(docker, events, DockerRuntimeConfig.builder().owner(ownerId(home))
                .probeImage(bases.resolve("busybox:latest")).build());
        LocalCa ca = LocalCa.open(home.resolve("tls"), config.domain(), Clock.systemUTC());
        RouteBook routes = new RouteBook();
        this.router = VertxRouter.builder(ca)
                .port(config.routerPort())
                .routeMissHandler(new Waker(routes))
                .routeMissTimeout(config.wakeTimeout())
                .build()
                .start();
        routes.delegate = router;
        this.service = new PodService(store, builder, runtime, routes, router, router.urls(), Clock.systemUTC(), executor);
        events.bind(service);
        service.recover();
        this.reaper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("berth-reaper").daemon().factory());
        reaper.scheduleWithFixedDelay(this::reapOnce, config.reapInterval().toMillis(), config.reapInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        RestApi restApi = new RestApi(service, new BuiltInTemplates());
        this.api = LocalApiServer.builder()
                .handler(restApi::handle)
                .token(ApiToken.loadOrCreate(home))
                .port(config.apiPort())
                .start();
        writeInstanceFile(home);
        log.info("Berth is up: API {}, pods at https://<pod>-<port>.{}:{}, CA {}", api.uri(), config.domain(), router.port(),
                ca.caCertificatePath());
    }

    /** Starts the platform; returns when the API and router accept connections. */
    public static LocalPlatform start(LocalConfig config) {
        return new LocalPlatform(config);
    }

    private void reapOnce() {
        try {
            int reaped = service.reapIdle();
            if (reaped > 0) {
                log.debug("Reaped {} idle pod(s)", reaped);
            }
        } catch (RuntimeException e) {
            log.warn("Reaper pass failed; retrying at the next tick", e);
        }
    }

    /**
     * Wakes deployments at zero for the router: requests that miss a route for a deployment's label are held
     * while one pod starts (concurrent misses of one label share one wait), and get its route once it runs.
     * An authorized deployment asks for its token before anything starts.
     */
    private final class Waker implements RouteMissHandler {
        private final RouteBook routes;
        private final ConcurrentHashMap<String, CompletableFuture<Optional<Route>>> waking = new ConcurrentHashMap<>();

        Waker(RouteBook routes) {
            this.routes = routes;
        }

        @Override
        public CompletionStage<Optional<String>> requiredTokenHash(String label) {
            if (PodId.looksLikePodId(label)) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return CompletableFuture.supplyAsync(() -> store.findDeployment(label)
                    .filter(d -> d.spec().authorized())
                    .map(d -> d.authTokenHash() == null ? "" : d.authTokenHash()), executor);
        }

        @Override
        public CompletionStage<Optional<Route>> onMiss(String label) {
            if (PodId.looksLikePodId(label)) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            CompletableFuture<Optional<Route>> mine = new CompletableFuture<>();
            CompletableFuture<Optional<Route>> shared = waking.putIfAbsent(label, mine);
            if (shared != null) {
                return shared.copy();
            }
            executor.execute(() -> {
                try {
                    mine.complete(wake(label, routes));
                } catch (RuntimeException e) {
                    mine.completeExceptionally(e);
                } finally {
                    waking.remove(label, mine);
                }
            });
            return mine.copy();
        }
    }

    /**
     * Serves a request to a label without a route: a deployment at zero is woken and the request held until
     * its pod runs. A pod that ends before it runs is woken again while time remains (a reaped pod that was
     * still stopping when the request came); a pod that fails is reported with its message.
     */
    private Optional<Route> wake(String label, RouteBook routes) {
        if (store.findDeployment(label).isEmpty()) {
            return Optional.empty();
        }
        Instant deadline = Instant.now().plus(config.wakeTimeout());
        Pod pod = service.wake(label);
        while (Instant.now().isBefore(deadline)) {
            Pod current = service.get(pod.id());
            Route route = routes.byPod.get(pod.id());
            if (current.status() == PodStatus.RUNNING && route != null) {
                return Optional.of(route);
            }
            if (current.status() == PodStatus.FAILED) {
                throw new BerthServiceException(ErrorCode.UNAVAILABLE, "its pod " + pod.id() + " failed: " + current.message(), null);
            }
            if (current.status() == PodStatus.STOPPED && current.stopReason() == dev.berth.pod.StopReason.EXITED) {
                throw new BerthServiceException(ErrorCode.UNAVAILABLE, "its pod " + pod.id() + " exited with code "
                        + current.exitCode() + " before it answered; see 'berth logs " + pod.id() + "'", null);
            }
            if (current.status().isTerminal() || current.status() == PodStatus.STOPPING) {
                if (store.findDeployment(label).isEmpty()) {
                    return Optional.empty();
                }
                pod = service.wake(label);
            }
            sleep(Duration.ofMillis(25));
        }
        throw new BerthServiceException(ErrorCode.UNAVAILABLE, "its pod " + pod.id() + " did not become ready within "
                + config.wakeTimeout().toSeconds() + " s; it keeps starting, try again shortly", null);
    }

    public PodService service() {
        return service;
    }

    public URI apiUri() {
        return api.uri();
    }

    public int routerPort() {
        return router.port();
    }

    public Path home() {
        return config.home();
    }

    public Path caCertificate() {
        return router.ca().caCertificatePath();
    }

    public LocalCa ca() {
        return router.ca();
    }

    /** Blocks until {@link #close()} is called (by a shutdown hook, say). */
    public void awaitShutdown() {
        closed.join();
    }

    @Override
    public void close() {
        if (closed.isDone()) {
            return;
        }
        log.info("Berth is stopping; running pods keep running and are re-adopted at the next start");
        reaper.shutdownNow();
        api.close();
        router.close();
        runtime.close();
        executor.shutdownNow();
        store.close();
        try {
            Files.deleteIfExists(config.home().resolve(INSTANCE_FILE));
            docker.close();
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("Could not release the platform's files cleanly", e);
        }
        closed.complete(null);
    }

    /** Where a running platform listens, as written to {@value #INSTANCE_FILE}. */
    public record Instance(long pid, URI api, int routerPort, String domain, String caCertificate) {
        public static Optional<Instance> read(Path home) {
            Path file = home.resolve(INSTANCE_FILE);
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            try {
                return Optional.of(Json.read(Files.readString(file), Instance.class));
            } catch (IOException | UncheckedIOException e) {
                return Optional.empty();
            }
        }

        /** Whether the process that wrote this is still alive. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean isAlive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private void writeInstanceFile(Path home) {
        Instance instance = new Instance(ProcessHandle.current().pid(), api.uri(), router.port(), config.domain(),
                caCertificate().toString());
        try {
            Path tmp = home.resolve(INSTANCE_FILE + ".tmp");
            Files.writeString(tmp, Json.write(instance));
            Files.move(tmp, home.resolve(INSTANCE_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + home.resolve(INSTANCE_FILE), e);
        }
    }

    private static Path createHome(Path home) {
        try {
            if (!Files.isDirectory(home)) {
                Files.createDirectories(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Berth home " + home + "; set BERTH_HOME to a writable directory", e);
        }
    }

    /**
     * This home's platform id, made once: containers carry it, so platforms with other homes on the same engine
     * (another user, a test) never adopt or remove this one's pods.
     */
    private static String ownerId(Path home) {
        Path file = home.resolve("platform-id");
        try {
            if (Files.exists(file)) {
                return Files.readString(file).strip();
            }
            String id = "b" + java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(6));
            Files.writeString(file, id + "\n");
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create " + file, e);
        }
    }

    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open " + file, e);
        }
    }

    private static FileLock tryLock(FileChannel channel, Path home) {
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new BerthServiceException(ErrorCode.CONFLICT, "Another Berth platform runs with home " + home
                        + "; use it ('berth container list'), stop it, or set BERTH_HOME to another directory", null);
            }
            return lock;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock " + home, e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted while waking a deployment", e);
        }
    }

    /** Passes routes to the router and remembers them by pod, so a woken deployment's held request finds its route. */
    private static final class RouteBook implements Router {
        private volatile Router delegate;
        private final Map<PodId, Route> byPod = new ConcurrentHashMap<>();

        @Override
        public void publish(Route route) {
            byPod.put(route.podId(), route);
            delegate.publish(route);
        }

        @Override
        public void withdraw(PodId podId) {
            byPod.remove(podId);
            delegate.withdraw(podId);
        }
    }
}
