package dev.berth.local.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.berth.BerthServiceException;
import dev.berth.internal.Json;
import dev.berth.pod.Deployment;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodQuery;
import dev.berth.pod.PodStatus;
import dev.berth.pod.PodStore;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The local {@link PodStore}: one SQLite file, normally {@code $BERTH_HOME/berth.db}.
 *
 * <p>Each record is stored as its JSON (Berth's wire format, {@link Json#MAPPER}) next to the columns the
 * queries filter and sort on. Compare-and-set is {@code UPDATE … WHERE id = ? AND version = ?}.
 *
 * <p>Durability: WAL journal with {@code synchronous=FULL}, so a write that returned is on disk and survives
 * a killed process and a power cut alike. Writes are a handful per pod lifecycle, so the fsync per commit
 * costs nothing that matters. The file is created readable by its owner only (pod specs hold environment
 * variables); SQLite gives its {@code -wal} and {@code -shm} files the same mode.
 *
 * <p>Thread-safe: one connection, used under a lock. Other processes may open the same file; they wait up
 * to {@value #BUSY_TIMEOUT_MILLIS} ms for each other's writes.
 */
public final class SqlitePodStore implements PodStore, AutoCloseable {
    /** The store's file name under {@code $BERTH_HOME}. */
    public static final String FILE_NAME = "berth.db";
    static final int BUSY_TIMEOUT_MILLIS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(SqlitePodStore.class);

    /** Schema migrations; {@code PRAGMA user_version} is how many have run. Append only, never edit. */
    private static final List<List<String>> MIGRATIONS = List.of(
            List.of("""
                    CREATE TABLE pods (
                        id         TEXT    PRIMARY KEY,
                        status     TEXT    NOT NULL,
                        deployment TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        version    INTEGER NOT NULL,
                        json       TEXT    NOT NULL
                    )""",
                    "CREATE INDEX pods_by_status ON pods (status, created_at)",
                    "CREATE INDEX pods_by_deployment ON pods (deployment, created_at)",
                    "CREATE INDEX pods_by_created ON pods (created_at)",
                    """
                    CREATE TABLE deployments (
                        name    TEXT    PRIMARY KEY,
                        version INTEGER NOT NULL,
                        json    TEXT    NOT NULL
                    )"""));

    private final Path file;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection;

    private SqlitePodStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Opens (creating if needed) the store in {@code berthHome}, i.e. {@code berthHome/berth.db}. */
    public static SqlitePodStore inHome(Path berthHome) {
        return open(berthHome.resolve(FILE_NAME));
    }

    /**
     * Opens the store in {@code file}, creating the file (mode 0600) and its schema if needed, and migrating
     * an older schema.
     *
     * @throws BerthServiceException if the file cannot be opened or was written by a newer Berth
     */
    public static SqlitePodStore open(Path file) {
        Path absolute = file.toAbsolutePath();
        createPrivately(absolute);
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        Connection connection = null;
        try {
            connection = DriverManager.getConnection("jdbc:sqlite:" + absolute, config.toProperties());
            migrate(connection, absolute);
            LOG.debug("Opened pod store {}", absolute);
            return new SqlitePodStore(absolute, connection);
        } catch (SQLException e) {
            closeQuietly(connection, e);
            throw new BerthServiceException("Cannot open the pod store " + absolute + ": " + e.getMessage()
                    + "; check that the file is a Berth database and that no other program holds it locked", e);
        } catch (RuntimeException e) {
            closeQuietly(connection, e);
            throw e;
        }
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    private static void createPrivately(Path file) {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            Path dir = file.getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                if (posix) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            }
            if (posix) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
        } catch (FileAlreadyExistsException e) {
            // An existing database keeps the mode it has.
        } catch (IOException e) {
            throw new BerthServiceException("Cannot create the pod store " + file + ": " + e.getMessage()
                    + "; check that BERTH_HOME points to a writable directory", e);
        }
    }

    private static void migrate(Connection connection, Path file) throws SQLException {
        int current;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            current = rs.next() ? rs.getInt(1) : 0;
        }
        if (current > MIGRATIONS.size()) {
            throw new BerthServiceException("The pod store " + file + " has schema version " + current
                    + " but this Berth knows up to " + MIGRATIONS.size() + "; it was written by a newer Berth: upgrade Berth", null);
        }
        for (int version = current; version < MIGRATIONS.size(); version++) {
            connection.setAutoCommit(false);
            try (Statement st = connection.createStatement()) {
                for (String sql : MIGRATIONS.get(version)) {
                    st.executeUpdate(sql);
                }
                st.executeUpdate("PRAGMA user_version = " + (version + 1));
                connection.commit();
                LOG.debug("Migrated pod store {} to schema version {}", file, version + 1);
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    // ---- pods ------------------------------------------------------------------------------------

    @Override
    public Pod create(Pod pod) {
        Pod stored = pod.withVersion(1);
        return locked("create pod " + pod.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pods (id, status, deployment, created_at, updated_at, version, json) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stored.id().value());
                ps.setString(2, stored.status().name());
                ps.setString(3, stored.deployment());
                ps.setLong(4, nanos(stored.createdAt()));
                ps.setLong(5, nanos(stored.updatedAt()));
                ps.setLong(6, stored.version());
                ps.setString(7, write(stored));
                ps.executeUpdate();
                return stored;
            } catch (SQLiteException e) {
                if (e.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
                    throw new IllegalStateException("Pod " + pod.id() + " already exists; create a pod with a new id (PodId.random())");
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<Pod> find(PodId id) {
        Objects.requireNonNull(id, "id");
        return locked("read pod " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT json FROM pods WHERE id = ?")) {
                ps.setString(1, id.value());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs.getString(1), Pod.class)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Pod> list(PodQuery query) {
        StringBuilder sql = new StringBuilder("SELECT json FROM pods WHERE 1 = 1");
        List<String> args = new ArrayList<>();
        if (!query.statuses().isEmpty()) {
            sql.append(" AND status IN (").append("?, ".repeat(query.statuses().size() - 1)).append("?)");
            query.statuses().stream().map(PodStatus::name).sorted().forEach(args::add);
        }
        if (query.deployment() != null) {
            sql.append(" AND deployment = ?");
            args.add(query.deployment());
        }
        sql.append(" ORDER BY created_at DESC, id ASC");
        return locked("list pods", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    ps.setString(i + 1, args.get(i));
                }
                List<Pod> pods = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        pods.add(read(rs.getString(1), Pod.class));
                    }
                }
                return pods;
            }
        });
    }

    @Override
    public Optional<Pod> update(Pod current, Pod next) {
        if (!current.id().equals(next.id())) {
            throw new IllegalArgumentException("Cannot update pod " + current.id() + " with a record of pod " + next.id());
        }
        Pod stored = next.withVersion(current.version() + 1);
        return locked("update pod " + current.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE pods SET status = ?, deployment = ?, created_at = ?, updated_at = ?, version = ?, json = ?"
                            + " WHERE id = ? AND version = ?")) {
                ps.setString(1, stored.status().name());
                ps.setString(2, stored.deployment());
                ps.setLong(3, nanos(stored.createdAt()));
                ps.setLong(4, nanos(stored.updatedAt()));
                ps.setLong(5, stored.version());
                ps.setString(6, write(stored));
                ps.setString(7, current.id().value());
                ps.setLong(8, current.version());
                return ps.executeUpdate() == 1 ? Optional.of(stored) : Optional.empty();
            }
        });
    }

    // ---- deployments -----------------------------------------------------------------------------

    @Override
    public Deployment createDeployment(Deployment deployment) {
        Deployment stored = deployment.withVersion(1);
        return locked("create deployment " + deployment.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO deployments (name, version, json) VALUES (?, ?, ?)")) {
                ps.setString(1, stored.name());
                ps.setLong(2, stored.version());
                ps.setString(3, write(stored));
                ps.executeUpdate();
                return stored;
            } catch (SQLiteException e) {
                if (e.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY) {
                    throw new IllegalStateException("Deployment '" + deployment.name() + "' already exists; update it instead");
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<Deployment> findDeployment(String name) {
        Objects.requireNonNull(name, "name");
        return locked("read deployment " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT json FROM deployments WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs.getString(1), Deployment.class)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Deployment> listDeployments() {
        return locked("list deployments", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT json FROM deployments ORDER BY name");
                 ResultSet rs = ps.executeQuery()) {
                List<Deployment> deployments = new ArrayList<>();
                while (rs.next()) {
                    deployments.add(read(rs.getString(1), Deployment.class));
                }
                return deployments;
            }
        });
    }

    @Override
    public Optional<Deployment> updateDeployment(Deployment current, Deployment next) {
        if (!current.name().equals(next.name())) {
            throw new IllegalArgumentException("Cannot update deployment '" + current.name() + "' with a record of '" + next.name() + "'");
        }
        Deployment stored = next.withVersion(current.version() + 1);
        return locked("update deployment " + current.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE deployments SET version = ?, json = ? WHERE name = ? AND version = ?")) {
                ps.setLong(1, stored.version());
                ps.setString(2, write(stored));
                ps.setString(3, current.name());
                ps.setLong(4, current.version());
                return ps.executeUpdate() == 1 ? Optional.of(stored) : Optional.empty();
            }
        });
    }

    @Override
    public boolean deleteDeployment(Deployment current) {
        return locked("delete deployment " + current.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM deployments WHERE name = ? AND version = ?")) {
                ps.setString(1, current.name());
                ps.setLong(2, current.version());
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Closes the connection (checkpointing the WAL). Later calls fail; closing twice does nothing. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (connection != null) {
                connection.close();
                connection = null;
                LOG.debug("Closed pod store {}", file);
            }
        } catch (SQLException e) {
            throw new BerthServiceException("Cannot close the pod store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "SqlitePodStore[" + file + "]";
    }

    // ---- plumbing --------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T locked(String what, Work<T> work) {
        lock.lock();
        try {
            if (connection == null) {
                throw new IllegalStateException("The pod store " + file + " is closed; cannot " + what);
            }
            return work.run(connection);
        } catch (SQLException e) {
            throw new BerthServiceException("Cannot " + what + " in the pod store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Nanoseconds since the epoch: exact for Instants from 1678 to 2262, and sortable as an integer. */
    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    private static String write(Object record) {
        try {
            return Json.MAPPER.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new BerthServiceException("Cannot serialize " + record.getClass().getSimpleName() + " for the pod store", e);
        }
    }

    private <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new BerthServiceException("The pod store " + file + " holds a " + type.getSimpleName()
                    + " this Berth cannot read (" + e.getOriginalMessage() + "); was it written by a newer Berth?", e);
        }
    }

    private static void closeQuietly(Connection connection, Exception failure) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
