package dev.berth;

/** Machine-readable error codes of the REST API, each with its HTTP status. */
public enum ErrorCode {
    INVALID_SPEC(400),
    INVALID_REQUEST(400),
    MALFORMED_JSON(400),
    UNAUTHORIZED(401),
    FORBIDDEN(403),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    CONFLICT(409),
    PAYLOAD_TOO_LARGE(413),
    UNSUPPORTED(422),
    INTERNAL(500),
    UNAVAILABLE(503);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The code for an HTTP status, falling back to {@link #INTERNAL} for 5xx and {@link #INVALID_REQUEST} for 4xx. */
    public static ErrorCode forStatus(int status) {
        for (ErrorCode code : values()) {
            if (code.httpStatus == status) {
                return code;
            }
        }
        return status >= 500 ? INTERNAL : INVALID_REQUEST;
    }
}
