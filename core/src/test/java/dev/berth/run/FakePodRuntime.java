package dev.berth.run;

import dev.berth.BerthClientException;
import dev.berth.ErrorCode;
import dev.berth.pod.Pod;
import dev.berth.pod.PodEvents;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A {@link PodRuntime} in memory for unit tests: containers are entries in a map; the test makes them ready
 * or exit ({@link #ready}, {@link #exit}), which reports to the {@link PodEvents}. Thread-safe.
 */
public final class FakePodRuntime implements PodRuntime {
    private final PodEvents events;
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final List<String> stops = new CopyOnWriteArrayList<>();
    private volatile RuntimeException failOnStart;
    private volatile Consumer<Pod> onStart = pod -> { };
    private volatile boolean hasGpu;

    public FakePodRuntime(PodEvents events) {
        this.events = events;
    }

    private static final class Container {
        final PodId podId;
        final String image;
        volatile RuntimeState state = new RuntimeState.Running(Map.of());
        final List<String> logs = new CopyOnWriteArrayList<>();

        Container(PodId podId, String image) {
            this.podId = podId;
            this.image = image;
        }
    }

    @Override
    public void validate(PodSpec spec) {
        if (spec.gpu() != null && !hasGpu) {
            throw new BerthClientException(ErrorCode.UNSUPPORTED, "gpu", "No GPU here");
        }
    }

    @Override
    public String start(Pod pod, String imageRef) {
        if (failOnStart != null) {
            throw failOnStart;
        }
        String ref = "c-" + pod.id().value();
        containers.put(ref, new Container(pod.id(), imageRef));
        onStart.accept(pod);
        return ref;
    }

    @Override
    public RuntimeState inspect(String runtimeRef) {
        Container c = containers.get(runtimeRef);
        return c == null ? new RuntimeState.Missing() : c.state;
    }

    @Override
    public RuntimeState adopt(Pod pod) {
        Container c = containers.get(pod.runtimeRef());
        if (c == null) {
            return new RuntimeState.Missing();
        }
        if (c.state instanceof RuntimeState.Running running) {
            events.podReady(pod.id(), running.endpoints());
        } else if (c.state instanceof RuntimeState.Exited exited) {
            events.podExited(pod.id(), exited.exitCode());
        }
        return c.state;
    }

    @Override
    public void stop(String runtimeRef) {
        stops.add(runtimeRef);
        containers.remove(runtimeRef);
    }

    @Override
    public List<Owned> list() {
        List<Owned> owned = new ArrayList<>();
        containers.forEach((ref, c) -> owned.add(new Owned(c.podId, ref, c.state)));
        return owned;
    }

    @Override
    public Stream<String> logs(String runtimeRef, boolean follow) {
        Container c = containers.get(runtimeRef);
        return c == null ? Stream.empty() : List.copyOf(c.logs).stream();
    }

    // ---- test controls ----

    /** The container of a pod listens: report it ready with an endpoint per port. */
    public Map<Integer, Endpoint> ready(Pod pod) {
        Map<Integer, Endpoint> endpoints = new java.util.HashMap<>();
        pod.spec().ports().forEach(p -> endpoints.put(p, new Endpoint("10.0.0.1", p)));
        Container c = containers.get("c-" + pod.id().value());
        if (c != null) {
            c.state = new RuntimeState.Running(endpoints);
        }
        events.podReady(pod.id(), endpoints);
        return endpoints;
    }

    public void exit(PodId id, int code, String... logLines) {
        Container c = containers.get("c-" + id.value());
        if (c != null) {
            c.logs.addAll(List.of(logLines));
            c.state = new RuntimeState.Exited(code);
        }
        events.podExited(id, code);
    }

    /** A container started by an earlier process (for recovery tests). */
    public String addContainer(PodId id, RuntimeState state) {
        Container c = new Container(id, "fake/image");
        c.state = state;
        containers.put("c-" + id.value(), c);
        return "c-" + id.value();
    }

    public void vanish(PodId id) {
        containers.remove("c-" + id.value());
    }

    public boolean isRunning(PodId id) {
        return containers.get("c-" + id.value()) != null && containers.get("c-" + id.value()).state instanceof RuntimeState.Running;
    }

    public List<String> stops() {
        return List.copyOf(stops);
    }

    public void failOnStart(RuntimeException e) {
        this.failOnStart = e;
    }

    /** Runs during {@link #start}, after the container exists (to simulate races). */
    public void onStart(Consumer<Pod> hook) {
        this.onStart = hook;
    }

    public void hasGpu(boolean value) {
        this.hasGpu = value;
    }
}
