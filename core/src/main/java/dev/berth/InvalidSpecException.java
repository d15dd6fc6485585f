package dev.berth;

/** A pod or image spec failed validation; {@link #field()} names the offending field. */
public final class InvalidSpecException extends BerthClientException {
    public InvalidSpecException(String field, String message) {
        super(ErrorCode.INVALID_SPEC, field, message);
    }
}
