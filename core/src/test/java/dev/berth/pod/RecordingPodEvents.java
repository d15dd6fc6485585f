package dev.berth.pod;

import dev.berth.image.ImageId;
import dev.berth.run.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A {@link PodEvents} that records every event, for tests of adapters that report asynchronously. The
 * {@code await…} methods block until a matching event arrives or fail with the events seen so far.
 * Thread-safe.
 */
public final class RecordingPodEvents implements PodEvents {

    /** One recorded event. */
    public sealed interface Recorded {
    }

    public record ImageBuilt(ImageId imageId, String ref) implements Recorded {
    }

    public record ImageFailed(ImageId imageId, String message) implements Recorded {
    }

    public record PodReady(PodId podId, Map<Integer, Endpoint> endpoints) implements Recorded {
    }

    public record PodExited(PodId podId, int exitCode) implements Recorded {
    }

    public record PodFailed(PodId podId, String message) implements Recorded {
    }

    private final List<Recorded> events = new ArrayList<>();
    private final Duration timeout;

    public RecordingPodEvents() {
        this(Duration.ofSeconds(120));
    }

    /** @param timeout how long the {@code await…} methods wait */
    public RecordingPodEvents(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void imageBuilt(ImageId imageId, String ref) {
        record(new ImageBuilt(imageId, ref));
    }

    @Override
    public void imageFailed(ImageId imageId, String message) {
        record(new ImageFailed(imageId, message));
    }

    @Override
    public void podReady(PodId podId, Map<Integer, Endpoint> endpoints) {
        record(new PodReady(podId, Map.copyOf(endpoints)));
    }

    @Override
    public void podExited(PodId podId, int exitCode) {
        record(new PodExited(podId, exitCode));
    }

    @Override
    public void podFailed(PodId podId, String message) {
        record(new PodFailed(podId, message));
    }

    private synchronized void record(Recorded event) {
        events.add(event);
        notifyAll();
    }

    /** Every event so far, in order. */
    public synchronized List<Recorded> events() {
        return List.copyOf(events);
    }

    /** The events of one type so far. */
    public synchronized <T extends Recorded> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The events about one pod so far. */
    public synchronized List<Recorded> eventsOf(PodId podId) {
        return events.stream().filter(e -> podId.equals(podIdOf(e))).toList();
    }

    /** The events about one image so far. */
    public synchronized List<Recorded> eventsOf(ImageId imageId) {
        return events.stream().filter(e -> imageId.equals(imageIdOf(e))).toList();
    }

    /** The first event matching, waiting up to the timeout. */
    public <T extends Recorded> T await(Class<T> type, Predicate<T> matching) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                Optional<T> found = events.stream().filter(type::isInstance).map(type::cast).filter(matching).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("No " + type.getSimpleName() + " event within " + timeout + "; events so far: " + events);
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("Interrupted while waiting for " + type.getSimpleName(), e);
                }
            }
        }
    }

    /** The first event about a pod that ends its start: ready, exited or failed. */
    public Recorded awaitOutcome(PodId podId) {
        return await(Recorded.class, e -> podId.equals(podIdOf(e)));
    }

    public PodReady awaitReady(PodId podId) {
        return await(PodReady.class, e -> e.podId().equals(podId));
    }

    public PodExited awaitExited(PodId podId) {
        return await(PodExited.class, e -> e.podId().equals(podId));
    }

    public PodFailed awaitFailed(PodId podId) {
        return await(PodFailed.class, e -> e.podId().equals(podId));
    }

    public ImageBuilt awaitImageBuilt(ImageId imageId) {
        return await(ImageBuilt.class, e -> e.imageId().equals(imageId));
    }

    public ImageFailed awaitImageFailed(ImageId imageId) {
        return await(ImageFailed.class, e -> e.imageId().equals(imageId));
    }

    /** The first image outcome (built or failed) of an id. */
    public Recorded awaitImageOutcome(ImageId imageId) {
        return await(Recorded.class, e -> imageId.equals(imageIdOf(e)));
    }

    private static PodId podIdOf(Recorded e) {
        return switch (e) {
            case PodReady r -> r.podId();
            case PodExited r -> r.podId();
            case PodFailed r -> r.podId();
            default -> null;
        };
    }

    private static ImageId imageIdOf(Recorded e) {
        return switch (e) {
            case ImageBuilt r -> r.imageId();
            case ImageFailed r -> r.imageId();
            default -> null;
        };
    }
}
