package dev.berth;

/** The pod, deployment, image or template asked for does not exist. */
public final class NotFoundException extends BerthClientException {
    public NotFoundException(String message) {
        super(ErrorCode.NOT_FOUND, null, message);
    }
}
