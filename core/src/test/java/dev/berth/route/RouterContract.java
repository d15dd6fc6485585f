package dev.berth.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.berth.pod.PodId;
import dev.berth.run.Endpoint;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Router} adapter shares: which host reaches which endpoint after publish,
 * replace and withdraw. Subclasses provide the router, a way to start a tiny backend, and a way to send a
 * request to a host through the router. Every test uses fresh pod ids, so one router may serve the whole
 * suite.
 */
public abstract class RouterContract {

    /** What a request through the router got back. */
    public record Reply(int status, String body) {
    }

    /** The router under test. */
    protected abstract Router router();

    /** The URL scheme the router serves (its domain and port). */
    protected abstract UrlScheme urls();

    /** Starts a backend that answers every request with 200 and {@code body}; returns where the router reaches it. */
    protected abstract Endpoint startBackend(String body) throws Exception;

    /** Sends {@code GET /} for {@code host} (such as {@code abc-8080.pods.localhost}) through the router. */
    protected abstract Reply get(String host) throws Exception;

    protected Route route(PodId pod, String label, Map<Integer, Endpoint> targets) {
        return new Route(pod, label, targets, false);
    }

    @Test
    void publish_thenEachPortsHost_reachesItsBackend() throws Exception {
        PodId pod = PodId.random();
        Endpoint a = startBackend("port-a");
        Endpoint b = startBackend("port-b");
        router().publish(route(pod, pod.value(), Map.of(8080, a, 9090, b)));

        assertThat(get(urls().host(pod.value(), 8080))).isEqualTo(new Reply(200, "port-a"));
        assertThat(get(urls().host(pod.value(), 9090))).isEqualTo(new Reply(200, "port-b"));
    }

    @Test
    void publish_whenLabelAlreadyRouted_replacesTheRoute() throws Exception {
        PodId oldPod = PodId.random();
        PodId newPod = PodId.random();
        String label = "app" + oldPod.value().substring(1, 6);
        router().publish(route(oldPod, label, Map.of(8080, startBackend("old"))));
        assertThat(get(urls().host(label, 8080))).isEqualTo(new Reply(200, "old"));

        router().publish(route(newPod, label, Map.of(8080, startBackend("new"))));

        assertThat(get(urls().host(label, 8080))).isEqualTo(new Reply(200, "new"));
    }

    @Test
    void withdraw_removesEveryRouteOfThePod() throws Exception {
        PodId pod = PodId.random();
        String deployment = "dep" + pod.value().substring(1, 6);
        Endpoint backend = startBackend("both");
        router().publish(route(pod, pod.value(), Map.of(8080, backend)));
        router().publish(route(pod, deployment, Map.of(8080, backend)));

        router().withdraw(pod);

        assertThat(get(urls().host(pod.value(), 8080)).status()).isEqualTo(404);
        assertThat(get(urls().host(deployment, 8080)).status()).isEqualTo(404);
    }

    @Test
    void withdraw_leavesOtherPodsServed() throws Exception {
        PodId gone = PodId.random();
        PodId kept = PodId.random();
        router().publish(route(gone, gone.value(), Map.of(8080, startBackend("gone"))));
        router().publish(route(kept, kept.value(), Map.of(8080, startBackend("kept"))));

        router().withdraw(gone);

        assertThat(get(urls().host(kept.value(), 8080))).isEqualTo(new Reply(200, "kept"));
    }

    @Test
    void withdraw_whenNeverPublishedOrRepeated_isANoOp() throws Exception {
        PodId pod = PodId.random();
        assertThatCode(() -> router().withdraw(pod)).doesNotThrowAnyException();
        router().publish(route(pod, pod.value(), Map.of(8080, startBackend("x"))));
        router().withdraw(pod);
        assertThatCode(() -> router().withdraw(pod)).doesNotThrowAnyException();
        assertThat(get(urls().host(pod.value(), 8080)).status()).isEqualTo(404);
    }

    @Test
    void publish_afterWithdraw_servesAgain() throws Exception {
        PodId pod = PodId.random();
        Endpoint backend = startBackend("again");
        router().publish(route(pod, pod.value(), Map.of(8080, backend)));
        router().withdraw(pod);

        router().publish(route(pod, pod.value(), Map.of(8080, backend)));

        assertThat(get(urls().host(pod.value(), 8080))).isEqualTo(new Reply(200, "again"));
    }

    @Test
    void get_whenNoRouteForTheLabel_is404() throws Exception {
        assertThat(get(urls().host(PodId.random().value(), 8080)).status()).isEqualTo(404);
    }

    @Test
    void get_whenPortNotPublished_is404() throws Exception {
        PodId pod = PodId.random();
        router().publish(route(pod, pod.value(), Map.of(8080, startBackend("x"))));

        assertThat(get(urls().host(pod.value(), 8081)).status()).isEqualTo(404);
    }
}
