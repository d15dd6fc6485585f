package dev.berth.pod;

import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import dev.berth.NotFoundException;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuilder;
import dev.berth.image.ImageId;
import dev.berth.reap.Activity;
import dev.berth.reap.ActivitySource;
import dev.berth.reap.KeepWarmPolicy;
import dev.berth.route.AuthToken;
import dev.berth.route.Route;
import dev.berth.route.Router;
import dev.berth.route.UrlScheme;
import dev.berth.run.Endpoint;
import dev.berth.run.PodRuntime;
import dev.berth.run.RuntimeState;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives pods through their lifecycle over the ports: builds their image, starts their container, publishes
 * their URLs, stops them on request, on exit or when idle, and keeps deployments' URLs stable.
 *
 * <p>Every change of a pod record is a compare-and-set on its version: when a user's stop and the reaper
 * race, one wins and the other sees a stopping pod, so there is one stop and one STOPPED record. Events from
 * adapters ({@link PodEvents}) are idempotent: a late or repeated event changes nothing.
 *
 * <p>Thread-safe. Long work (a container start) runs on the executor given at construction, so
 * {@link #create} returns the PENDING pod at once.
 */
public final class PodService implements PodEvents {
    private static final Logger log = LoggerFactory.getLogger(PodService.class);
    private static final int MAX_CAS_ATTEMPTS = 64;
    private static final Set<PodStatus> STARTED = EnumSet.of(PodStatus.STARTING, PodStatus.RUNNING);

    private final PodStore store;
    private final ImageBuilder builder;
    private final PodRuntime runtime;
    private final Router router;
    private final ActivitySource activity;
    private final UrlScheme urls;
    private final Clock clock;
    private final Executor executor;

    public PodService(PodStore store, ImageBuilder builder, PodRuntime runtime, Router router, ActivitySource activity,
                      UrlScheme urls, Clock clock, Executor executor) {
        this.store = Objects.requireNonNull(store, "store");
        this.builder = Objects.requireNonNull(builder, "builder");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.router = Objects.requireNonNull(router, "router");
        this.activity = Objects.requireNonNull(activity, "activity");
        this.urls = Objects.requireNonNull(urls, "urls");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** The URL scheme of this platform's pods. */
    public UrlScheme urlScheme() {
        return urls;
    }

    // ---- pods ------------------------------------------------------------------------------------------

    /**
     * A record just made, with the clear-text token that opens its URLs: the only time anyone learns it (the
     * platform keeps its SHA-256).
     *
     * @param authToken the new token, or {@code null} when none was issued (the spec is not {@code authorized},
     *                  or an existing deployment keeps the token it already has)
     */
    public record Issued<T>(T value, String authToken) {
        public Issued {
            Objects.requireNonNull(value, "value");
        }

        /** Hides the token: an issued value may end up in a log line. */
        @Override
        public String toString() {
            return "Issued[value=" + value + ", authToken=" + (authToken == null ? "none" : "***") + "]";
        }
    }

    /**
     * Accepts a pod: checks what the builder and runtime can check now (nothing is stored if that fails),
     * stores it PENDING, and goes on building and starting it in the background. For an {@code authorized}
     * spec use {@link #createWithToken}: this method drops the token, so nobody could open the pod.
     */
    public Pod create(PodSpec spec) {
        return createWithToken(spec).value();
    }

    /**
     * {@link #create}, returning with the pod the token that opens its URLs when the spec is {@code authorized}
     * (a new random one per pod, see {@link AuthToken}); only its hash is stored.
     */
    public Issued<Pod> createWithToken(PodSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.name() != null) {
            throw new InvalidSpecException("name", "A pod with a name is a deployment; deploy it (POST /v1/deployments, "
                    + "'berth deploy') or leave out name '" + spec.name() + "' to run an anonymous pod");
        }
        validate(spec);
        String token = spec.authorized() ? AuthToken.generate() : null;
        return new Issued<>(launch(spec, null, PodId.random(), token == null ? null : AuthToken.hash(token)), token);
    }

    /** Stores a new PENDING pod of an already validated spec and starts advancing it. */
    private Pod launch(PodSpec spec, String deployment, PodId id, String authTokenHash) {
        String label = deployment != null ? deployment : id.value();
        Pod pod = store.create(Pod.pending(id, spec, deployment, urls.urls(label, spec.ports()), clock.instant(),
                spec.authorized() ? authTokenHash : null));
        log.debug("Created podId={} imageId={} deployment={}", id, pod.imageId().shortValue(), deployment);
        executor.execute(() -> advance(id));
        return pod;
    }

    private void validate(PodSpec spec) {
        builder.validate(spec.image());
        runtime.validate(spec);
    }

    public Pod get(PodId id) {
        return find(id).orElseThrow(() -> podNotFound(id));
    }

    public Optional<Pod> find(PodId id) {
        return store.find(id);
    }

    public List<Pod> list(PodQuery query) {
        return store.list(query);
    }

    /**
     * Stops a pod and records why. Idempotent: stopping a stopped pod returns it unchanged, and of two
     * racing stops exactly one stops the container.
     */
    public Pod stop(PodId id, StopReason reason) {
        Objects.requireNonNull(reason, "reason");
        Instant now = clock.instant();
        Optional<Pod> stopping = transition(id, p -> p.status().isTerminal() || p.status() == PodStatus.STOPPING ? null
                : p.withStop(reason, null, stopMessage(reason)).moveTo(PodStatus.STOPPING, now));
        if (stopping.isEmpty()) {
            return get(id);
        }
        log.debug("Stopping podId={} reason={}", id, reason);
        return finishStop(stopping.get());
    }

    private static String stopMessage(StopReason reason) {
        return switch (reason) {
            case USER -> "Stopped by a user";
            case IDLE -> "Stopped after keep-warm seconds without connections";
            case EXITED -> "Entrypoint exited";
            case FAILED -> "Failed";
            case LOST -> "Container lost";
        };
    }

    private Pod finishStop(Pod stopping) {
        router.withdraw(stopping.id());
        if (stopping.runtimeRef() != null) {
            try {
                runtime.stop(stopping.runtimeRef());
            } catch (RuntimeException e) {
                throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Could not stop the container of pod " + stopping.id()
                        + ": " + e.getMessage() + "; it stays STOPPING and is retried at the next recovery", e);
            }
        }
        Instant now = clock.instant();
        return transition(stopping.id(), p -> p.status() == PodStatus.STOPPING ? p.moveTo(PodStatus.STOPPED, now) : null)
                .orElseGet(() -> get(stopping.id()));
    }

    /**
     * The pod's container output. Empty for a pod whose container has not started (see its image's build
     * log) or has been removed.
     */
    public Stream<String> logs(PodId id, boolean follow) {
        Pod pod = get(id);
        if (pod.runtimeRef() == null) {
            return Stream.empty();
        }
        return runtime.logs(pod.runtimeRef(), follow && pod.status().isActive());
    }

    public ImageBuild image(ImageId id) {
        ImageBuild build = builder.status(id);
        if (build.status() == dev.berth.image.ImageBuildStatus.UNKNOWN) {
            throw new NotFoundException("No image " + id + " was ever built or asked for; image ids are listed in each pod's 'imageId'");
        }
        return build;
    }

    // ---- deployments -----------------------------------------------------------------------------------

    /**
     * Creates or updates a named deployment and starts its pod. An update with the same spec while its pod
     * is active changes nothing; a new spec starts a new pod that takes over the URLs, then stops the old one.
     * Use {@link #deployWithToken} for an {@code authorized} spec: this method drops a newly issued token.
     */
    public Deployment deploy(PodSpec spec) {
        return deployWithToken(spec).value();
    }

    /**
     * {@link #deploy}, returning the token that opens the deployment's URLs when this call issued one: on the
     * first deploy of an {@code authorized} spec (or the first that makes it authorized). The token then stays
     * the deployment's across wakes and new specs; {@link #rotateToken} replaces it.
     */
    public Issued<Deployment> deployWithToken(PodSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.name() == null) {
            throw new InvalidSpecException("name", "A deployment needs a name; set name (e.g. \"my-notebook\"): its URLs are https://<name>-<port>."
                    + urls.domain());
        }
        validate(spec);
        String name = spec.name();
        Instant now = clock.instant();
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            Optional<Deployment> existing = store.findDeployment(name);
            if (existing.isEmpty()) {
                String token = spec.authorized() ? AuthToken.generate() : null;
                try {
                    store.createDeployment(new Deployment(name, spec, null, urls.urls(name, spec.ports()), now, now, 0,
                            token == null ? null : AuthToken.hash(token)));
                } catch (IllegalStateException raced) {
                    continue;
                }
                return new Issued<>(startDeploymentPod(name).deployment(), token);
            }
            Deployment current = existing.get();
            Optional<Pod> currentPod = Optional.ofNullable(current.currentPod()).flatMap(store::find);
            if (current.spec().equals(spec) && current.authTokenHash() != null == spec.authorized()
                    && currentPod.map(p -> p.status().isActive()).orElse(false)) {
                return new Issued<>(current, null);
            }
            String token = spec.authorized() && current.authTokenHash() == null ? AuthToken.generate() : null;
            Deployment next = current.withCurrentPod(current.currentPod(), spec, urls.urls(name, spec.ports()), now);
            if (token != null) {
                next = next.withAuthTokenHash(AuthToken.hash(token), now);
            }
            if (store.updateDeployment(current, next).isEmpty()) {
                continue;
            }
            Launched launched = startDeploymentPod(name);
            currentPod.filter(p -> !p.id().equals(launched.pod().id()) && p.status().isActive())
                    .ifPresent(old -> stop(old.id(), StopReason.USER));
            return new Issued<>(launched.deployment(), token);
        }
        throw contention("deployment " + name);
    }

    /**
     * Gives an {@code authorized} deployment a new token; the old one stops working at once. The deployment's
     * running pod keeps running when the router can change its route's hash in place, else it is stopped (the
     * next request wakes a pod that takes the new token).
     *
     * @throws BerthClientException {@code INVALID_REQUEST} if the deployment's spec is not {@code authorized}
     */
    public Issued<Deployment> rotateToken(String name) {
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            Deployment current = deployment(name);
            if (!current.spec().authorized()) {
                throw new dev.berth.BerthClientException(ErrorCode.INVALID_REQUEST, "authorized", "Deployment '" + name
                        + "' is not authorized, so it has no token to rotate; deploy it with \"authorized\": true first");
            }
            String token = AuthToken.generate();
            String hash = AuthToken.hash(token);
            Optional<Deployment> stored = store.updateDeployment(current, current.withAuthTokenHash(hash, clock.instant()));
            if (stored.isEmpty()) {
                continue;
            }
            if (current.currentPod() != null) {
                transition(current.currentPod(), p -> p.status().isActive() && p.spec().authorized() ? p.withAuthTokenHash(hash) : null)
                        .filter(p -> p.status() == PodStatus.RUNNING && !router.reauthorize(p.id(), hash))
                        .ifPresent(p -> stop(p.id(), StopReason.USER));
            }
            log.debug("Rotated the token of deployment={}", name);
            return new Issued<>(stored.get(), token);
        }
        throw contention("deployment " + name);
    }

    private record Launched(Deployment deployment, Pod pod) {
    }

    /** Points the deployment at a new pod of its spec (compare-and-set first, so concurrent callers start one). */
    private Launched startDeploymentPod(String name) {
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            Deployment current = deployment(name);
            PodId id = PodId.random();
            Optional<Deployment> claimed = store.updateDeployment(current,
                    current.withCurrentPod(id, current.spec(), current.urls(), clock.instant()));
            if (claimed.isPresent()) {
                Pod pod = launch(current.spec(), name, id, current.authTokenHash());
                return new Launched(claimed.get(), pod);
            }
        }
        throw contention("deployment " + name);
    }

    public Deployment deployment(String name) {
        return store.findDeployment(name).orElseThrow(() -> new NotFoundException(
                "No deployment named '" + name + "'; list them with 'berth deployment list' (GET /v1/deployments)"));
    }

    public List<Deployment> deployments() {
        return store.listDeployments();
    }

    /**
     * Makes sure the deployment has an active pod: returns it, or starts a new one from the deployment's
     * spec (a reaped deployment wakes on the next request to its URL). A pod that is stopping counts as
     * gone. Concurrent calls start one pod.
     */
    public Pod wake(String name) {
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            Deployment current = deployment(name);
            if (current.currentPod() != null) {
                Optional<Pod> pod = store.find(current.currentPod());
                // A STOPPING pod (the reaper's, say) will not serve again: start its successor now.
                if (pod.isPresent() && pod.get().status().isActive() && pod.get().status() != PodStatus.STOPPING) {
                    return pod.get();
                }
                if (pod.isEmpty()) {
                    // Another caller claimed the deployment and is storing its pod right now.
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    continue;
                }
            }
            PodId id = PodId.random();
            if (store.updateDeployment(current, current.withCurrentPod(id, current.spec(), current.urls(), clock.instant())).isPresent()) {
                log.debug("Waking deployment={} podId={}", name, id);
                return launch(current.spec(), name, id, current.authTokenHash());
            }
        }
        throw contention("deployment " + name);
    }

    /** Stops the deployment's pod and keeps its definition: the next request or {@link #wake} starts it again. */
    public Deployment stopDeployment(String name) {
        Deployment current = deployment(name);
        if (current.currentPod() != null) {
            store.find(current.currentPod()).filter(p -> p.status().isActive()).ifPresent(p -> stop(p.id(), StopReason.USER));
        }
        return deployment(name);
    }

    /** Stops the deployment's pod and deletes the deployment. */
    public void deleteDeployment(String name) {
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            Deployment current = stopDeployment(name);
            if (store.deleteDeployment(current)) {
                log.debug("Deleted deployment={}", name);
                return;
            }
        }
        throw contention("deployment " + name);
    }

    // ---- lifecycle driving -----------------------------------------------------------------------------

    private void advance(PodId id) {
        try {
            Pod pod = get(id);
            if (pod.status() != PodStatus.PENDING) {
                return;
            }
            Optional<String> ref = builder.find(pod.imageId());
            if (ref.isPresent()) {
                startContainer(pod.id(), ref.get());
                return;
            }
            Instant now = clock.instant();
            Optional<Pod> building = transition(id, p -> p.status() == PodStatus.PENDING ? p.moveTo(PodStatus.BUILDING, now) : null);
            building.ifPresent(p -> builder.build(p.imageId(), p.spec().image()));
        } catch (RuntimeException e) {
            log.warn("Could not advance podId={}", id, e);
            fail(id, "Could not build or start: " + e.getMessage());
        }
    }

    private void startContainer(PodId id, String imageRef) {
        Instant now = clock.instant();
        Optional<Pod> starting = transition(id, p -> p.status() == PodStatus.PENDING || p.status() == PodStatus.BUILDING
                ? p.moveTo(PodStatus.STARTING, now) : null);
        if (starting.isEmpty()) {
            return;
        }
        String ref;
        try {
            ref = runtime.start(starting.get(), imageRef);
        } catch (RuntimeException e) {
            log.debug("Start failed podId={}", id, e);
            fail(id, "Could not start the container: " + e.getMessage());
            return;
        }
        // Readiness may already have moved the pod to RUNNING; a stop may have raced us without the ref.
        Optional<Pod> recorded = transition(id, p -> STARTED.contains(p.status()) && p.runtimeRef() == null ? p.withRuntimeRef(ref) : null);
        if (recorded.isEmpty()) {
            Pod latest = get(id);
            if (!STARTED.contains(latest.status()) || !ref.equals(latest.runtimeRef())) {
                log.debug("Pod stopped while starting; removing its container podId={}", id);
                runtime.stop(ref);
            }
        }
    }

    private void fail(PodId id, String message) {
        Instant now = clock.instant();
        transition(id, p -> p.status().isTerminal() ? null
                : p.withStop(StopReason.FAILED, null, message).moveTo(PodStatus.FAILED, now))
                .ifPresent(failed -> {
                    router.withdraw(id);
                    if (failed.runtimeRef() != null) {
                        runtime.stop(failed.runtimeRef());
                    }
                });
    }

    @Override
    public void imageBuilt(ImageId imageId, String ref) {
        for (Pod pod : store.list(PodQuery.withStatus(PodStatus.BUILDING))) {
            if (pod.imageId().equals(imageId)) {
                executor.execute(() -> startContainer(pod.id(), ref));
            }
        }
    }

    @Override
    public void imageFailed(ImageId imageId, String message) {
        for (Pod pod : store.list(PodQuery.withStatus(PodStatus.BUILDING))) {
            if (pod.imageId().equals(imageId)) {
                fail(pod.id(), "Image build failed: " + message);
            }
        }
    }

    @Override
    public void podReady(PodId podId, Map<Integer, Endpoint> endpoints) {
        Optional<Pod> found = store.find(podId);
        if (found.isEmpty() || !STARTED.contains(found.get().status())) {
            return;
        }
        Pod pod = found.get();
        // Route first, then RUNNING: a client that sees RUNNING can use the URL at once.
        router.publish(new Route(podId, pod.hostLabel(), endpoints, pod.spec().authorized(), pod.authTokenHash()));
        Instant now = clock.instant();
        Optional<Pod> running = transition(podId, p -> p.status() == PodStatus.STARTING ? p.moveTo(PodStatus.RUNNING, now)
                : p.status() == PodStatus.RUNNING ? p : null);
        if (running.isEmpty()) {
            router.withdraw(podId);
        } else {
            log.debug("Running podId={} ports={}", podId, endpoints.keySet());
        }
    }

    @Override
    public void podExited(PodId podId, int exitCode) {
        Instant now = clock.instant();
        transition(podId, p -> STARTED.contains(p.status()) || p.status() == PodStatus.PENDING || p.status() == PodStatus.BUILDING
                ? p.withStop(StopReason.EXITED, exitCode, "Entrypoint exited with code " + exitCode).moveTo(PodStatus.STOPPED, now)
                : null)
                .ifPresent(p -> {
                    log.debug("Exited podId={} exitCode={}", podId, exitCode);
                    router.withdraw(podId);
                });
    }

    @Override
    public void podFailed(PodId podId, String message) {
        fail(podId, message);
    }

    // ---- reaping and recovery --------------------------------------------------------------------------

    /**
     * One pass of the keep-warm policy: stops every RUNNING pod with no open connection whose last activity
     * is keep-warm seconds ago.
     *
     * @return how many pods this pass stopped
     */
    public int reapIdle() {
        int reaped = 0;
        for (Pod pod : store.list(PodQuery.withStatus(PodStatus.RUNNING))) {
            Activity seen = activity.activity(pod.id());
            if (KeepWarmPolicy.shouldReap(pod, seen, clock.instant())) {
                try {
                    Pod stopped = stop(pod.id(), StopReason.IDLE);
                    if (stopped.stopReason() == StopReason.IDLE) {
                        reaped++;
                    }
                } catch (RuntimeException e) {
                    log.warn("Could not reap podId={}", pod.id(), e);
                }
            }
        }
        return reaped;
    }

    /**
     * Reconciles records with the runtime after a restart or lost events: resumes builds and starts,
     * re-adopts running containers (publishing their routes again), marks pods whose container vanished
     * as LOST, finishes interrupted stops, and stops containers that no active record owns.
     */
    public void recover() {
        Map<PodId, PodRuntime.Owned> owned = new HashMap<>();
        for (PodRuntime.Owned o : runtime.list()) {
            owned.put(o.podId(), o);
        }
        for (Pod pod : store.list(PodQuery.active())) {
            try {
                recover(pod, owned.get(pod.id()));
            } catch (RuntimeException e) {
                log.warn("Could not recover podId={}", pod.id(), e);
            }
        }
        for (PodRuntime.Owned o : owned.values()) {
            Optional<Pod> pod = store.find(o.podId());
            boolean orphan = pod.isEmpty() || pod.get().status().isTerminal() && !(o.state() instanceof RuntimeState.Exited);
            if (orphan) {
                log.debug("Removing orphan container podId={}", o.podId());
                runtime.stop(o.runtimeRef());
            }
        }
    }

    private void recover(Pod pod, PodRuntime.Owned container) {
        switch (pod.status()) {
            case PENDING -> executor.execute(() -> advance(pod.id()));
            case BUILDING -> {
                Optional<String> ref = builder.find(pod.imageId());
                if (ref.isPresent()) {
                    imageBuilt(pod.imageId(), ref.get());
                } else {
                    builder.build(pod.imageId(), pod.spec().image());
                }
            }
            case STARTING, RUNNING -> {
                Pod current = pod;
                if (current.runtimeRef() == null && container != null) {
                    current = transition(pod.id(), p -> p.runtimeRef() == null ? p.withRuntimeRef(container.runtimeRef()) : null)
                            .orElse(current);
                }
                if (current.runtimeRef() == null) {
                    lost(pod.id(), "The platform stopped before the container was started");
                    return;
                }
                RuntimeState state = runtime.adopt(current);
                if (state instanceof RuntimeState.Missing) {
                    lost(pod.id(), "The container disappeared while the platform was not running");
                }
            }
            case STOPPING -> finishStop(pod);
            default -> {
            }
        }
    }

    private void lost(PodId id, String message) {
        Instant now = clock.instant();
        transition(id, p -> p.status().isTerminal() ? null : p.withStop(StopReason.LOST, null, message).moveTo(PodStatus.STOPPED, now))
                .ifPresent(p -> router.withdraw(id));
    }

    // ---- compare-and-set -------------------------------------------------------------------------------

    /**
     * Applies {@code change} to the stored pod with compare-and-set, re-reading on conflict. The change
     * returns {@code null} when it no longer applies (then nothing is written) or the same pod for no change.
     */
    private Optional<Pod> transition(PodId id, UnaryOperator<Pod> change) {
        for (int attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
            Pod current = get(id);
            Pod next = change.apply(current);
            if (next == null) {
                return Optional.empty();
            }
            if (next == current) {
                return Optional.of(current);
            }
            Optional<Pod> stored = store.update(current, next);
            if (stored.isPresent()) {
                return stored;
            }
        }
        throw contention("pod " + id);
    }

    private static NotFoundException podNotFound(PodId id) {
        return new NotFoundException("No pod " + id + "; list pods with 'berth container list' (GET /v1/pods)");
    }

    private static BerthServiceException contention(String what) {
        return new BerthServiceException(ErrorCode.UNAVAILABLE, "Too many concurrent changes to " + what + "; retry", null);
    }
}
