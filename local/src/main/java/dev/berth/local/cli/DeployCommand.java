package dev.berth.local.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "deploy", sortOptions = false,
        description = {"Create or update a deployment: a named pod with stable URLs.",
                "Its URLs https://NAME-PORT.<domain> survive its pods; a request to a stopped deployment's URL starts a new pod. Same spec while running: nothing changes; a new spec",
                "starts a new pod that takes over the URLs. Takes every flag of 'berth run'.",
                "",
                "Example:",
                "  berth deploy --name hello --image busybox:latest --entrypoint \"httpd -f -p 8080\" --port 8080",
                ""})
final class DeployCommand implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", required = true, order = 0,
            description = "The deployment's name: 1-40 lowercase letters, digits and '-', starting with a letter.")
    String name;

    @Mixin
    PodOptions pod;

    @Option(names = {"-d", "--detach"}, order = 4, description = "Return right after the deployment is stored; do not wait for its pod.")
    boolean detach;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", order = 5,
            description = "How long to wait for the pod to answer (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Mixin
    Output output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return RunCommand.launch(spec, pod, name, detach, timeoutSeconds, output);
    }
}
