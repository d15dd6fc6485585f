package dev.berth.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.MutableClock;
import dev.berth.image.ImageSpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PodStore} must do. An adapter's test extends this class and supplies a fresh, empty
 * store. Stores whose records outlive the store object extend {@link DurablePodStoreContract} instead,
 * which adds the durability tests.
 *
 * <pre>{@code
 * class InMemoryPodStoreTest extends PodStoreContract {
 *     protected PodStore createStore() { return new InMemoryPodStore(); }
 * }
 * }</pre>
 */
public abstract class PodStoreContract {
    private static final int RACERS = 16;

    protected final MutableClock clock = MutableClock.at(Instant.parse("2025-03-01T10:00:00.123456789Z"));
    protected PodStore store;

    /** A new store with no records. Called before each test. */
    protected abstract PodStore createStore();

    @BeforeEach
    void openStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    // ---- pods ------------------------------------------------------------------------------------

    @Test
    void create_withEveryField_findReturnsEqualPodAtVersionOne() {
        Pod pod = fullPod(PodId.random());

        Pod created = store.create(pod);

        assertThat(created).isEqualTo(pod.withVersion(1));
        assertThat(store.find(pod.id())).contains(pod.withVersion(1));
        Pod found = store.find(pod.id()).orElseThrow();
        assertThat(found.spec().image().files()).containsEntry("app/main.py", base64("print('hi')\n"));
        assertThat(found.spec().image().env()).containsEntry("PIP_NO_CACHE_DIR", "1");
        assertThat(found.urls()).containsEntry(8888, URI.create("https://web-8888.pods.localhost:8443"));
        assertThat(found.stoppedAt()).isEqualTo(pod.stoppedAt());
        assertThat(found.exitCode()).isEqualTo(3);
        assertThat(found.stopReason()).isEqualTo(StopReason.EXITED);
        assertThat(found.authTokenHash()).isEqualTo(dev.berth.route.AuthToken.hash("bpt_contract-token"));
    }

    @Test
    void update_keepsTheAuthTokenHash_andCanReplaceIt() {
        Pod created = store.create(fullPod(PodId.random()));
        String rotated = dev.berth.route.AuthToken.hash("bpt_rotated");

        Pod moved = store.update(created, created.withRuntimeRef("c-other")).orElseThrow();
        Pod rehashed = store.update(moved, moved.withAuthTokenHash(rotated)).orElseThrow();

        assertThat(moved.authTokenHash()).isEqualTo(created.authTokenHash());
        assertThat(store.find(created.id()).orElseThrow().authTokenHash()).isEqualTo(rotated);
        assertThat(rehashed.authTokenHash()).isEqualTo(rotated);
    }

    @Test
    void deployment_withAuthTokenHash_roundTripsThroughCreateAndUpdate() {
        String hash = dev.berth.route.AuthToken.hash("bpt_deployment-token");
        Deployment d = deployment("secured", null);
        Deployment withHash = new Deployment(d.name(), d.spec(), null, d.urls(), d.createdAt(), d.updatedAt(), 0, hash);

        store.createDeployment(withHash);
        Deployment found = store.findDeployment("secured").orElseThrow();
        Deployment pointed = store.updateDeployment(found, found.withCurrentPod(PodId.random(), found.spec(), found.urls(),
                clock.instant())).orElseThrow();

        assertThat(found.authTokenHash()).isEqualTo(hash);
        assertThat(pointed.authTokenHash()).isEqualTo(hash);
        assertThat(store.findDeployment("secured").orElseThrow().authTokenHash()).isEqualTo(hash);
        assertThat(store.listDeployments()).filteredOn(x -> x.name().equals("secured"))
                .extracting(Deployment::authTokenHash).containsExactly(hash);
    }

    @Test
    void create_withOnlyRequiredFields_findReturnsEqualPod() {
        Pod pod = Pod.pending(PodId.random(), minimalSpec(), null, null, clock.instant());

        store.create(pod);

        assertThat(store.find(pod.id())).contains(pod.withVersion(1));
    }

