package dev.berth.sdk;

import dev.berth.BerthClientException;
import dev.berth.ErrorCode;

/**
 * The SDK could not work out where the Berth API is or how to authenticate: a missing or malformed config
 * file, an unknown profile, no running local platform. {@link #field()} names the setting (such as
 * {@code BERTH_ENDPOINT} or {@code /home/me/.berth/config:3}); the message says how to fix it.
 */
public final class BerthConfigException extends BerthClientException {
    public BerthConfigException(String setting, String message) {
        super(ErrorCode.INVALID_REQUEST, setting, message);
    }

    public BerthConfigException(String setting, String message, Throwable cause) {
        super(ErrorCode.INVALID_REQUEST, setting, message, cause);
    }
}
