package dev.berth.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "container", description = "List and stop pods' containers.",
        subcommands = {ContainerCommand.ListPods.class, ContainerCommand.StopPods.class})
final class ContainerCommand {

    @Command(name = "list", aliases = "ls", description = "List pods (active ones; --all for every pod).")
    static final class ListPods implements Callable<Integer> {
        @Option(names = {"-a", "--all"}, description = "Include stopped and failed pods.")
        boolean all;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String query = all ? "" : "?status=PENDING,BUILDING,STARTING,RUNNING,STOPPING";
            JsonNode pods = BerthCli.connect(false, out).get("/v1/pods" + query).path("pods");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "STATUS", "AGE", "DEPLOYMENT", "REASON", "URLS"});
            for (JsonNode pod : pods) {
                List<String> urls = new ArrayList<>();
                pod.path("urls").forEach(u -> urls.add(u.asText()));
                String reason = pod.path("stopReason").asText("");
                if (pod.has("exitCode")) {
                    reason += " (" + pod.get("exitCode").asInt() + ")";
                }
                rows.add(new String[] {pod.path("id").asText(), pod.path("status").asText(),
                        age(Instant.parse(pod.path("createdAt").asText())), pod.path("deployment").asText("-"),
                        reason.isEmpty() ? "-" : reason, String.join(" ", urls)});
            }
            Table.print(out, rows);
            return 0;
        }

        private static String age(Instant created) {
            Duration d = Duration.between(created, Instant.now());
            if (d.toMinutes() < 1) {
                return d.toSeconds() + "s";
            }
            return d.toHours() < 1 ? d.toMinutes() + "m" : d.toHours() < 48 ? d.toHours() + "h" : d.toDays() + "d";
        }
    }

    @Command(name = "stop", description = "Stop pods by id (idempotent).")
    static final class StopPods implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "ID", description = "Pod ids, as 'berth container list' shows.")
        List<String> ids;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PlatformClient client = BerthCli.connect(false, out);
            for (String id : ids) {
                JsonNode pod = client.delete("/v1/pods/" + id);
                out.println(pod.path("id").asText() + " " + pod.path("status").asText() + " (" + pod.path("stopReason").asText() + ")");
            }
            return 0;
        }
    }
}
