package dev.berth.local.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host firewall rule that keeps {@code blockNetwork} pods away from the host itself.
 *
 * <p>An internal bridge network has no route out, but the host holds the bridge's gateway address, so without a rule a
 * container could open connections to any host service listening on {@code 0.0.0.0} (SSH, databases, dev servers).
 * The rule drops, in the {@code INPUT} chain of IPv4 and IPv6, every <em>new</em> connection arriving from the
 * isolated network's bridge: {@code -i <bridge> -m conntrack --ctstate NEW -j DROP}. Replies to connections the host
 * opens (the router proxying to a pod, readiness dials) are {@code ESTABLISHED} and pass.
 *
 * <p>It runs {@code iptables}/{@code ip6tables} (there is no maintained Java binding of netfilter): check first
 * ({@code -C}), insert at the top of {@code INPUT} ({@code -I INPUT 1}) only if missing, so it is idempotent across
 * calls, platforms and restarts. The rule is never removed: rules last until reboot, and pods outlive the platform
 * (they are adopted again by the next one). Needs root on the engine's host; thread-safe.
 */
final class HostFirewall {
    /** The network option that names a bridge network's interface (Docker, and Podman's compat API). */
    static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
    /** Linux's limit on interface names (IFNAMSIZ - 1). */
    static final int MAX_INTERFACE_NAME = 15;
    private static final String PREFIX = "bi-";
    private static final String COMMENT = "berth: blockNetwork pods cannot open connections to the host";
    private static final long TIMEOUT_SECONDS = 20;
    private static final Logger LOG = LoggerFactory.getLogger(HostFirewall.class);

    private final String iptables;
    private final String ip6tables;
    private final boolean ipv6;

    /** Runs {@code iptables} and {@code ip6tables} from the {@code PATH}. */
    HostFirewall() {
        // Without IPv6 in the kernel ip6tables has nothing to filter (and fails); then there is no IPv6 way in either.
        this("iptables", "ip6tables", Files.exists(Path.of("/proc/net/if_inet6")));
    }

    /** Runs the given programs; IPv6 rules only if {@code ipv6}. */
    HostFirewall(String iptables, String ip6tables, boolean ipv6) {
        this.iptables = iptables;
        this.ip6tables = ip6tables;
        this.ipv6 = ipv6;
    }

    /**
     * The interface name Berth gives the bridge of {@code network}: {@code bi-<network>} when that fits in 15 characters,
     * else {@code bi-}, the network name's first 4 characters, {@code -} and 7 hex digits of its SHA-256 (distinct names
     * get distinct bridges). The prefix keeps it off names the host already uses ({@code eth0}, {@code docker0}, Docker's
     * {@code br-<id>}).
     */
    static String bridgeName(String network) {
        if (network == null || !network.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new IllegalArgumentException("Invalid network name '" + network + "'; use letters, digits, '_', '.' and '-'");
        }
        if (PREFIX.length() + network.length() <= MAX_INTERFACE_NAME) {
            return PREFIX + network;
        }
        String hash = sha256Hex(network).substring(0, 7);
        return PREFIX + network.substring(0, MAX_INTERFACE_NAME - PREFIX.length() - 1 - hash.length()) + "-" + hash;
    }

    /** The rule's match and target, as given after {@code -C INPUT} or {@code -I INPUT 1}. */
    static List<String> rule(String bridge) {
        if (bridge == null || bridge.isEmpty() || bridge.length() > MAX_INTERFACE_NAME || !bridge.matches("[a-zA-Z0-9_.-]+")) {
            throw new IllegalArgumentException("Invalid bridge interface name '" + bridge + "'; use up to " + MAX_INTERFACE_NAME
                    + " letters, digits, '_', '.' and '-'");
        }
        return List.of("-i", bridge, "-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", COMMENT, "-j", "DROP");
    }

    /** The commands an administrator runs (as root) to install the rule by hand, one line per IP version. */
    static String manualCommands(String bridge) {
        List<String> lines = new ArrayList<>();
        for (String tool : List.of("iptables", "ip6tables")) {
            String args = String.join(" ", rule(bridge).stream().map(a -> a.contains(" ") ? "'" + a + "'" : a).toList());
            lines.add(tool + " -C INPUT " + args + " 2>/dev/null || " + tool + " -I INPUT 1 " + args);
        }
        return String.join("; ", lines);
    }

    /**
     * Makes sure the rule for {@code bridge} is in place (IPv4, and IPv6 when the kernel has it).
     *
     * @throws HostFirewallException naming the command that failed, its output, and how to fix it
     */
    synchronized void blockNewConnectionsFrom(String bridge) {
        List<String> rule = rule(bridge);
        ensure(iptables, rule);
        if (ipv6) {
            ensure(ip6tables, rule);
        }
    }

    private void ensure(String tool, List<String> rule) {
        Result check = run(tool, "-C", rule);
        if (check.exitCode == 0) {
            return;
        }
        // 1: "Bad rule (does a matching rule exist in that chain?)"; anything else is a failure to read the table.
        if (check.exitCode != 1 || check.output.contains("ermission denied")) {
            throw failure(tool, "-C", rule, check);
        }
        Result insert = run(tool, "-I", rule);
        if (insert.exitCode != 0) {
            throw failure(tool, "-I", rule, insert);
        }
        LOG.info("Installed host firewall rule: {} -I INPUT 1 {}", tool, String.join(" ", rule));
    }

    private static List<String> command(String tool, String action, List<String> rule) {
        List<String> command = new ArrayList<>(List.of(tool, "-w", "5", action, "INPUT"));
        if (action.equals("-I")) {
            command.add("1");
        }
        command.addAll(rule);
        return command;
    }

    private Result run(String tool, String action, List<String> rule) {
        List<String> command = command(tool, action, rule);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new HostFirewallException("Cannot run '" + tool + "' (" + e.getMessage() + "); install iptables (Debian: "
                    + "apt-get install iptables) on the engine's host", e);
        }
        try {
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new HostFirewallException("'" + String.join(" ", command) + "' did not finish within " + TIMEOUT_SECONDS
                        + " s; check that no other program holds the xtables lock");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            process.destroyForcibly();
            throw new HostFirewallException("Reading the output of '" + String.join(" ", command) + "' failed", e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HostFirewallException("Interrupted running '" + String.join(" ", command) + "'", e);
        }
    }

    private static HostFirewallException failure(String tool, String action, List<String> rule, Result result) {
        boolean denied = result.output.contains("ermission denied") || result.output.contains("Operation not permitted");
        String fix = denied
                ? "run Berth as root on the engine's host, so that it can install the rule"
                : "check that the kernel has the conntrack and comment matches (nf_conntrack, xt_comment) and that "
                        + tool + " works on this host";
        return new HostFirewallException("'" + String.join(" ", command(tool, action, rule)) + "' failed (exit code "
                + result.exitCode + ": " + (result.output.isEmpty() ? "no output" : result.output) + "); " + fix);
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private record Result(int exitCode, String output) {
    }

    /** The rule could not be checked or installed; the message says which command failed and how to fix it. */
    static final class HostFirewallException extends RuntimeException {
        HostFirewallException(String message) {
            super(message);
        }

        HostFirewallException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
