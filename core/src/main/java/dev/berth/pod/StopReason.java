package dev.berth.pod;

/** Why a pod stopped. Every stop records one. */
public enum StopReason {
    /** A user asked for it (terminate, container stop, deployment stop or replace). */
    USER,
    /** No connection for keep-warm seconds. */
    IDLE,
    /** The entrypoint ended; the exit code is kept. */
    EXITED,
    /** The image build or the container start failed; the message is kept. */
    FAILED,
    /** The container disappeared while the platform was not watching. */
    LOST
}
