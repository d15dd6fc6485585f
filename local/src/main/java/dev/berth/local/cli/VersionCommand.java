package dev.berth.local.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.internal.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "version", description = {"Print the version of this command and of the Java it runs on.", "", "Example:",
        "  berth version --output json", ""})
final class VersionCommand implements Callable<Integer> {
    @Mixin
    Output output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            ObjectNode v = Json.MAPPER.createObjectNode();
            v.put("version", BerthCli.version());
            v.put("java", Runtime.version().toString());
            v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            Output.printJson(out, v);
        } else {
            out.println(new BerthCli.Version().getVersion()[0]);
        }
        return 0;
    }
}
