package dev.berth.local.cli;

import dev.berth.pod.Pod;
import dev.berth.pod.PodStatus;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.PodInstance;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "container", description = "List and stop pods.",
        subcommands = {ContainerCommand.ListPods.class, ContainerCommand.StopPods.class})
final class ContainerCommand implements Callable<Integer> {
    static final PodStatus[] ACTIVE = {PodStatus.PENDING, PodStatus.BUILDING, PodStatus.STARTING, PodStatus.RUNNING, PodStatus.STOPPING};

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new UsageException("'berth container' needs a subcommand: list or stop");
    }

    @Command(name = "list", aliases = "ls", description = {"List pods, newest first: active ones, or every pod with --all.",
            "", "Example:", "  berth container list --all --output json", ""})
    static final class ListPods implements Callable<Integer> {
        @Option(names = {"-a", "--all"}, description = "Include stopped and failed pods.")
        boolean all;

        @Mixin
        Output output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (BerthClient client = Connection.client(spec)) {
                List<PodInstance> pods = all ? client.list() : client.list(ACTIVE);
                if (output.json()) {
                    printPods(out, pods);
                    return 0;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "STATUS", "AGE", "DEPLOYMENT", "REASON", "URLS"});
                for (PodInstance instance : pods) {
                    Pod pod = instance.record();
                    String reason = pod.stopReason() == null ? "-" : pod.stopReason() + (pod.exitCode() != null ? " (" + pod.exitCode() + ")" : "");
                    rows.add(new String[] {pod.id().value(), pod.status().name(), age(pod.createdAt()),
                            pod.deployment() == null ? "-" : pod.deployment(), reason,
                            pod.urls().values().stream().map(URI::toString).collect(Collectors.joining(" "))});
                }
                Output.table(out, rows);
                return 0;
            }
        }
    }

    @Command(name = "stop", description = {"Stop pods by id, or every active pod with --all (idempotent).",
            "", "Example:", "  berth container stop p3k9x2m4q7za", ""})
    static final class StopPods implements Callable<Integer> {
        @Parameters(arity = "0..*", paramLabel = "ID", description = "Pod ids, as 'berth container list' shows.")
        List<String> ids = new ArrayList<>();

        @Option(names = {"-a", "--all"}, description = "Stop every active pod.")
        boolean all;

        @Mixin
        Output output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (all == !ids.isEmpty()) {
                throw new UsageException(all ? "give pod ids or --all, not both" : "give the ids of the pods to stop, or --all");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (BerthClient client = Connection.client(spec)) {
                List<String> targets = all ? client.list(ACTIVE).stream().map(PodInstance::id).toList() : ids;
                List<PodInstance> stopped = new ArrayList<>();
                for (String id : targets) {
                    PodInstance pod = client.stop(id);
                    stopped.add(pod);
                    if (!output.json()) {
                        out.println(pod.id() + " " + pod.status() + (pod.record().stopReason() != null ? " (" + pod.record().stopReason() + ")" : ""));
                    }
                }
                if (output.json()) {
                    printPods(out, stopped);
                } else if (stopped.isEmpty()) {
                    out.println("No active pods.");
                }
                return 0;
            }
        }
    }

    /** {@code {"pods":[…]}}: each pod's record as the REST API gives it. */
    static void printPods(PrintWriter out, List<PodInstance> pods) {
        Output.printJson(out, Map.of("pods", pods.stream().map(PodInstance::record).toList()));
    }

    static String age(Instant created) {
        Duration d = Duration.between(created, Instant.now());
        if (d.toMinutes() < 1) {
            return Math.max(0, d.toSeconds()) + "s";
        }
        return d.toHours() < 1 ? d.toMinutes() + "m" : d.toHours() < 48 ? d.toHours() + "h" : d.toDays() + "d";
    }
}
