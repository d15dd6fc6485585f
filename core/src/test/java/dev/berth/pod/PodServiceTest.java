package dev.berth.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthClientException;
import dev.berth.InvalidSpecException;
import dev.berth.MutableClock;
import dev.berth.NotFoundException;
import dev.berth.image.FakeImageBuilder;
import dev.berth.image.ImageSpec;
import dev.berth.reap.Activity;
import dev.berth.reap.ActivitySource;
import dev.berth.route.Route;
import dev.berth.route.Router;
import dev.berth.route.UrlScheme;
import dev.berth.run.FakePodRuntime;
import dev.berth.run.RuntimeState;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PodServiceTest {
    private static final String BASE = "python:3.12-slim";

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-11-28T10:00:00Z"));
    private final InMemoryPodStore store = new InMemoryPodStore();
    private final PodEvents.Relay events = new PodEvents.Relay();
    private final FakeImageBuilder builder = new FakeImageBuilder(events, Set.of(BASE, "busybox:latest"));
    private final FakePodRuntime runtime = new FakePodRuntime(events);
    private final RecordingRouter router = new RecordingRouter();
    private PodService service;

    @BeforeEach
    void wire() {
        service = new PodService(store, builder, runtime, router, router, new UrlScheme("pods.localhost", 8443), clock, Runnable::run);
        events.bind(service);
    }

    private static PodSpec.Builder web() {
        return PodSpec.builder().entrypoint("python3", "-m", "http.server", "8000").ports(8000);
    }

    private Pod runningPod(PodSpec spec) {
        builder.preBuilt(spec.image());
        Pod pod = service.create(spec);
        runtime.ready(service.get(pod.id()));
        return service.get(pod.id());
    }

    @Test
    void create_withCachedImage_startsAndBecomesRunningWithRouteAndUrls() {
        PodSpec spec = web().ports(8001).build();
        builder.preBuilt(spec.image());

        Pod created = service.create(spec);

        assertThat(created.status()).isEqualTo(PodStatus.PENDING);
        assertThat(created.urls()).containsEntry(8000, URI.create("https://" + created.id() + "-8000.pods.localhost:8443/"))
                .containsEntry(8001, URI.create("https://" + created.id() + "-8001.pods.localhost:8443/"));
        Pod starting = service.get(created.id());
        assertThat(starting.status()).isEqualTo(PodStatus.STARTING);
        assertThat(starting.runtimeRef()).isEqualTo("c-" + created.id());
        assertThat(builder.buildsStarted()).isZero();

        runtime.ready(starting);

        Pod running = service.get(created.id());
        assertThat(running.status()).isEqualTo(PodStatus.RUNNING);
        assertThat(running.runningSince()).isEqualTo(clock.instant());
        assertThat(router.routes).containsKey(created.id().value());
        assertThat(router.routes.get(created.id().value()).targets()).containsOnlyKeys(8000, 8001);
    }

    @Test
    void create_whenImageMissing_buildsThenStartsEveryWaitingPod() {
        PodSpec spec = web().image(ImageSpec.builder().pythonPackages("flask==3.0.0").build()).build();
        Pod first = service.create(spec);
        Pod second = service.create(spec);

        assertThat(service.get(first.id()).status()).isEqualTo(PodStatus.BUILDING);
        assertThat(service.get(second.id()).status()).isEqualTo(PodStatus.BUILDING);
        assertThat(builder.buildsStarted()).isEqualTo(1);

        builder.finish(first.imageId());

        assertThat(service.get(first.id()).status()).isEqualTo(PodStatus.STARTING);
        assertThat(service.get(second.id()).status()).isEqualTo(PodStatus.STARTING);
    }

    @Test
    void imageFailed_failsWaitingPodsWithTheBuildMessage() {
        PodSpec spec = web().image(ImageSpec.builder().commands("exit 3").build()).build();
        Pod pod = service.create(spec);

        builder.failBuild(pod.imageId(), "step 'RUN exit 3' returned 3");

        Pod failed = service.get(pod.id());
        assertThat(failed.status()).isEqualTo(PodStatus.FAILED);
        assertThat(failed.stopReason()).isEqualTo(StopReason.FAILED);
        assertThat(failed.message()).contains("Image build failed").contains("RUN exit 3");
        assertThat(failed.stoppedAt()).isNotNull();
    }

    @Test
    void create_whenBaseUnknown_rejectsAndStoresNothing() {
        PodSpec spec = web().image(ImageSpec.builder().base("nosuch:1").build()).build();

        assertThatThrownBy(() -> service.create(spec)).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("nosuch:1")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("image.base");
        assertThat(store.list(PodQuery.all())).isEmpty();
    }

    @Test
    void create_whenGpuUnavailable_rejectsWithFieldAndStoresNothing() {
        assertThatThrownBy(() -> service.create(web().gpu("T4").build())).isInstanceOf(BerthClientException.class)
                .extracting(e -> ((BerthClientException) e).field()).isEqualTo("gpu");
        assertThat(store.list(PodQuery.all())).isEmpty();
    }

    @Test
    void create_withName_pointsToDeploy() {
        assertThatThrownBy(() -> service.create(web().name("app").build())).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("deploy");
    }

    @Test
    void start_whenRuntimeFails_marksFailedWithMessage() {
        PodSpec spec = web().build();
        builder.preBuilt(spec.image());
        runtime.failOnStart(new IllegalStateException("no such network"));

        Pod pod = service.create(spec);

        Pod failed = service.get(pod.id());
        assertThat(failed.status()).isEqualTo(PodStatus.FAILED);
        assertThat(failed.message()).contains("no such network");
    }

    @Test
    void stop_isIdempotent_stopsTheContainerOnce() {
        Pod pod = runningPod(web().build());

        Pod stopped = service.stop(pod.id(), StopReason.USER);
        Pod again = service.stop(pod.id(), StopReason.USER);

        assertThat(stopped.status()).isEqualTo(PodStatus.STOPPED);
        assertThat(stopped.stopReason()).isEqualTo(StopReason.USER);
        assertThat(again).isEqualTo(stopped);
        assertThat(runtime.stops()).containsExactly("c-" + pod.id());
        assertThat(router.routes).doesNotContainKey(pod.id().value());
    }

    @Test
    void stop_racingTheReaper_endsInOneStoppedRecordAndOneContainerStop() throws Exception {
        for (int round = 0; round < 20; round++) {
            Pod pod = runningPod(web().keepWarmSeconds(0).build());
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(8);
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                boolean reaper = i % 2 == 0;
                results.add(threads.submit(() -> {
                    go.await();
                    return reaper ? service.reapIdle() : service.stop(pod.id(), StopReason.USER);
                }));
            }
            go.countDown();
            for (Future<?> f : results) {
                f.get();
            }
            threads.shutdown();

            Pod end = service.get(pod.id());
            assertThat(end.status()).isEqualTo(PodStatus.STOPPED);
            assertThat(end.stopReason()).isIn(StopReason.USER, StopReason.IDLE);
            assertThat(runtime.stops()).filteredOn(ref -> ref.equals("c-" + pod.id())).hasSize(1);
        }
    }

    @Test
    void stop_whileStartingBeforeTheRefIsRecorded_removesTheContainer() {
        PodSpec spec = web().build();
        builder.preBuilt(spec.image());
        runtime.onStart(pod -> service.stop(pod.id(), StopReason.USER));

        Pod pod = service.create(spec);

        assertThat(service.get(pod.id()).status()).isEqualTo(PodStatus.STOPPED);
        assertThat(runtime.stops()).contains("c-" + pod.id());
        assertThat(runtime.isRunning(pod.id())).isFalse();
    }

    @Test
    void podReady_afterAStop_leavesNoRoute() {
        PodSpec spec = web().build();
        builder.preBuilt(spec.image());
        Pod pod = service.create(spec);
        service.stop(pod.id(), StopReason.USER);

        service.podReady(pod.id(), Map.of(8000, new dev.berth.run.Endpoint("10.0.0.9", 8000)));

        assertThat(service.get(pod.id()).status()).isEqualTo(PodStatus.STOPPED);
        assertThat(router.routes).isEmpty();
    }

    @Test
    void reapIdle_stopsAfterKeepWarmWithoutActivity() {
        Pod pod = runningPod(web().keepWarmSeconds(10).build());

        clock.advance(Duration.ofSeconds(9));
        assertThat(service.reapIdle()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(service.reapIdle()).isEqualTo(1);

        Pod reaped = service.get(pod.id());
        assertThat(reaped.status()).isEqualTo(PodStatus.STOPPED);
        assertThat(reaped.stopReason()).isEqualTo(StopReason.IDLE);
    }

    @Test
    void reapIdle_keepsAPodWithAnOpenConnectionAndCountsFromLastActivity() {
        Pod pod = runningPod(web().keepWarmSeconds(10).build());
        router.activity.put(pod.id(), new Activity(1, clock.instant()));

        clock.advance(Duration.ofMinutes(30));
        assertThat(service.reapIdle()).isZero();

        router.activity.put(pod.id(), new Activity(0, clock.instant()));
        clock.advance(Duration.ofSeconds(9));
        assertThat(service.reapIdle()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(service.reapIdle()).isEqualTo(1);
    }

    @Test
    void reapIdle_neverReapsKeepWarmMinusOne_andReapsZeroAtOnce() {
        Pod forever = runningPod(web().keepWarmSeconds(-1).build());
        Pod eager = runningPod(web().keepWarmSeconds(0).build());

        assertThat(service.reapIdle()).isEqualTo(1);
        clock.advance(Duration.ofDays(30));
        assertThat(service.reapIdle()).isZero();

        assertThat(service.get(forever.id()).status()).isEqualTo(PodStatus.RUNNING);
        assertThat(service.get(eager.id()).stopReason()).isEqualTo(StopReason.IDLE);
    }

    @Test
    void podExited_recordsExitCodeAndKeepsLogs() {
        Pod pod = runningPod(web().build());

        runtime.exit(pod.id(), 3, "starting", "boom");

        Pod exited = service.get(pod.id());
        assertThat(exited.status()).isEqualTo(PodStatus.STOPPED);
        assertThat(exited.stopReason()).isEqualTo(StopReason.EXITED);
        assertThat(exited.exitCode()).isEqualTo(3);
        assertThat(router.routes).isEmpty();
        assertThat(service.logs(pod.id(), false)).containsExactly("starting", "boom");
    }

    @Test
    void podExited_whileStopping_keepsTheStopReason() {
        Pod pod = runningPod(web().build());
        Pod stopping = store.update(service.get(pod.id()),
                service.get(pod.id()).withStop(StopReason.USER, null, "x").moveTo(PodStatus.STOPPING, clock.instant())).orElseThrow();

        service.podExited(pod.id(), 143);

        assertThat(service.get(pod.id()).status()).isEqualTo(PodStatus.STOPPING);
        assertThat(service.get(pod.id()).stopReason()).isEqualTo(StopReason.USER);
        assertThat(stopping.exitCode()).isNull();
    }

    @Test
    void get_unknownPod_isNotFoundWithHint() {
        assertThatThrownBy(() -> service.get(PodId.random())).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("berth container list");
    }

    @Test
    void recover_readoptsRunning_marksVanishedLost_finishesStops_andRemovesOrphans() {
        Pod alive = runningPod(web().build());
        Pod vanished = runningPod(web().build());
        Pod stopping = runningPod(web().build());
        store.update(service.get(stopping.id()),
                service.get(stopping.id()).withStop(StopReason.USER, null, "x").moveTo(PodStatus.STOPPING, clock.instant()));
        PodId orphan = PodId.random();
        runtime.addContainer(orphan, new RuntimeState.Running(Map.of()));
        runtime.vanish(vanished.id());
        router.routes.clear();

        service.recover();

        assertThat(service.get(alive.id()).status()).isEqualTo(PodStatus.RUNNING);
        assertThat(router.routes).containsOnlyKeys(alive.id().value());
        assertThat(service.get(vanished.id()).stopReason()).isEqualTo(StopReason.LOST);
        assertThat(service.get(stopping.id()).status()).isEqualTo(PodStatus.STOPPED);
        assertThat(runtime.stops()).contains("c-" + stopping.id(), "c-" + orphan);
    }

    @Test
    void recover_restartsInterruptedBuilds() {
        PodSpec spec = web().image(ImageSpec.builder().pythonPackages("rich").build()).build();
        Pod pod = service.create(spec);
        FakeImageBuilder fresh = new FakeImageBuilder(events, Set.of(BASE));
        PodService restarted = new PodService(store, fresh, runtime, router, router, new UrlScheme("pods.localhost", 8443), clock, Runnable::run);
        events.bind(restarted);

        restarted.recover();
        fresh.finish(pod.imageId());

        assertThat(fresh.buildsStarted()).isEqualTo(1);
        assertThat(restarted.get(pod.id()).status()).isEqualTo(PodStatus.STARTING);
    }

    @Test
    void deploy_givesStableUrls_reusesAnActivePod_andReplacesOnNewSpec() {
        PodSpec spec = web().name("notebook").build();
        builder.preBuilt(spec.image());

        Deployment first = service.deploy(spec);
        Deployment same = service.deploy(spec);

        assertThat(first.urls()).containsEntry(8000, URI.create("https://notebook-8000.pods.localhost:8443/"));
        assertThat(same.currentPod()).isEqualTo(first.currentPod());
        Pod pod = service.get(first.currentPod());
        assertThat(pod.deployment()).isEqualTo("notebook");
        assertThat(pod.urls()).isEqualTo(first.urls());
        runtime.ready(service.get(pod.id()));
        assertThat(router.routes.get("notebook").podId()).isEqualTo(pod.id());

        Deployment replaced = service.deploy(web().name("notebook").env("MODE", "2").build());

        assertThat(replaced.currentPod()).isNotEqualTo(first.currentPod());
        assertThat(service.get(first.currentPod()).status()).isEqualTo(PodStatus.STOPPED);
        assertThat(replaced.spec().env()).containsEntry("MODE", "2");
    }

    @Test
    void wake_afterReap_startsOnePodEvenWhenCalledConcurrently() throws Exception {
        PodSpec spec = web().name("app").keepWarmSeconds(0).build();
        builder.preBuilt(spec.image());
        Deployment d = service.deploy(spec);
        runtime.ready(service.get(d.currentPod()));
        service.reapIdle();
        assertThat(service.get(d.currentPod()).stopReason()).isEqualTo(StopReason.IDLE);

        ExecutorService threads = Executors.newFixedThreadPool(6);
        List<Future<Pod>> woken = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            woken.add(threads.submit(() -> service.wake("app")));
        }
        Set<PodId> ids = new java.util.HashSet<>();
        for (Future<Pod> f : woken) {
            ids.add(f.get().id());
        }
        threads.shutdown();

        assertThat(ids).hasSize(1);
        assertThat(ids).doesNotContain(d.currentPod());
        assertThat(service.list(PodQuery.active())).hasSize(1);
        assertThat(service.deployment("app").currentPod()).isIn(ids);
    }

    @Test
    void deleteDeployment_stopsItsPodAndForgetsIt() {
        PodSpec spec = web().name("gone").build();
        builder.preBuilt(spec.image());
        Deployment d = service.deploy(spec);

        service.deleteDeployment("gone");

        assertThat(service.get(d.currentPod()).status()).isEqualTo(PodStatus.STOPPED);
        assertThatThrownBy(() -> service.deployment("gone")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void deploy_withoutName_rejectsWithField() {
        assertThatThrownBy(() -> service.deploy(web().build())).isInstanceOf(InvalidSpecException.class)
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("name");
    }

    /** Records routes by label and serves settable activity. */
    static final class RecordingRouter implements Router, ActivitySource {
        final Map<String, Route> routes = new ConcurrentHashMap<>();
        final Map<PodId, Activity> activity = new ConcurrentHashMap<>();

        @Override
        public void publish(Route route) {
            routes.put(route.label(), route);
        }

        @Override
        public void withdraw(PodId podId) {
            routes.values().removeIf(r -> r.podId().equals(podId));
        }

        @Override
        public Activity activity(PodId podId) {
            return activity.getOrDefault(podId, Activity.NONE);
        }
    }
}
