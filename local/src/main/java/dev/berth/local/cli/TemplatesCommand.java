package dev.berth.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "templates", description = {"List the pod templates; start one with 'berth run --template <name>'.",
        "Starts the embedded platform if none is running."})
final class TemplatesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode templates = BerthCli.connect(true, out).get("/v1/templates").path("templates");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "PORTS", "NEEDS", "DESCRIPTION"});
        for (JsonNode t : templates) {
            JsonNode s = t.path("spec");
            String ports = StreamSupport.stream(s.path("ports").spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(","));
            List<String> needs = new ArrayList<>();
            if (t.path("requiresGpu").asBoolean()) {
                needs.add("gpu");
            }
            if (s.path("blockNetwork").asBoolean()) {
                needs.add("no-network");
            }
            if (s.path("authorized").asBoolean()) {
                needs.add("auth");
            }
            rows.add(new String[] {t.path("name").asText(), ports, needs.isEmpty() ? "-" : String.join(",", needs),
                    t.path("description").asText()});
        }
        Table.print(out, rows);
        out.println();
        out.println("Start one: berth run --template <name> [--app PATH] [--env K=V] [--port N] [--name NAME]");
        return 0;
    }
}
