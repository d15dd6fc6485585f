package dev.berth.run;

import java.util.Map;

/** What the runtime sees of one pod's container or task. */
public sealed interface RuntimeState {

    /** Running; {@code endpoints} maps each pod port to where it is reached (empty until addresses are known). */
    record Running(Map<Integer, Endpoint> endpoints) implements RuntimeState {
        public Running {
            endpoints = Map.copyOf(endpoints);
        }
    }

    /** The entrypoint ended with {@code exitCode}. */
    record Exited(int exitCode) implements RuntimeState {
    }

    /** Not starting, not running, not exited: gone. */
    record Missing() implements RuntimeState {
    }
}
