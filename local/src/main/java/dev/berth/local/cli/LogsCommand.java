package dev.berth.local.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "logs", description = "Print a pod's container output.")
final class LogsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The pod id.")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Keep printing until the pod stops.")
    boolean follow;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PlatformClient client = BerthCli.connect(false, spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        try (InputStream in = client.stream("/v1/pods/" + id + "/logs" + (follow ? "?follow=true" : ""))) {
            OutputStream out = System.out;
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Log stream of pod " + id + " broke", e);
        }
        return 0;
    }
}
