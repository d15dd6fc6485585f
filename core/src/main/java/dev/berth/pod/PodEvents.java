package dev.berth.pod;

import dev.berth.image.ImageId;
import dev.berth.run.Endpoint;
import java.util.Map;

/**
 * What the platform's adapters observe asynchronously and report back: builds finishing, containers
 * becoming ready or exiting. {@link PodService} implements it; locally the adapters call it directly, on
 * AWS the Lambda handlers call it for EventBridge events. Every method is idempotent: a repeated or late
 * event changes nothing.
 */
public interface PodEvents {

    void imageBuilt(ImageId imageId, String ref);

    void imageFailed(ImageId imageId, String message);

    /** Every port of the pod accepts connections at these endpoints. */
    void podReady(PodId podId, Map<Integer, Endpoint> endpoints);

    /** The pod's entrypoint ended. */
    void podExited(PodId podId, int exitCode);

    /** The pod's container could not be started, or died for a reason other than its entrypoint ending. */
    void podFailed(PodId podId, String message);

    /**
     * Events sent to this relay before {@link #bind} are rejected; after, they go to the target. Breaks
     * the cycle between adapters (which report) and the service (which uses the adapters).
     */
    final class Relay implements PodEvents {
        private volatile PodEvents target;

        public void bind(PodEvents target) {
            this.target = target;
        }

        private PodEvents target() {
            PodEvents t = target;
            if (t == null) {
                throw new IllegalStateException("PodEvents.Relay used before bind(); wire the PodService first");
            }
            return t;
        }

        @Override
        public void imageBuilt(ImageId imageId, String ref) {
            target().imageBuilt(imageId, ref);
        }

        @Override
        public void imageFailed(ImageId imageId, String message) {
            target().imageFailed(imageId, message);
        }

        @Override
        public void podReady(PodId podId, Map<Integer, Endpoint> endpoints) {
            target().podReady(podId, endpoints);
        }

        @Override
        public void podExited(PodId podId, int exitCode) {
            target().podExited(podId, exitCode);
        }

        @Override
        public void podFailed(PodId podId, String message) {
            target().podFailed(podId, message);
        }
    }
}
