package dev.berth.local.cli;

import dev.berth.local.LocalConfig;
import dev.berth.local.LocalPlatform;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "up", description = "Start the embedded platform: Docker runtime, HTTPS router, reaper, store and API on loopback.")
final class UpCommand implements Callable<Integer> {
    @Option(names = "--detach", description = "Run in the background and return once the API answers.")
    boolean detach;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (detach) {
            LocalPlatform.Instance instance = BerthCli.connect(true, out).instance();
            out.printf("Berth is up (pid %d): API %s, pods at https://<pod>-<port>.%s:%d%nTrust the CA %s%n",
                    instance.pid(), instance.api(), instance.domain(), instance.routerPort(), instance.caCertificate());
            return 0;
        }
        LocalPlatform platform = LocalPlatform.start(LocalConfig.fromEnv(BerthCli.env()));
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close, "berth-shutdown"));
        out.printf("Berth is up: API %s, pods at https://<pod>-<port>.%s:%d%nTrust the CA %s%nCtrl-C stops the platform; pods keep running and are re-adopted at the next start.%n",
                platform.apiUri(), LocalConfig.fromEnv(BerthCli.env()).domain(), platform.routerPort(), platform.caCertificate());
        out.flush();
        platform.awaitShutdown();
        return 0;
    }
}
