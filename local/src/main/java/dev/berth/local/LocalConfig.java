package dev.berth.local;

import dev.berth.BerthClientException;
import dev.berth.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the embedded platform, from the environment with defaults:
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><td>{@code BERTH_HOME}</td><td>state directory: store, token, CA, base-image map (default {@code ~/.berth})</td></tr>
 * <tr><td>{@code BERTH_API_PORT}</td><td>loopback REST API port (default 7070; 0 = any free port)</td></tr>
 * <tr><td>{@code BERTH_ROUTER_PORT}</td><td>HTTPS router port (default 8443; 0 = any free port)</td></tr>
 * <tr><td>{@code BERTH_DOMAIN}</td><td>pod domain (default {@code pods.localhost})</td></tr>
 * <tr><td>{@code BERTH_REAP_INTERVAL_MS}</td><td>how often the reaper checks (default 500 ms; at most 1000)</td></tr>
 * <tr><td>{@code BERTH_WAKE_TIMEOUT_SECONDS}</td><td>how long the router holds a request to a deployment at zero (default 60)</td></tr>
 * </table>
 *
 * @param env the environment the platform passes on (Docker host, base-image map)
 */
public record LocalConfig(Path home, int apiPort, int routerPort, String domain, Duration reapInterval,
                          Duration wakeTimeout, Map<String, String> env) {

    public LocalConfig {
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(domain, "domain");
        env = Map.copyOf(env);
        if (reapInterval.isNegative() || reapInterval.isZero() || reapInterval.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, "BERTH_REAP_INTERVAL_MS", "BERTH_REAP_INTERVAL_MS is "
                    + reapInterval.toMillis() + "; the reaper must check at least once a second: give 1 to 1000");
        }
    }

    public static LocalConfig fromEnv(Map<String, String> env) {
        return new LocalConfig(home(env),
                intVar(env, "BERTH_API_PORT", 7070),
                intVar(env, "BERTH_ROUTER_PORT", 8443),
                env.getOrDefault("BERTH_DOMAIN", "pods.localhost"),
                Duration.ofMillis(intVar(env, "BERTH_REAP_INTERVAL_MS", 500)),
                Duration.ofSeconds(intVar(env, "BERTH_WAKE_TIMEOUT_SECONDS", 60)),
                env);
    }

    /** {@code $BERTH_HOME}, or {@code ~/.berth}. */
    public static Path home(Map<String, String> env) {
        String home = env.get("BERTH_HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".berth");
    }

    public LocalConfig withPorts(int api, int router) {
        return new LocalConfig(home, api, router, domain, reapInterval, wakeTimeout, env);
    }

    public LocalConfig withHome(Path newHome) {
        return new LocalConfig(newHome, apiPort, routerPort, domain, reapInterval, wakeTimeout, env);
    }

    private static int intVar(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new BerthClientException(ErrorCode.INVALID_REQUEST, name, name + " is '" + value + "'; give a whole number");
        }
    }
}
