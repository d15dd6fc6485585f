package dev.berth;

/** The platform failed to do what was asked; retrying later may help. */
public class BerthServiceException extends BerthException {
    public BerthServiceException(ErrorCode code, String message, Throwable cause) {
        super(code, null, message, cause);
    }

    public BerthServiceException(String message, Throwable cause) {
        this(ErrorCode.INTERNAL, message, cause);
    }
}
