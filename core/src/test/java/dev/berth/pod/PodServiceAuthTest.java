package dev.berth.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthClientException;
import dev.berth.MutableClock;
import dev.berth.image.FakeImageBuilder;
import dev.berth.route.AuthToken;
import dev.berth.route.FakeRouter;
import dev.berth.route.Route;
import dev.berth.route.UrlScheme;
import dev.berth.run.FakePodRuntime;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens of {@code authorized} pods and deployments: issued once, stored as a hash, carried to the route. */
class PodServiceAuthTest {
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-11-28T10:00:00Z"));
    private final InMemoryPodStore store = new InMemoryPodStore();
    private final PodEvents.Relay events = new PodEvents.Relay();
    private final FakeImageBuilder builder = new FakeImageBuilder(events, Set.of("python:3.12-slim"));
    private final FakePodRuntime runtime = new FakePodRuntime(events);
    private final FakeRouter router = new FakeRouter(new UrlScheme("pods.localhost", 8443), clock);
    private PodService service;

    @BeforeEach
    void wire() {
        service = new PodService(store, builder, runtime, router, router, router.urls(), clock, Runnable::run);
        events.bind(service);
    }

    private PodSpec.Builder web() {
        PodSpec.Builder spec = PodSpec.builder().entrypoint("python3", "-m", "http.server", "8000").ports(8000);
        builder.preBuilt(spec.build().image());
        return spec;
    }

    @Test
    void createWithToken_whenAuthorized_issuesARandomTokenAndStoresOnlyItsHash() {
        PodService.Issued<Pod> first = service.createWithToken(web().authorized(true).build());
        PodService.Issued<Pod> second = service.createWithToken(web().authorized(true).build());

        assertThat(first.authToken()).startsWith(AuthToken.PREFIX).hasSize(AuthToken.PREFIX.length() + 43);
        assertThat(second.authToken()).isNotEqualTo(first.authToken());
        Pod stored = service.get(first.value().id());
        assertThat(stored.authTokenHash()).isEqualTo(AuthToken.hash(first.authToken())).doesNotContain(first.authToken());
        assertThat(dev.berth.internal.Json.write(stored)).doesNotContain(first.authToken());
        assertThat(first.toString()).doesNotContain(first.authToken());
    }

    @Test
    void createWithToken_whenNotAuthorized_issuesNothing() {
        PodService.Issued<Pod> created = service.createWithToken(web().build());

        assertThat(created.authToken()).isNull();
        assertThat(service.get(created.value().id()).authTokenHash()).isNull();
    }

    @Test
    void podReady_publishesARouteThatAdmitsOnlyThePodsToken() {
        PodService.Issued<Pod> created = service.createWithToken(web().authorized(true).build());

        runtime.ready(service.get(created.value().id()));

        Route route = router.route(created.value().id().value()).orElseThrow();
        assertThat(route.authorized()).isTrue();
        assertThat(route.admits(created.authToken())).isTrue();
        assertThat(route.admits(created.authToken() + "x")).isFalse();
        assertThat(route.admits(null)).isFalse();
        assertThat(route.admits(AuthToken.generate())).isFalse();
    }

    @Test
    void deployWithToken_issuesTheTokenOnce_andEveryPodOfTheDeploymentTakesIt() {
        PodSpec spec = web().name("secure").authorized(true).keepWarmSeconds(0).build();

        PodService.Issued<Deployment> first = service.deployWithToken(spec);
        PodService.Issued<Deployment> again = service.deployWithToken(spec);
        PodService.Issued<Deployment> changed = service.deployWithToken(web().name("secure").authorized(true).keepWarmSeconds(0)
                .env("V", "2").build());

        assertThat(first.authToken()).startsWith(AuthToken.PREFIX);
        assertThat(again.authToken()).isNull();
        assertThat(changed.authToken()).isNull();
        String hash = AuthToken.hash(first.authToken());
        assertThat(service.deployment("secure").authTokenHash()).isEqualTo(hash);
        assertThat(service.get(first.value().currentPod()).authTokenHash()).isEqualTo(hash);
        assertThat(service.get(changed.value().currentPod()).authTokenHash()).isEqualTo(hash);

        Pod replacement = service.get(changed.value().currentPod());
        runtime.ready(replacement);
        service.reapIdle();
        assertThat(service.get(replacement.id()).stopReason()).isEqualTo(StopReason.IDLE);
        Pod woken = service.wake("secure");
        runtime.ready(service.get(woken.id()));

        assertThat(woken.id()).isNotEqualTo(replacement.id());
        assertThat(woken.authTokenHash()).isEqualTo(hash);
        assertThat(router.route("secure").orElseThrow().admits(first.authToken())).isTrue();
    }

    @Test
    void deployWithToken_whenAnOpenDeploymentBecomesAuthorized_issuesAToken() {
        PodService.Issued<Deployment> open = service.deployWithToken(web().name("later").build());

        PodService.Issued<Deployment> secured = service.deployWithToken(web().name("later").authorized(true).build());

        assertThat(open.authToken()).isNull();
        assertThat(secured.authToken()).isNotNull();
        assertThat(service.get(secured.value().currentPod()).authTokenHash()).isEqualTo(AuthToken.hash(secured.authToken()));
    }

    @Test
    void rotateToken_replacesTheRunningPodsRouteHash_andTheOldTokenStopsWorking() {
        PodService.Issued<Deployment> deployed = service.deployWithToken(web().name("rot").authorized(true).build());
        runtime.ready(service.get(deployed.value().currentPod()));

        PodService.Issued<Deployment> rotated = service.rotateToken("rot");

        assertThat(rotated.authToken()).isNotEqualTo(deployed.authToken());
        Route route = router.route("rot").orElseThrow();
        assertThat(route.podId()).isEqualTo(deployed.value().currentPod());
        assertThat(route.admits(rotated.authToken())).isTrue();
        assertThat(route.admits(deployed.authToken())).isFalse();
        assertThat(service.get(deployed.value().currentPod()).status()).isEqualTo(PodStatus.RUNNING);
        assertThat(service.get(deployed.value().currentPod()).authTokenHash()).isEqualTo(AuthToken.hash(rotated.authToken()));
    }

    @Test
    void rotateToken_whenNotAuthorized_rejectsNamingTheField() {
        service.deploy(web().name("open").build());

        assertThatThrownBy(() -> service.rotateToken("open")).isInstanceOf(BerthClientException.class)
                .hasMessageContaining("not authorized").extracting(e -> ((BerthClientException) e).field()).isEqualTo("authorized");
    }
}
