package dev.berth.local.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.internal.Json;
import dev.berth.local.LocalPlatform;
import dev.berth.sdk.internal.ClientSettings;
import dev.berth.sdk.internal.ConfigResolver;
import dev.berth.sdk.internal.ProfileFile;
import dev.berth.sdk.internal.ResolvedConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "config", description = {"Show which platform the commands talk to and why; manage the profiles of $BERTH_HOME/config.",
        "The order: --profile, BERTH_ENDPOINT (+ BERTH_TOKEN), BERTH_PROFILE, the [default] profile, the local platform of $BERTH_HOME.",
        "", "Examples:", "  berth config --output json", "  berth config set prod --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        "  berth config list", "  berth config remove prod", ""},
        subcommands = {ConfigCommand.ListProfiles.class, ConfigCommand.Set.class, ConfigCommand.Remove.class})
final class ConfigCommand implements Callable<Integer> {
    @Mixin
    Output output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String profile = BerthCli.profile(spec);
        Connection.Target target = Connection.target(profile);
        ObjectNode shown = Json.MAPPER.createObjectNode();
        if (target.local()) {
            Optional<LocalPlatform.Instance> running = Connection.running(target.localHome());
            shown.put("endpoint", running.map(i -> i.api().toString() + "/").orElse(null));
            shown.put("source", target.source());
            shown.put("local", true);
            shown.put("running", running.isPresent());
            shown.put("home", target.localHome().toString());
            running.ifPresent(i -> shown.put("pid", i.pid()));
            shown.put("auth", "token");
        } else {
            ResolvedConfig resolved = ConfigResolver.resolve(new ClientSettings(null, null, profile, null, Connection.env(), null, null,
                    Duration.ofSeconds(60)));
            shown.put("endpoint", resolved.endpoint().toString());
            shown.put("source", resolved.source());
            shown.put("local", false);
            shown.put("auth", resolved.auth() instanceof ResolvedConfig.SigV4 s ? "sigv4 (" + s.region().id() + ")" : "token");
        }
        shown.put("profile", target.profile());
        shown.put("configFile", Connection.configFile().toString());
        if (output.json()) {
            Output.printJson(out, shown);
            return 0;
        }
        out.println("endpoint: " + (shown.path("endpoint").isTextual() ? shown.get("endpoint").asText()
                : "(none: the local platform of " + target.localHome() + " is not running; 'berth up --detach' or 'berth run' starts it)"));
        out.println("from:     " + target.source());
        out.println("auth:     " + shown.path("auth").asText());
        out.println("config:   " + Connection.configFile() + " (profiles: " + String.join(", ", profileNames()) + ")");
        return 0;
    }

    private static List<String> profileNames() {
        List<String> names = ProfileFile.read(Connection.configFile()).map(f -> f.names().stream().sorted().toList()).orElse(List.of());
        return names.isEmpty() ? List.of("none") : names;
    }

    @Command(name = "list", aliases = "ls", description = {"List the profiles of $BERTH_HOME/config (tokens are not shown).", "",
            "Example:", "  berth config list --output json", ""})
    static final class ListProfiles implements Callable<Integer> {
        @Mixin
        Output output;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Optional<ProfileFile> file = ProfileFile.read(Connection.configFile());
            List<ProfileFile.Profile> profiles = file.map(f -> f.names().stream().sorted().map(n -> f.profile(n).orElseThrow()).toList())
                    .orElse(List.of());
            if (output.json()) {
                ObjectNode root = Json.MAPPER.createObjectNode();
                root.put("configFile", Connection.configFile().toString());
                ArrayNode list = root.putArray("profiles");
                for (ProfileFile.Profile p : profiles) {
                    ObjectNode node = list.addObject();
                    node.put("name", p.name());
                    p.values().forEach((k, v) -> node.put(k, k.equals("token") ? "***" : v));
                }
                Output.printJson(out, root);
                return 0;
            }
            if (profiles.isEmpty()) {
                out.println("No profiles in " + Connection.configFile() + "; add one with 'berth config set NAME --endpoint URL'");
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "ENDPOINT", "AUTH"});
            for (ProfileFile.Profile p : profiles) {
                String auth = p.get("token").map(t -> "token").or(() -> p.get("token_file").map(f -> "token_file " + f))
                        .or(() -> p.get("endpoint").map(e -> "sigv4" + p.get("aws_region").map(r -> " (" + r + ")").orElse("")))
                        .orElse("local platform token");
                rows.add(new String[] {p.name(), p.get("endpoint").orElse("local" + p.get("home").map(h -> " (home " + h + ")").orElse("")), auth});
            }
            Output.table(out, rows);
            return 0;
        }
    }

    @Command(name = "set", description = {"Create or change a profile; keys not given stay as they are.", "",
            "Examples:", "  berth config set prod --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com/prod --aws-region eu-west-1",
            "  berth config set default --home /srv/berth", ""})
    static final class Set implements Callable<Integer> {
        @Parameters(paramLabel = "PROFILE", description = "The profile's name; 'default' is used when none is chosen.")
        String name;

        @Option(names = "--endpoint", paramLabel = "URL", description = "The REST API's base URL (none: the local platform).")
        String endpoint;

        @Option(names = "--token", paramLabel = "TOKEN", description = "A bearer token (stored in the file, mode 0600).")
        String token;

        @Option(names = "--token-file", paramLabel = "PATH", description = "A file holding the bearer token.")
        String tokenFile;

        @Option(names = "--aws-region", paramLabel = "REGION", description = "The AWS region to sign requests for (SigV4).")
        String awsRegion;

        @Option(names = "--home", paramLabel = "PATH", description = "For a local profile: the Berth home of its platform.")
        String home;

        @Option(names = "--unset", paramLabel = "KEY", description = "Remove a key (endpoint, token, token_file, aws_region, home). Repeatable.")
        List<String> unset = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Map<String, String> values = new HashMap<>();
            unset.forEach(k -> values.put(k, null));
            put(values, "endpoint", endpoint);
            put(values, "token", token);
            put(values, "token_file", tokenFile);
            put(values, "aws_region", awsRegion);
            put(values, "home", home);
            if (values.isEmpty() && ProfileFile.read(Connection.configFile()).flatMap(f -> f.profile(name)).isPresent()) {
                throw new UsageException("Nothing to set for profile [" + name + "]; give --endpoint, --token, --token-file, --aws-region, --home or --unset");
            }
            if (endpoint != null) {
                ConfigResolver.endpoint(endpoint, "--endpoint"); // not http(s) → the SDK's message with the fix
            }
            Path file = Connection.configFile();
            ProfileFile.set(file, name, values);
            spec.commandLine().getOut().println("Profile [" + name + "] saved in " + file);
            return 0;
        }

        private static void put(Map<String, String> values, String key, String value) {
            if (value != null) {
                values.put(key, value);
            }
        }
    }

    @Command(name = "remove", aliases = "rm", description = {"Remove a profile from $BERTH_HOME/config.", "", "Example:",
            "  berth config remove prod", ""})
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "PROFILE", description = "The profile's name.")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (!ProfileFile.remove(Connection.configFile(), name)) {
                throw new UsageException("No profile [" + name + "] in " + Connection.configFile() + "; profiles there: "
                        + String.join(", ", profileNames()));
            }
            spec.commandLine().getOut().println("Profile [" + name + "] removed from " + Connection.configFile());
            return 0;
        }
    }
}
