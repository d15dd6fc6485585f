package dev.berth.local.cli;

/** A flag, file or setting the user has to fix: exit code 2. The message names it and says how. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
