package dev.berth.local.cli;

import dev.berth.BerthClientException;
import dev.berth.BerthException;
import dev.berth.sdk.BerthConfigException;
import dev.berth.sdk.PodNotReadyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code berth} command, on the Java SDK. Exit codes: 0 success, 1 the platform refused the request (bad
 * input, unknown pod), 2 usage error (bad flag, file or configuration), 3 the platform failed or is unreachable,
 * 4 the pod failed or exited before it answered.
 */
@Command(name = "berth", mixinStandardHelpOptions = true, versionProvider = BerthCli.Version.class,
        description = "Run a container as an HTTPS server on demand.",
        subcommands = {UpCommand.class, RunCommand.class, DeployCommand.class, DeploymentCommand.class,
                ContainerCommand.class, LogsCommand.class, TemplatesCommand.class, ConfigCommand.class, CaCommand.class,
                VersionCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class})
public final class BerthCli {
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int PLATFORM_FAILED = 3;
    static final int POD_FAILED = 4;
    static final java.util.Map<String, String> EXIT_CODES = exitCodes();

    private static java.util.Map<String, String> exitCodes() {
        java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
        codes.put("0", "success");
        codes.put("1", "the platform refused the request (the message names the field and the fix)");
        codes.put("2", "usage error: a bad flag, file or configuration (named, with the fix)");
        codes.put("3", "the platform failed or cannot be reached");
        codes.put("4", "the pod failed or exited before it answered (its build log or output is printed)");
        return java.util.Collections.unmodifiableMap(codes);
    }

    @Option(names = "--profile", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "Use this profile of $BERTH_HOME/config (overrides BERTH_ENDPOINT and BERTH_PROFILE).")
    String profile;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with Berth's error handling: what to fix, no stack trace, documented exit codes. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BerthCli());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        documentExitCodes(cli);
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println("error: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("Usage: " + cmd.getHelp().synopsis(0).strip());
            err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for every flag.");
            err.flush();
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            cmd.getOut().flush();
            if (e instanceof UsageException || e instanceof BerthConfigException) {
                err.println("error: " + e.getMessage());
                err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for every flag.");
                err.flush();
                return USAGE;
            }
            if (e instanceof PodNotReadyException) {
                err.println("error: " + e.getMessage());
                err.flush();
                return POD_FAILED;
            }
            if (e instanceof BerthException be) {
                err.println("error: " + be.getMessage() + (be.field() != null && !be.getMessage().contains(be.field())
                        ? " [field " + be.field() + "]" : ""));
                err.flush();
                return be instanceof BerthClientException ? REFUSED : PLATFORM_FAILED;
            }
            err.println("error: " + (e instanceof UncheckedIOException u ? u.getMessage() + ": " + u.getCause() : e.toString()));
            err.flush();
            return PLATFORM_FAILED;
        });
        return cli;
    }

    private static void documentExitCodes(CommandLine cli) {
        cli.getCommandSpec().mixinStandardHelpOptions(true);
        cli.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
        cli.getSubcommands().values().forEach(BerthCli::documentExitCodes);
    }

    /** The {@code --profile} given anywhere on the command line, or {@code null}. */
    static String profile(CommandSpec spec) {
        return ((BerthCli) spec.root().userObject()).profile;
    }

    static String version() {
        try (InputStream in = BerthCli.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "");
            return v.isEmpty() || v.startsWith("$") ? Optional.ofNullable(BerthCli.class.getPackage().getImplementationVersion()).orElse("dev") : v;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the version", e);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"berth " + version() + " (Java " + Runtime.version() + ")"};
        }
    }
}
