package dev.berth.local.cli;

import dev.berth.sdk.BerthClient;
import dev.berth.template.Template;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "templates", description = {"List the platform's templates ('berth run --template NAME' runs one).",
        "", "Example:", "  berth templates --output json", ""})
final class TemplatesCommand implements Callable<Integer> {
    @Mixin
    Output output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (BerthClient client = Connection.client(spec)) {
            List<Template> templates = client.templates();
            if (output.json()) {
                Output.printJson(out, Map.of("templates", templates));
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "PORTS", "GPU", "DESCRIPTION"});
            for (Template t : templates) {
                rows.add(new String[] {t.name(), t.spec().ports().isEmpty() ? "-" : t.spec().ports().toString().replaceAll("[\\[\\] ]", ""),
                        t.requiresGpu() ? "yes" : "no", t.description()});
            }
            Output.table(out, rows);
            return 0;
        }
    }
}