    @Test
    void create_whenIdExists_rejectsAndKeepsTheFirst() {
        Pod first = pending(null);
        store.create(first);
        Pod second = new Pod(first.id(), minimalSpec().withName("other"), PodStatus.RUNNING, first.imageId(), null, "c1",
                null, null, null, null, clock.instant(), clock.instant(), clock.instant(), null, 0);

        assertThatThrownBy(() -> store.create(second))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(first.id().value());
        assertThat(store.find(first.id())).contains(first.withVersion(1));
    }

    @Test
    void find_whenAbsent_returnsEmpty() {
        assertThat(store.find(PodId.random())).isEmpty();
    }

    @Test
    void update_whenVersionCurrent_storesNextWithVersionOneHigher() {
        Pod current = store.create(pending(null));
        Pod next = current.moveTo(PodStatus.BUILDING, clock.advance(Duration.ofSeconds(1)));

        Optional<Pod> updated = store.update(current, next);

        assertThat(updated).contains(next.withVersion(2));
        assertThat(store.find(current.id())).contains(next.withVersion(2));
    }

    @Test
    void update_whenVersionStale_returnsEmptyAndChangesNothing() {
        Pod v1 = store.create(pending(null));
        Pod v2 = store.update(v1, v1.moveTo(PodStatus.BUILDING, clock.advance(Duration.ofSeconds(1)))).orElseThrow();

        Optional<Pod> stale = store.update(v1, v1.moveTo(PodStatus.STOPPING, clock.advance(Duration.ofSeconds(1))));

        assertThat(stale).isEmpty();
        assertThat(store.find(v1.id())).contains(v2);
        assertThat(v2.version()).isEqualTo(2);
    }

    @Test
    void update_ignoresTheVersionOfNext() {
        Pod current = store.create(pending(null));
        Pod next = current.moveTo(PodStatus.BUILDING, clock.instant()).withVersion(41);

        assertThat(store.update(current, next)).map(Pod::version).contains(2L);
    }

    @Test
    void update_whenPodAbsent_returnsEmpty() {
        Pod never = pending(null).withVersion(1);

        assertThat(store.update(never, never.moveTo(PodStatus.BUILDING, clock.instant()))).isEmpty();
        assertThat(store.find(never.id())).isEmpty();
    }

