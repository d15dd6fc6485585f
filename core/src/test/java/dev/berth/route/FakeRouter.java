package dev.berth.route;

import dev.berth.pod.PodId;
import dev.berth.reap.Activity;
import dev.berth.reap.ActivitySource;
import dev.berth.run.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory {@link Router} and {@link ActivitySource} for core unit tests: records what was published and
 * withdrawn, resolves hosts as a real router would, and reports activity the test sets.
 */
public final class FakeRouter implements Router, ActivitySource {
    private final UrlScheme urls;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final Map<PodId, Activity> activity = new ConcurrentHashMap<>();
    private final List<Route> published = new ArrayList<>();
    private final List<PodId> withdrawn = new ArrayList<>();

    public FakeRouter() {
        this(new UrlScheme("pods.localhost", 8443));
    }

    public FakeRouter(UrlScheme urls) {
        this.urls = Objects.requireNonNull(urls, "urls");
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
        // Withdrawing closes the pod's connections; its last activity stays.
        activity.computeIfPresent(podId, (id, a) -> new Activity(0, a.lastActivity()));
        synchronized (this) {
            withdrawn.add(podId);
        }
    }

    @Override
    public Activity activity(PodId podId) {
        return activity.getOrDefault(podId, Activity.NONE);
    }

    /** Sets what {@link #activity} reports for the pod. */
    public void setActivity(PodId podId, Activity value) {
        activity.put(podId, Objects.requireNonNull(value, "value"));
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
