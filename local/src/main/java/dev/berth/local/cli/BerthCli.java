package dev.berth.local.cli;

import dev.berth.BerthClientException;
import dev.berth.BerthException;
import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.local.LocalConfig;
import dev.berth.local.LocalPlatform;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code berth} command. Exit codes: 0 success, 1 the request was refused (bad input, unknown pod),
 * 2 usage error, 3 the platform failed or is unreachable, 4 the pod failed or exited before it answered.
 */
@Command(name = "berth", mixinStandardHelpOptions = true, versionProvider = BerthCli.Version.class,
        description = "Run a container as an HTTPS server on demand.",
        subcommands = {UpCommand.class, RunCommand.class, TemplatesCommand.class, ContainerCommand.class, LogsCommand.class, CaCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:request refused (bad input, unknown pod)", "2:usage error",
                "3:platform failed or unreachable", "4:pod failed or exited before it answered"})
public final class BerthCli {
    static final int REFUSED = 1;
    static final int PLATFORM_FAILED = 3;
    static final int POD_FAILED = 4;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with Berth's error handling: one line that says what to fix, no stack trace. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BerthCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (e instanceof BerthException be) {
                err.println("error: " + be.getMessage() + (be.field() != null ? " [field " + be.field() + "]" : ""));
                return be instanceof BerthClientException ? REFUSED : PLATFORM_FAILED;
            }
            err.println("error: " + e);
            return PLATFORM_FAILED;
        });
        return cli;
    }

    static Path home() {
        return LocalConfig.home(System.getenv());
    }

    /** A client of the platform running for this home; starts one in the background if asked and none runs. */
    static PlatformClient connect(boolean startIfMissing, PrintWriter out) {
        Path home = home();
        Optional<LocalPlatform.Instance> running = LocalPlatform.Instance.read(home).filter(LocalPlatform.Instance::isAlive);
        if (running.isPresent()) {
            return new PlatformClient(running.get(), home);
        }
        if (!startIfMissing) {
            throw new BerthClientException(ErrorCode.UNAVAILABLE, null, "No Berth platform is running for " + home
                    + "; start one with 'berth up --detach' (or 'berth run', which starts it)");
        }
        out.println("Starting the Berth platform in the background (log: " + home.resolve("platform.log") + ") …");
        out.flush();
        return new PlatformClient(startDetached(home), home);
    }

    /** Starts {@code berth up} as a background process and waits until its API answers. */
    static LocalPlatform.Instance startDetached(Path home) {
        try {
            Files.createDirectories(home);
            Path logFile = home.resolve("platform.log");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            if (Runtime.version().feature() >= 22) {
                command.add("--enable-native-access=ALL-UNNAMED"); // sqlite-jdbc loads its native library
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), BerthCli.class.getName(), "up"));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (Instant.now().isBefore(deadline)) {
                Optional<LocalPlatform.Instance> instance = LocalPlatform.Instance.read(home)
                        .filter(i -> i.pid() == process.pid() && healthy(i.api()));
                if (instance.isPresent()) {
                    return instance.get();
                }
                if (!process.isAlive()) {
                    throw new BerthServiceException(ErrorCode.UNAVAILABLE, "The platform exited at start with code "
                            + process.exitValue() + ":\n" + tail(logFile, 15), null);
                }
                Thread.sleep(100);
            }
            process.destroy();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "The platform did not answer within " + START_TIMEOUT.toSeconds()
                    + " s; see " + logFile, null);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the platform", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "Interrupted while starting the platform", e);
        }
    }

    private static boolean healthy(URI api) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            return http.send(HttpRequest.newBuilder(api.resolve("/v1/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + file + ")";
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Optional.ofNullable(BerthCli.class.getPackage().getImplementationVersion()).orElse("dev");
            return new String[] {"berth " + version + " (Java " + Runtime.version() + ")"};
        }
    }

    static Map<String, String> env() {
        return System.getenv();
    }
}
