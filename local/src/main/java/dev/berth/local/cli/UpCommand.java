package dev.berth.local.cli;

import dev.berth.local.LocalConfig;
import dev.berth.local.LocalPlatform;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", description = {"Start the embedded platform of $BERTH_HOME: Docker runtime, HTTPS router, reaper, store and API on loopback.",
        "", "Example:", "  berth up --detach", ""})
final class UpCommand implements Callable<Integer> {
    @Option(names = {"-d", "--detach"}, description = "Run in the background and return once the API answers.")
    boolean detach;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (detach) {
            LocalPlatform.Instance instance = Connection.ensureRunning(Connection.home(), out);
            out.printf("Berth is up (pid %d): API %s, pods at https://<pod>-<port>.%s:%d%nTrust the CA %s%n",
                    instance.pid(), instance.api(), instance.domain(), instance.routerPort(), instance.caCertificate());
            return 0;
        }
        LocalConfig config = LocalConfig.fromEnv(Connection.env());
        LocalPlatform platform = LocalPlatform.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close, "berth-shutdown"));
        out.printf("Berth is up: API %s, pods at https://<pod>-<port>.%s:%d%nTrust the CA %s%nCtrl-C stops the platform; pods keep running and are re-adopted at the next start.%n",
                platform.apiUri(), config.domain(), platform.routerPort(), platform.caCertificate());
        out.flush();
        platform.awaitShutdown();
        return 0;
    }
}
