package dev.berth.sdk;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one {@link Sandbox#run} did.
 *
 * @param stdout    the standard output, at most the sandbox's output cap (64 KiB by default)
 * @param stderr    the standard error, capped alike
 * @param exitCode  the exit code; {@code 128 + n} when signal {@code n} ended the program
 * @param duration  wall-clock time from start to end
 * @param timedOut  whether the wall-clock timeout ended it
 * @param killedBy  what ended it when not its own exit: {@code timeout}, {@code cpuLimit}, {@code fileSizeLimit}, or a signal name
 * @param truncated whether output beyond the cap was dropped
 */
public record SandboxResult(String stdout, String stderr, int exitCode, Duration duration, boolean timedOut, String killedBy,
                            boolean truncated) {
    public SandboxResult {
        stdout = Objects.requireNonNullElse(stdout, "");
        stderr = Objects.requireNonNullElse(stderr, "");
        Objects.requireNonNull(duration, "duration");
    }

    @JsonCreator
    static SandboxResult fromJson(@JsonProperty("stdout") String stdout, @JsonProperty("stderr") String stderr,
                                  @JsonProperty("exitCode") int exitCode, @JsonProperty("durationMs") long durationMs,
                                  @JsonProperty("timedOut") boolean timedOut, @JsonProperty("killedBy") String killedBy,
                                  @JsonProperty("truncated") boolean truncated) {
        return new SandboxResult(stdout, stderr, exitCode, Duration.ofMillis(durationMs), timedOut, killedBy, truncated);
    }

    /** Whether the code ran to its end and exited with 0. */
    public boolean succeeded() {
        return exitCode == 0 && killedBy == null;
    }

    /** What ended the program when it did not exit by itself. */
    public Optional<String> killedByLimit() {
        return Optional.ofNullable(killedBy);
    }
}
