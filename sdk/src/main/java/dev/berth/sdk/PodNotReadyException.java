package dev.berth.sdk;

import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.pod.PodStatus;

/**
 * {@link PodInstance#awaitReady} gave up: the pod failed or stopped before it answered, or the time ran out.
 * {@link #status()} is the pod's status when it gave up; the message carries the pod's own message (the
 * build error, the exit code) and what to look at next.
 */
public final class PodNotReadyException extends BerthServiceException {
    private final String podId;
    private final PodStatus status;

    public PodNotReadyException(String podId, PodStatus status, String message) {
        super(status.isTerminal() ? ErrorCode.INTERNAL : ErrorCode.UNAVAILABLE, message, null);
        this.podId = podId;
        this.status = status;
    }

    /** The pod that did not become ready. */
    public String podId() {
        return podId;
    }

    /** Its status when waiting ended: {@code FAILED} or {@code STOPPED} if it ended, another one on timeout. */
    public PodStatus status() {
        return status;
    }

    /** Whether the pod ended (failed or stopped) rather than the time running out. */
    public boolean podEnded() {
        return status.isTerminal();
    }
}
