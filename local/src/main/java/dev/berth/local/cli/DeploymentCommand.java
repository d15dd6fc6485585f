package dev.berth.local.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.internal.Json;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.Deployment;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
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

@Command(name = "deployment", description = "List, stop, start and delete deployments ('berth deploy' creates them).",
        subcommands = {DeploymentCommand.ListDeployments.class, DeploymentCommand.Stop.class, DeploymentCommand.Start.class,
                DeploymentCommand.Delete.class})
final class DeploymentCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UsageException("'berth deployment' needs a subcommand: list, stop, start or delete");
    }

    @Command(name = "list", aliases = "ls", description = {"List deployments with their current pod and stable URLs.",
            "", "Example:", "  berth deployment list --output json", ""})
    static final class ListDeployments implements Callable<Integer> {
        @Mixin
        Output output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (BerthClient client = Connection.client(spec)) {
                List<Deployment> deployments = client.deployments();
                if (output.json()) {
                    Output.printJson(out, Map.of("deployments", deployments.stream().map(DeploymentCommand::json).toList()));
                    return 0;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"NAME", "POD", "STATUS", "URLS"});
                for (Deployment d : deployments) {
                    rows.add(new String[] {d.name(), d.pod().map(p -> p.id()).orElse("-"), d.pod().map(p -> p.status().name()).orElse("-"),
                            d.urls().values().stream().map(URI::toString).collect(Collectors.joining(" "))});
                }
                Output.table(out, rows);
                return 0;
            }
        }
    }

    /** {@code {name, urls, pod?, spec, createdAt, updatedAt}}, as the REST API gives a deployment. */
    static ObjectNode json(Deployment d) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("name", d.name());
        ObjectNode urls = node.putObject("urls");
        d.urls().forEach((port, url) -> urls.put(String.valueOf(port), url.toString()));
        d.pod().ifPresent(p -> node.set("pod", Output.tree(p.record())));
        node.set("spec", Output.tree(d.spec()));
        node.put("createdAt", d.createdAt().toString());
        node.put("updatedAt", d.updatedAt().toString());
        return node;
    }

    @Command(name = "stop", description = {"Stop a deployment's pod, keeping the deployment and its URLs (a request to them starts a new pod).",
            "", "Example:", "  berth deployment stop hello", ""})
    static final class Stop implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The deployment's name.")
        String name;

        @Mixin
        Output output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (BerthClient client = Connection.client(spec)) {
                Deployment d = client.stopDeployment(name);
                if (output.json()) {
                    Output.printJson(out, json(d));
                } else {
                    out.println("Deployment " + name + " stopped" + d.pod().map(p -> " (pod " + p.id() + " " + p.status() + ")").orElse("")
                            + "; its URLs start a new pod on the next request, or 'berth deployment start " + name + "'");
                }
                return 0;
            }
        }
    }

    @Command(name = "start", description = {"Start a deployment's pod if none is active, wait until it answers and print the stable URL(s).",
            "", "Example:", "  berth deployment start hello", ""})
    static final class Start implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The deployment's name.")
        String name;

        @Option(names = {"-d", "--detach"}, description = "Return at once; do not wait for the pod to answer.")
        boolean detach;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", description = "How long to wait (default ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Mixin
        Output output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String profile = BerthCli.profile(spec);
            try (BerthClient client = Connection.client(profile, false, out)) {
                Deployment d = client.startDeployment(name);
                return new Launch(client, out, spec.commandLine().getErr(), output.json(), Connection.target(profile))
                        .awaitDeployment(d, detach, Duration.ofSeconds(Math.max(1, timeoutSeconds)));
            }
        }
    }

    @Command(name = "delete", aliases = "rm", description = {"Stop a deployment's pod and delete the deployment; its URLs stop answering.",
            "", "Example:", "  berth deployment delete hello", ""})
    static final class Delete implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "The deployment's name.")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (BerthClient client = Connection.client(spec)) {
                client.deleteDeployment(name);
                out.println("Deployment " + name + " deleted");
                return 0;
            }
        }
    }
}
