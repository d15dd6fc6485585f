package dev.berth.pod;

import java.util.List;
import java.util.Optional;

/**
 * Durable records of pods and deployments, with optimistic versioning: every write names the version it
 * read, and fails without effect if the stored record has moved on. This is what makes a user's stop and
 * the reaper racing end in one STOPPED record.
 *
 * <p>Implementations are thread-safe and survive a restart of the process with every record intact.
 */
public interface PodStore {

    /**
     * Stores a new pod at version 1.
     *
     * @return the stored pod
     * @throws IllegalStateException if a pod with this id exists
     */
    Pod create(Pod pod);

    Optional<Pod> find(PodId id);

    /** Pods matching the query, newest first. */
    List<Pod> list(PodQuery query);

    /**
     * Replaces {@code current} by {@code next} if the stored version is still {@code current.version()}.
     *
     * @return the stored pod with version {@code current.version() + 1}, or empty if another writer won
     */
    Optional<Pod> update(Pod current, Pod next);

    /**
     * Stores a new deployment at version 1.
     *
     * @throws IllegalStateException if a deployment of this name exists
     */
    Deployment createDeployment(Deployment deployment);

    Optional<Deployment> findDeployment(String name);

    /** All deployments, by name. */
    List<Deployment> listDeployments();

    /** Compare-and-set, as {@link #update(Pod, Pod)}. */
    Optional<Deployment> updateDeployment(Deployment current, Deployment next);

    /** Deletes the deployment if its stored version is still {@code current.version()}. */
    boolean deleteDeployment(Deployment current);
}
