package dev.berth.pod;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@link PodStore} in memory, for tests of code that uses a store. Thread-safe: every write is an atomic
 * compare-and-set on a {@link ConcurrentHashMap}. Forgets everything with the object.
 */
public final class InMemoryPodStore implements PodStore {
    /** Newest first; ties by id so the order is total. */
    static final Comparator<Pod> NEWEST_FIRST = Comparator.comparing(Pod::createdAt).reversed()
            .thenComparing(p -> p.id().value());

    private final ConcurrentMap<PodId, Pod> pods = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Deployment> deployments = new ConcurrentHashMap<>();

    @Override
    public Pod create(Pod pod) {
        Pod stored = pod.withVersion(1);
        if (pods.putIfAbsent(pod.id(), stored) != null) {
            throw new IllegalStateException("Pod " + pod.id() + " already exists; create a pod with a new id (PodId.random())");
        }
        return stored;
    }

    @Override
    public Optional<Pod> find(PodId id) {
        return Optional.ofNullable(pods.get(Objects.requireNonNull(id, "id")));
    }

    @Override
    public List<Pod> list(PodQuery query) {
        return pods.values().stream().filter(query::matches).sorted(NEWEST_FIRST).toList();
    }

    @Override
    public Optional<Pod> update(Pod current, Pod next) {
        if (!current.id().equals(next.id())) {
            throw new IllegalArgumentException("Cannot update pod " + current.id() + " with a record of pod " + next.id());
        }
        Pod stored = next.withVersion(current.version() + 1);
        // computeIfPresent runs atomically per key: the version check and the write are one step.
        boolean[] won = {false};
        pods.computeIfPresent(current.id(), (id, existing) -> {
            if (existing.version() != current.version()) {
                return existing;
            }
            won[0] = true;
            return stored;
        });
        return won[0] ? Optional.of(stored) : Optional.empty();
    }

    @Override
    public Deployment createDeployment(Deployment deployment) {
        Deployment stored = deployment.withVersion(1);
        if (deployments.putIfAbsent(deployment.name(), stored) != null) {
            throw new IllegalStateException("Deployment '" + deployment.name() + "' already exists; update it instead");
        }
        return stored;
    }

    @Override
    public Optional<Deployment> findDeployment(String name) {
        return Optional.ofNullable(deployments.get(Objects.requireNonNull(name, "name")));
    }

    @Override
    public List<Deployment> listDeployments() {
        return deployments.values().stream().sorted(Comparator.comparing(Deployment::name)).toList();
    }

    @Override
    public Optional<Deployment> updateDeployment(Deployment current, Deployment next) {
        if (!current.name().equals(next.name())) {
            throw new IllegalArgumentException("Cannot update deployment '" + current.name() + "' with a record of '" + next.name() + "'");
        }
        Deployment stored = next.withVersion(current.version() + 1);
        boolean[] won = {false};
        deployments.computeIfPresent(current.name(), (name, existing) -> {
            if (existing.version() != current.version()) {
                return existing;
            }
            won[0] = true;
            return stored;
        });
        return won[0] ? Optional.of(stored) : Optional.empty();
    }

    @Override
    public boolean deleteDeployment(Deployment current) {
        boolean[] won = {false};
        deployments.computeIfPresent(current.name(), (name, existing) -> {
            if (existing.version() != current.version()) {
                return existing;
            }
            won[0] = true;
            return null;
        });
        return won[0];
    }
}
