package dev.berth.local.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.NotFoundException;
import dev.berth.image.ImageBuild;
import dev.berth.image.ImageBuildStatus;
import dev.berth.pod.PodSpec;
import dev.berth.pod.PodStatus;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.Deployment;
import dev.berth.sdk.Pod;
import dev.berth.sdk.PodInstance;
import dev.berth.sdk.PodNotReadyException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Creates a pod or deploys it, shows its progress (pending → building, with the build log → starting →
 * running) and prints its URLs last once the server answers.
 */
final class Launch {
    private static final Duration POLL = Duration.ofMillis(250);
    private static final int LOG_TAIL = 30;

    private final BerthClient client;
    private final PrintWriter out;
    private final PrintWriter progress;
    private final PrintWriter err;
    private final boolean json;
    private final Path ca;

    Launch(BerthClient client, PrintWriter out, PrintWriter err, boolean json, Connection.Target target) {
        this.client = client;
        this.out = out;
        this.err = err;
        this.json = json;
        this.progress = json ? err : out;
        Path pem = target.local() ? target.localHome().resolve("tls").resolve("ca.pem") : null;
        this.ca = pem != null && Files.isReadable(pem) ? pem : null;
    }

    /** Runs {@code spec}: a deployment if it has a name, else an anonymous pod. */
    int launch(PodSpec spec, boolean detach, Duration timeout) {
        PodInstance pod;
        Map<Integer, URI> urls;
        Optional<String> token;
        if (spec.name() != null) {
            Deployment deployment = client.deploy(Pod.of(spec));
            pod = deployment.pod().orElseThrow(() -> new IllegalStateException("The platform answered deployment "
                    + spec.name() + " without its pod"));
            urls = deployment.urls();
            token = deployment.authToken().or(pod::authToken);
            progress.println("Deployment " + spec.name() + ": pod " + pod.id() + " (image " + shortId(pod) + ")");
        } else {
            pod = client.create(Pod.of(spec));
            urls = pod.urls();
            token = pod.authToken();
            progress.println("Pod " + pod.id() + " created (image " + shortId(pod) + ")");
        }
        progress.flush();
        if (!detach) {
            await(pod, timeout);
        }
        print(pod, urls, token, detach);
        return 0;
    }

    /** Waits for a deployment's pod (after {@code deployment start}) and prints the stable URLs. */
    int awaitDeployment(Deployment deployment, boolean detach, Duration timeout) {
        PodInstance pod = deployment.pod().orElseThrow(() -> new IllegalStateException("Deployment " + deployment.name()
                + " has no pod after start"));
        progress.println("Deployment " + deployment.name() + ": pod " + pod.id() + " " + pod.status().name().toLowerCase());
        progress.flush();
        if (!detach) {
            await(pod, timeout);
        }
        print(pod, deployment.urls(), deployment.authToken().or(pod::authToken), detach);
        return 0;
    }

    private static String shortId(PodInstance pod) {
        String id = pod.record().imageId().value();
        return id.substring(0, Math.min(12, id.length()));
    }

    private void await(PodInstance pod, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String imageId = pod.record().imageId().value();
        PodStatus shown = null;
        String log = "";
        // Decided once, at creation: an image not built yet is built for this pod, and its log is shown even if
        // the build finishes between two polls (the pod then never looks BUILDING).
        boolean builds = imageBuild(imageId).map(b -> b.status() != ImageBuildStatus.READY).orElse(true);
        boolean logDone = !builds;
        while (true) {
            PodStatus status = pod.refresh().status();
            if (status != shown) {
                progress.println("  " + status.name().toLowerCase() + switch (status) {
                    case BUILDING -> " — the image's build log:";
                    case RUNNING -> " — waiting for the server to answer";
                    default -> "";
                });
                progress.flush();
                shown = status;
            }
            if (!logDone) {
                Optional<ImageBuild> build = imageBuild(imageId);
                if (build.isPresent()) {
                    if (shown != PodStatus.BUILDING && log.isEmpty() && !build.get().log().isEmpty()) {
                        progress.println("  the image's build log:");
                    }
                    log = printNewLog(build.get(), log);
                }
                // One last print after the pod moved past its build, then no more.
                logDone = status != PodStatus.PENDING && status != PodStatus.BUILDING;
            }
            if (status == PodStatus.RUNNING) {
                Duration left = Duration.between(Instant.now(), deadline);
                pod.awaitReady(left.isNegative() ? Duration.ZERO : left);
                return;
            }
            if (status.isTerminal()) {
                ImageBuild build = client.image(imageId);
                if (build.status() == ImageBuildStatus.FAILED) {
                    if (log.isEmpty()) {
                        List<String> lines = build.log().lines().toList();
                        err.println("The image's build log (last lines):");
                        lines.subList(Math.max(0, lines.size() - LOG_TAIL), lines.size()).forEach(l -> err.println("  │ " + l));
                    }
                    throw new PodNotReadyException(pod.id(), status, "Pod " + pod.id() + " failed: its image did not build: "
                            + (build.message() != null ? build.message() : "see the log above"));
                }
                pod.awaitReady(Duration.ZERO); // throws with the reason and the container's last output
            }
            if (Instant.now().isAfter(deadline)) {
                throw new PodNotReadyException(pod.id(), status, "Pod " + pod.id() + " is still " + status + " after "
                        + timeout.toSeconds() + " s; it goes on: watch it with 'berth container list', or wait longer with --timeout");
            }
            sleep();
        }
    }

    /** The image's build, or empty while the platform has not started it yet. */
    private Optional<ImageBuild> imageBuild(String imageId) {
        try {
            return Optional.of(client.image(imageId));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** Prints the lines of {@code build}'s log not printed yet; returns the log as now printed. */
    private String printNewLog(ImageBuild build, String printed) {
        String log = build.log();
        if (log.equals(printed)) {
            return printed;
        }
        String fresh;
        if (log.startsWith(printed)) {
            fresh = log.substring(printed.length());
        } else {
            progress.println("  │ …");
            fresh = log;
        }
        int end = build.status() == ImageBuildStatus.BUILDING ? fresh.lastIndexOf('\n') + 1 : fresh.length();
        if (end <= 0) {
            return printed;
        }
        fresh.substring(0, end).lines().forEach(l -> progress.println("  │ " + l));
        progress.flush();
        return log.startsWith(printed) ? printed + fresh.substring(0, end) : log.substring(0, log.length() - (fresh.length() - end));
    }

    private void print(PodInstance pod, Map<Integer, URI> urls, Optional<String> token, boolean detach) {
        List<String> links = new ArrayList<>();
        urls.values().forEach(u -> links.add(token.map(t -> u + "?auth_token=" + URLEncoder.encode(t, StandardCharsets.UTF_8))
                .orElse(u.toString())));
        if (json) {
            ObjectNode result = (ObjectNode) Output.tree(pod.record());
            ObjectNode urlNode = result.putObject("urls");
            urls.forEach((port, u) -> urlNode.put(String.valueOf(port), u.toString()));
            token.ifPresent(t -> result.put("authToken", t));
            Output.printJson(out, result);
            return;
        }
        if (links.isEmpty()) {
            out.println(detach ? "Pod " + pod.id() + " is starting; it has no ports, so no URL." : "Pod " + pod.id() + " runs; it has no ports, so no URL.");
        } else {
            out.println((detach ? "Starting; its URL" + (links.size() > 1 ? "s" : "") + " once it answers" : "Ready. Open in a browser")
                    + (ca != null ? " (trust the CA " + ca + ")" : "") + ":");
            links.forEach(out::println);
        }
        out.flush();
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the pod", e);
        }
    }
}
