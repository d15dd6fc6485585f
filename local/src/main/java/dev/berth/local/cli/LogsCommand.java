package dev.berth.local.cli;

import dev.berth.sdk.BerthClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "logs", description = {"Print a pod's container output.", "", "Example:", "  berth logs -f p3k9x2m4q7za", ""})
final class LogsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The pod id, as 'berth container list' shows.")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the pod stops (or Ctrl-C).")
    boolean follow;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (BerthClient client = Connection.client(spec);
             Stream<String> lines = client.get(id).logs(follow)) {
            lines.forEach(line -> {
                out.println(line);
                out.flush();
            });
        }
        return 0;
    }
}
