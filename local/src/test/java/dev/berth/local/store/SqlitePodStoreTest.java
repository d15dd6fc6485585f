package dev.berth.local.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthServiceException;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodStatus;
import dev.berth.pod.PodStore;
import dev.berth.pod.StopReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import dev.berth.pod.PodStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store passes the store contract, over a file in a temporary directory. */
class SqlitePodStoreTest extends PodStoreContract {
    @TempDir
    Path home;

    @Override
    protected PodStore createStore() {
        return SqlitePodStore.inHome(home);
    }

    @Override
    protected boolean isDurable() {
        return true;
    }

    @Override
    protected PodStore reopen(PodStore store) {
        ((SqlitePodStore) store).close();
        return SqlitePodStore.inHome(home);
    }

    @Test
    void open_createsTheFileReadableByItsOwnerOnly() throws Exception {
        Path db = home.resolve("berth.db");

        assertThat(((SqlitePodStore) store).file()).isEqualTo(db);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
    }

    @Test
    void open_usesWalAndRecordsTheSchemaVersion() throws Exception {
        store.create(fullPod(PodId.random()));

        try (var c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("berth.db"));
             Statement st = c.createStatement()) {
            assertThat(single(st, "PRAGMA journal_mode")).isEqualTo("wal");
            assertThat(single(st, "PRAGMA user_version")).isEqualTo("1");
            assertThat(single(st, "SELECT count(*) FROM pods")).isEqualTo("1");
        }
    }

    @Test
    void storesEachPodAsWireJsonWithItsQueryColumns() throws Exception {
        Pod pod = store.create(fullPod(PodId.random()));

        try (var c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("berth.db"));
             Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT status || ' ' || deployment || ' ' || version FROM pods"))
                    .isEqualTo("STOPPED web 1");
            assertThat(single(st, "SELECT json FROM pods")).isEqualTo(dev.berth.internal.Json.write(pod));
        }
    }

    @Test
    void open_whenSchemaIsNewer_rejectsNamingTheVersions() throws Exception {
        ((SqlitePodStore) store).close();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("berth.db"));
             Statement st = c.createStatement()) {
            st.executeUpdate("PRAGMA user_version = 99");
        }

        assertThatThrownBy(() -> SqlitePodStore.inHome(home))
                .isInstanceOf(BerthServiceException.class)
                .hasMessageContaining("schema version 99")
                .hasMessageContaining("upgrade Berth");
    }

    @Test
    void update_whenTwoStoresOnOneFileRace_exactlyOneWins() throws Exception {
        Pod current = store.create(pending(null));
        try (SqlitePodStore other = SqlitePodStore.inHome(home)) {
            List<PodStore> stores = List.of(store, other);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Optional<Pod>>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    PodStore writer = stores.get(i % 2);
                    Pod next = current.withStop(StopReason.IDLE, null, "writer-" + i).moveTo(PodStatus.STOPPED, clock.instant());
                    results.add(pool.submit(() -> {
                        go.await();
                        return writer.update(current, next);
                    }));
                }
                go.countDown();
                List<Pod> winners = new ArrayList<>();
                for (Future<Optional<Pod>> result : results) {
                    result.get(60, TimeUnit.SECONDS).ifPresent(winners::add);
                }

                assertThat(winners).hasSize(1);
                assertThat(other.find(current.id())).contains(winners.get(0));
                assertThat(store.find(current.id())).contains(winners.get(0));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void afterClose_operationsFailNamingTheFile() {
        ((SqlitePodStore) store).close();

        assertThatThrownBy(() -> store.find(PodId.random()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("berth.db")
                .hasMessageContaining("closed");
    }

    private static String single(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