    @Test
    void update_whenNextIsAnotherPod_rejects() {
        Pod current = store.create(pending(null));
        Pod other = pending(null);

        assertThatThrownBy(() -> store.update(current, other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(current.id().value());
        assertThat(store.find(current.id())).contains(current);
    }

    @Test
    void update_whenSixteenWritersRaceFromOneVersion_exactlyOneWins() throws Exception {
        Pod current = store.create(pending(null));
        CountDownLatch ready = new CountDownLatch(RACERS);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            List<Future<Optional<Pod>>> results = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                Pod next = current.withStop(StopReason.USER, null, "writer-" + i).moveTo(PodStatus.STOPPED, clock.instant());
                results.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return store.update(current, next);
                }));
            }
            ready.await(30, TimeUnit.SECONDS);
            go.countDown();
            List<Pod> winners = new ArrayList<>();
            for (Future<Optional<Pod>> result : results) {
                result.get(60, TimeUnit.SECONDS).ifPresent(winners::add);
            }

            assertThat(winners).hasSize(1);
            assertThat(winners.get(0).version()).isEqualTo(2);
            assertThat(store.find(current.id())).contains(winners.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void list_all_returnsEveryPodNewestFirst() {
        Pod oldest = store.create(pending(null));
        clock.advance(Duration.ofSeconds(1));
        Pod middle = store.create(pod(PodStatus.RUNNING, "web"));
        clock.advance(Duration.ofNanos(1));
        Pod newest = store.create(pod(PodStatus.STOPPED, null));

        assertThat(store.list(PodQuery.all())).containsExactly(newest, middle, oldest);
    }

    @Test
    void list_byStatuses_returnsOnlyThoseNewestFirst() {
        Pod pending = store.create(pending(null));
        clock.advance(Duration.ofSeconds(1));
        Pod running = store.create(pod(PodStatus.RUNNING, null));
        clock.advance(Duration.ofSeconds(1));
        store.create(pod(PodStatus.STOPPED, null));
        clock.advance(Duration.ofSeconds(1));
        Pod running2 = store.create(pod(PodStatus.RUNNING, "web"));

        assertThat(store.list(PodQuery.withStatus(PodStatus.RUNNING))).containsExactly(running2, running);
        assertThat(store.list(PodQuery.withStatus(PodStatus.PENDING, PodStatus.RUNNING)))
                .containsExactly(running2, running, pending);
        assertThat(store.list(PodQuery.withStatus(PodStatus.FAILED))).isEmpty();
    }

    @Test
    void list_afterUpdate_seesTheNewStatus() {
        Pod v1 = store.create(pending(null));
        Pod v2 = store.update(v1, v1.moveTo(PodStatus.STARTING, clock.instant())).orElseThrow();

        assertThat(store.list(PodQuery.withStatus(PodStatus.PENDING))).isEmpty();
        assertThat(store.list(PodQuery.withStatus(PodStatus.STARTING))).containsExactly(v2);
    }

    @Test
    void list_byDeployment_returnsItsPodsNewestFirst() {
        Pod web1 = store.create(pod(PodStatus.STOPPED, "web"));
        clock.advance(Duration.ofSeconds(1));
        store.create(pod(PodStatus.RUNNING, "api"));
        store.create(pending(null));
        clock.advance(Duration.ofSeconds(1));
        Pod web2 = store.create(pod(PodStatus.RUNNING, "web"));

        assertThat(store.list(new PodQuery(null, "web"))).containsExactly(web2, web1);
        assertThat(store.list(new PodQuery(java.util.Set.of(PodStatus.RUNNING), "web"))).containsExactly(web2);
        assertThat(store.list(new PodQuery(null, "nothing"))).isEmpty();
    }

    // ---- deployments -----------------------------------------------------------------------------

    @Test
    void createDeployment_thenFind_returnsEqualDeploymentAtVersionOne() {
        Deployment deployment = deployment("web", PodId.random());

        Deployment created = store.createDeployment(deployment);

        assertThat(created).isEqualTo(deployment.withVersion(1));
        assertThat(store.findDeployment("web")).contains(deployment.withVersion(1));
    }

    @Test
    void createDeployment_whenNameExists_rejectsAndKeepsTheFirst() {
        Deployment first = store.createDeployment(deployment("web", null));

        assertThatThrownBy(() -> store.createDeployment(deployment("web", PodId.random())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("web");
        assertThat(store.findDeployment("web")).contains(first);
    }

    @Test
    void findDeployment_whenAbsent_returnsEmpty() {
        assertThat(store.findDeployment("nothing")).isEmpty();
    }

    @Test
    void listDeployments_returnsAllByName() {
        Deployment b = store.createDeployment(deployment("beta", null));
        Deployment a = store.createDeployment(deployment("alpha", null));
        Deployment c = store.createDeployment(deployment("gamma", PodId.random()));

        assertThat(store.listDeployments()).containsExactly(a, b, c);
    }

    @Test
    void updateDeployment_whenVersionCurrent_storesNextWithVersionOneHigher() {
        Deployment v1 = store.createDeployment(deployment("web", null));
        PodId pod = PodId.random();
        Deployment next = v1.withCurrentPod(pod, v1.spec(), Map.of(8080, URI.create("https://web-8080.pods.localhost")),
                clock.advance(Duration.ofMinutes(1)));

        assertThat(store.updateDeployment(v1, next)).contains(next.withVersion(2));
        assertThat(store.findDeployment("web")).contains(next.withVersion(2));
    }

    @Test
    void updateDeployment_whenVersionStale_returnsEmptyAndChangesNothing() {
        Deployment v1 = store.createDeployment(deployment("web", null));
        Deployment v2 = store.updateDeployment(v1, v1.withCurrentPod(PodId.random(), v1.spec(), v1.urls(), clock.instant()))
                .orElseThrow();

        assertThat(store.updateDeployment(v1, v1.withCurrentPod(PodId.random(), v1.spec(), v1.urls(), clock.instant())))
                .isEmpty();
        assertThat(store.findDeployment("web")).contains(v2);
    }

    @Test
    void deleteDeployment_whenVersionStale_keepsIt() {
        Deployment v1 = store.createDeployment(deployment("web", null));
        Deployment v2 = store.updateDeployment(v1, v1.withCurrentPod(PodId.random(), v1.spec(), v1.urls(), clock.instant()))
                .orElseThrow();

        assertThat(store.deleteDeployment(v1)).isFalse();
        assertThat(store.findDeployment("web")).contains(v2);
    }

    @Test
    void deleteDeployment_whenVersionCurrent_removesItAndNameCanBeReused() {
        Deployment v1 = store.createDeployment(deployment("web", null));
        store.createDeployment(deployment("api", null));

        assertThat(store.deleteDeployment(v1)).isTrue();
        assertThat(store.findDeployment("web")).isEmpty();
        assertThat(store.listDeployments()).extracting(Deployment::name).containsExactly("api");
        assertThat(store.deleteDeployment(v1)).isFalse();
        assertThat(store.createDeployment(deployment("web", null)).version()).isEqualTo(1);
    }

    // ---- fixtures --------------------------------------------------------------------------------

    /** A pod with every field set, STOPPED after its entrypoint exited, at version 7. */
    protected Pod fullPod(PodId id) {
        Instant created = clock.instant();
        ImageSpec image = ImageSpec.builder()
                .base("debian:bookworm-slim")
                .pythonPackages("requests==2.32.3", "numpy")
                .condaPackages("scipy")
                .commands("apt-get update", "apt-get install -y curl")
                .env("PIP_NO_CACHE_DIR", "1")
                .file("app/main.py", "print('hi')\n".getBytes(StandardCharsets.UTF_8))
                .file("data.bin", new byte[] {0, 1, 2, (byte) 0xff})
                .build();
        PodSpec spec = PodSpec.builder()
                .name("web")
                .image(image)
                .entrypoint("python3", "-m", "http.server", "8888")
                .ports(8888, 8080)
                .env("GREETING", "héllo \"world\"\n")
                .env("EMPTY", "")
                .cpu(1.5)
                .memoryMiB(2048)
                .gpu("T4")
                .gpuCount(2)
                .keepWarmSeconds(300)
                .authorized(true)
                .blockNetwork(true)
                .build();
        Map<Integer, URI> urls = Map.of(
                8888, URI.create("https://web-8888.pods.localhost:8443"),
                8080, URI.create("https://web-8080.pods.localhost:8443"));
        return new Pod(id, spec, PodStatus.STOPPED, dev.berth.image.ImageId.of(image), "web", "c0ffee1234567890", urls,
                StopReason.EXITED, 3, "entrypoint exited with code 3", created, created.plusMillis(4321),
                created.plusNanos(987_654_321), created.plusMillis(4321).plusNanos(1), 7,
                dev.berth.route.AuthToken.hash("bpt_contract-token"));
    }

    protected PodSpec minimalSpec() {
        return PodSpec.builder().entrypoint("sleep", "infinity").build();
    }

    protected Pod pending(String deployment) {
        PodSpec spec = deployment == null ? minimalSpec() : minimalSpec().withName(deployment);
        return Pod.pending(PodId.random(), spec, deployment, null, clock.instant());
    }

    /** A pod in {@code status} created now; terminal statuses get a USER stop. */
    protected Pod pod(PodStatus status, String deployment) {
        Pod pod = pending(deployment);
        Instant now = clock.instant();
        Pod moved = new Pod(pod.id(), pod.spec(), status, pod.imageId(), deployment, status == PodStatus.PENDING ? null : "c-" + pod.id(),
                pod.urls(), status.isTerminal() ? StopReason.USER : null, null, null, now, now,
                status == PodStatus.RUNNING ? now : null, status.isTerminal() ? now : null, 0);
        return moved;
    }

    protected Deployment deployment(String name, PodId current) {
        PodSpec spec = PodSpec.builder().name(name).entrypoint("python3", "-m", "http.server").ports(8000)
                .env("MODE", "prod").keepWarmSeconds(-1).build();
        Map<Integer, URI> urls = Map.of(8000, URI.create("https://" + name + "-8000.pods.localhost:8443"));
        return new Deployment(name, spec, current, urls, clock.instant(), clock.instant(), 0);
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
