package dev.berth;

/** The request was wrong: the caller can fix it. The message says how. */
public class BerthClientException extends BerthException {
    public BerthClientException(ErrorCode code, String field, String message) {
        super(code, field, message, null);
    }

    public BerthClientException(ErrorCode code, String field, String message, Throwable cause) {
        super(code, field, message, cause);
    }
}
