package dev.berth.local.cli;

import dev.berth.pod.PodSpec;
import dev.berth.sdk.BerthClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", sortOptions = false,
        description = {"Launch a pod and print its HTTPS URL(s) once it answers.",
                "The pod keeps running until --keep-warm-seconds pass without connections. Starts the embedded platform",
                "if none runs and the endpoint is local.",
                "",
                "Examples:",
                "  berth run --image busybox:latest --entrypoint \"httpd -f -p 8080\" --port 8080",
                "  berth run -f pod.yaml --env GREETING=hi",
                "  berth run --template jupyter --cpu 2 --detach",
                ""})
final class RunCommand implements Callable<Integer> {
    @Mixin
    PodOptions pod;

    @Option(names = "--name", paramLabel = "NAME", order = 3,
            description = "Deploy under this name: stable URLs https://NAME-PORT.<domain> that wake the pod on request (as 'berth deploy').")
    String name;

    @Option(names = {"-d", "--detach"}, order = 4, description = "Return right after creation with the id and URL(s); do not wait.")
    boolean detach;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", order = 5,
            description = "How long to wait for the pod to answer (default ${DEFAULT-VALUE}); the pod goes on after it.")
    int timeoutSeconds;

    @Mixin
    Output output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return launch(spec, pod, name, detach, timeoutSeconds, output);
    }

    static int launch(CommandSpec spec, PodOptions pod, String name, boolean detach, int timeoutSeconds, Output output) {
        if (timeoutSeconds < 1) {
            throw new UsageException("--timeout " + timeoutSeconds + ": give seconds, at least 1");
        }
        String profile = BerthCli.profile(spec);
        Connection.Target target = Connection.target(profile);
        boolean needsPlatform = pod.template != null;
        PodSpec local = needsPlatform ? null : pod.spec(null, name); // bad flags fail before any platform starts
        try (BerthClient client = Connection.client(profile, true, output.json() ? spec.commandLine().getErr() : spec.commandLine().getOut())) {
            PodSpec podSpec = needsPlatform ? pod.spec(client.template(pod.template).spec(), name) : local;
            return new Launch(client, spec.commandLine().getOut(), spec.commandLine().getErr(), output.json(), target)
                    .launch(podSpec, detach, Duration.ofSeconds(timeoutSeconds));
        }
    }
}
