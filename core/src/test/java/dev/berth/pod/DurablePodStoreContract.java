package dev.berth.pod;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What a {@link PodStore} whose records outlive the store object must do, on top of {@link PodStoreContract}:
 * a store reopened over the same data, as a restarted process would, sees every record and version.
 * Only durable stores extend this; in-memory fakes extend {@link PodStoreContract}.
 *
 * <pre>{@code
 * class SqlitePodStoreTest extends DurablePodStoreContract {
 *     @TempDir Path home;
 *     protected PodStore createStore() { return SqlitePodStore.inHome(home); }
 *     protected PodStore reopen(PodStore store) { ((SqlitePodStore) store).close(); return SqlitePodStore.inHome(home); }
 * }
 * }</pre>
 */
public abstract class DurablePodStoreContract extends PodStoreContract {

    /** Closes {@code store} and opens a new store over the same records, as a restarted process would. */
    protected abstract PodStore reopen(PodStore store);

    @Test
    void reopen_keepsEveryRecordAndVersion() {
        Pod full = store.create(fullPod(PodId.random()));
        clock.advance(Duration.ofSeconds(1));
        Pod v1 = store.create(pending("web"));
        Pod v2 = store.update(v1, v1.moveTo(PodStatus.BUILDING, clock.instant())).orElseThrow();
        Deployment d1 = store.createDeployment(deployment("web", v1.id()));
        Deployment d2 = store.updateDeployment(d1, d1.withCurrentPod(v1.id(), d1.spec(), d1.urls(), clock.instant()))
                .orElseThrow();

        store = reopen(store);

        assertThat(store.find(full.id())).contains(full);
        assertThat(store.list(PodQuery.all())).containsExactly(v2, full);
        assertThat(store.listDeployments()).containsExactly(d2);
        assertThat(store.update(v1, v1.withStop(StopReason.USER, null, null).moveTo(PodStatus.STOPPED, clock.instant())))
                .isEmpty();
        assertThat(store.update(v2, v2.moveTo(PodStatus.STARTING, clock.instant()))).map(Pod::version).contains(3L);
    }
}
