package dev.berth;

import java.util.Objects;

/**
 * Root of every exception Berth throws. Unchecked; split into {@link BerthClientException} (the caller
 * can fix the request) and {@link BerthServiceException} (the platform failed).
 *
 * <p>Every instance carries an {@link ErrorCode}, which maps to an HTTP status in the REST API, and a
 * message that names what failed, the offending value and how to fix it.
 */
public abstract class BerthException extends RuntimeException {
    private final ErrorCode code;
    private final String field;

    protected BerthException(ErrorCode code, String field, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.field = field;
    }

    /** The machine-readable code of this error. */
    public ErrorCode code() {
        return code;
    }

    /** The request field this error is about, such as {@code ports[0]}, or {@code null}. */
    public String field() {
        return field;
    }
}
