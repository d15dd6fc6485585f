package dev.berth.local.cli;

import dev.berth.local.net.LocalCa;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "ca", description = {"Print the path of the local CA certificate that signs pod URLs (trust it in a browser or curl --cacert).",
        "", "Example:", "  curl --cacert \"$(berth ca)\" https://…", ""})
final class CaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(LocalCa.defaultDirectory(Connection.env()).resolve("ca.pem"));
        return 0;
    }
}
