package dev.berth.route;

import dev.berth.pod.PodId;
import dev.berth.reap.Activity;
import dev.berth.reap.ActivitySource;
import dev.berth.run.Endpoint;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory {@link Router} and {@link ActivitySource} for core unit tests: records what was published and
 * withdrawn, resolves hosts as a real router would, and counts simulated traffic as a real router counts
 * proxied traffic. {@link #request} stands for one proxied request, {@link #connect} for a long-lived
 * connection (such as a WebSocket) open until closed; both stamp the pod's last activity with the clock, and
 * {@link #withdraw} drops the pod's open connections. A test may also set a pod's activity outright
 * ({@link #setActivity}). Thread-safe.
 */
public final class FakeRouter implements Router, ActivitySource {
    private final UrlScheme urls;
    private final Clock clock;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<PodId, Activity> activity = new ConcurrentHashMap<>();
    /** Guarded by this. */
    private final Set<Connection> open = new HashSet<>();
    private final List<Route> published = new ArrayList<>();
    private final List<PodId> withdrawn = new ArrayList<>();

    public FakeRouter() {
        this(new UrlScheme("pods.localhost", 8443));
    }

    public FakeRouter(UrlScheme urls) {
        this(urls, Clock.systemUTC());
    }

    /** A router whose traffic is stamped with {@code clock}. */
    public FakeRouter(UrlScheme urls, Clock clock) {
        this.urls = Objects.requireNonNull(urls, "urls");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public UrlScheme urls() {
        return urls;
    }

    @Override
    public void publish(Route route) {
        Objects.requireNonNull(route, "route");
        routes.put(route.label(), route);
        synchronized (this) {
            published.add(route);
        }
    }

    @Override
    public void withdraw(PodId podId) {
        Objects.requireNonNull(podId, "podId");
        routes.values().removeIf(route -> route.podId().equals(podId));
        synchronized (this) {
            // Withdrawing closes the pod's connections; its last activity stays.
            open.removeIf(connection -> connection.podId.equals(podId));
            activity.computeIfPresent(podId, (id, a) -> new Activity(0, a.lastActivity()));
            withdrawn.add(podId);
        }
    }

    @Override
    public boolean reauthorize(PodId podId, String authTokenHash) {
        boolean changed = false;
        for (Map.Entry<String, Route> entry : routes.entrySet()) {
            Route route = entry.getValue();
            if (route.podId().equals(podId)) {
                changed |= routes.replace(entry.getKey(), route, route.withAuthTokenHash(authTokenHash));
            }
        }
        return changed;
    }

    @Override
    public Activity activity(PodId podId) {
        return activity.getOrDefault(podId, Activity.NONE);
    }

    /** Sets what {@link #activity} reports for the pod. */
    public void setActivity(PodId podId, Activity value) {
        activity.put(podId, Objects.requireNonNull(value, "value"));
    }

    /**
     * One request for {@code host} through the router: if a route serves it, stamps the pod's last activity
     * and returns where the request went; otherwise (a real router answers 404) records nothing.
     */
    public Optional<Endpoint> request(String host) {
        return target(host).map(target -> {
            synchronized (this) {
                touch(target.podId(), 0);
            }
            return target.endpoint();
        });
    }

    /**
     * Opens a long-lived connection to {@code host} through the router, counted as open for its pod until
     * closed or the pod is withdrawn; empty if no route serves the host.
     */
    public Optional<Connection> connect(String host) {
        return target(host).map(target -> {
            Connection connection = new Connection(target.podId(), target.endpoint());
            synchronized (this) {
                open.add(connection);
                touch(target.podId(), 1);
            }
            return connection;
        });
    }

    /** A connection through the router; closing it again does nothing. */
    public final class Connection implements AutoCloseable {
        private final PodId podId;
        private final Endpoint endpoint;

        private Connection(PodId podId, Endpoint endpoint) {
            this.podId = podId;
            this.endpoint = endpoint;
        }

        /** Where the router proxies this connection. */
        public Endpoint endpoint() {
            return endpoint;
        }

        @Override
        public void close() {
            synchronized (FakeRouter.this) {
                if (open.remove(this)) {
                    touch(podId, -1);
                }
            }
        }
    }

    private record Target(PodId podId, Endpoint endpoint) {
    }

    private Optional<Target> target(String host) {
        return urls.parse(host).flatMap(key -> route(key.label())
                .flatMap(route -> Optional.ofNullable(route.targets().get(key.port())).map(e -> new Target(route.podId(), e))));
    }

    /** Moves the pod's open connections by {@code delta} (never below zero) and its last activity to now; under this. */
    private void touch(PodId podId, int delta) {
        activity.merge(podId, new Activity(Math.max(0, delta), clock.instant()),
                (a, ignored) -> new Activity(Math.max(0, a.openConnections() + delta), clock.instant()));
    }

    /** The route currently served for a label. */
    public Optional<Route> route(String label) {
        return Optional.ofNullable(routes.get(label));
    }

    /** Whether any label currently routes to the pod. */
    public boolean isPublished(PodId podId) {
        return routes.values().stream().anyMatch(route -> route.podId().equals(podId));
    }

    /** Where a request for {@code host} would be proxied, as the real router decides it. */
    public Optional<Endpoint> resolve(String host) {
        return urls.parse(host).flatMap(key -> route(key.label()).map(route -> route.targets().get(key.port())));
    }

    /** Every route published, in order. */
    public synchronized List<Route> published() {
        return List.copyOf(published);
    }

    /** Every withdraw call, in order. */
    public synchronized List<PodId> withdrawals() {
        return List.copyOf(withdrawn);
    }
}
