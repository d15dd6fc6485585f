package dev.berth.functions.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.emulator.Emulator;
import dev.berth.emulator.EmulatorExtension;
import dev.berth.emulator.Fixtures;
import dev.berth.pod.Deployment;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodQuery;
import dev.berth.pod.PodSpec;
import dev.berth.pod.PodStatus;
import dev.berth.pod.StopReason;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmulatorExtension.class)
class DynamoDbPodStoreIT {
    private final DynamoDbPodStore store;

    DynamoDbPodStoreIT(Emulator aws) {
        store = new DynamoDbPodStore(aws.clients().dynamoDb(), Fixtures.table(aws));
    }

    private static Pod pod(String deployment, Instant at) {
        return Pod.pending(PodId.random(), PodSpec.builder().entrypoint("python3", "-m", "http.server").ports(8000).build(),
                deployment, Map.of(), at);
    }

    @Test
    void update_whenTwoWritersRace_onlyOneWins() {
        Pod created = store.create(pod(null, Instant.parse("2026-01-01T00:00:00Z")));
        Instant later = created.createdAt().plusSeconds(1);

        var first = store.update(created, created.withStop(StopReason.USER, null, null).moveTo(PodStatus.STOPPED, later));
        var second = store.update(created, created.withStop(StopReason.IDLE, null, null).moveTo(PodStatus.STOPPED, later));

        assertThat(first).isPresent();
        assertThat(second).isEmpty();
        assertThat(store.find(created.id())).get().satisfies(p -> {
            assertThat(p.version()).isEqualTo(2);
            assertThat(p.stopReason()).isEqualTo(StopReason.USER);
        });
    }

    @Test
    void create_whenIdExists_rejects() {
        Pod created = store.create(pod(null, Instant.now()));
        assertThatThrownBy(() -> store.create(created)).isInstanceOf(IllegalStateException.class).hasMessageContaining(created.id().value());
    }

    @Test
    void list_byStatusAndDeployment_newestFirst() {
        Pod older = store.create(pod("web", Instant.parse("2026-01-01T00:00:00Z")));
        Pod newer = store.create(pod("web", Instant.parse("2026-01-01T00:00:00.5Z")));
        Pod other = store.create(pod(null, Instant.parse("2026-01-02T00:00:00Z")));
        store.update(other, other.moveTo(PodStatus.BUILDING, other.createdAt()));

        assertThat(store.list(new PodQuery(null, "web"))).extracting(Pod::id).containsExactly(newer.id(), older.id());
        assertThat(store.list(PodQuery.withStatus(PodStatus.BUILDING))).extracting(Pod::id).containsExactly(other.id());
        assertThat(store.list(PodQuery.withStatus(PodStatus.PENDING))).extracting(Pod::id).containsExactly(newer.id(), older.id());
    }

    @Test
    void deployments_createUpdateDelete_areVersioned() {
        Instant now = Instant.now();
        Deployment d = store.createDeployment(new Deployment("web", PodSpec.builder().entrypoint("x").build(), null, Map.of(), now, now, 0));
        assertThat(d.version()).isEqualTo(1);
        Deployment moved = store.updateDeployment(d, d.withCurrentPod(PodId.random(), d.spec(), Map.of(), now)).orElseThrow();
        assertThat(store.updateDeployment(d, d)).isEmpty();
        assertThat(store.listDeployments()).extracting(Deployment::name).containsExactly("web");
        assertThat(store.deleteDeployment(d)).isFalse();
        assertThat(store.deleteDeployment(moved)).isTrue();
        assertThat(store.findDeployment("web")).isEmpty();
    }
}
