package dev.berth.local.cli;

import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.local.LocalConfig;
import dev.berth.local.LocalPlatform;
import dev.berth.sdk.BerthClient;
import dev.berth.sdk.internal.ConfigResolver;
import dev.berth.sdk.internal.ProfileFile;
import java.io.File;
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

/**
 * Which platform the CLI talks to, in the SDK's order ({@code --profile}, {@code BERTH_ENDPOINT},
 * {@code BERTH_PROFILE}, the {@code [default]} profile, the local platform of {@code BERTH_HOME}), and the
 * embedded platform started in the background when that target is local and none runs.
 */
final class Connection {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    /**
     * Where requests go.
     *
     * @param profile   the profile chosen, or {@code null}
     * @param localHome the home of the local platform, or {@code null} for a remote endpoint
     * @param source    why this target, for people
     */
    record Target(String profile, Path localHome, String source) {
        boolean local() {
            return localHome != null;
        }
    }

    private Connection() {
    }

    static Map<String, String> env() {
        return System.getenv();
    }

    static Path home() {
        return LocalConfig.home(env());
    }

    static Path configFile() {
        return home().resolve(ConfigResolver.CONFIG_FILE);
    }

    /** The target {@code BerthClient.create()} would pick, without contacting it. */
    static Target target(String profileFlag) {
        Map<String, String> env = env();
        String profile = profileFlag;
        String chosenBy = "--profile";
        if (profile == null) {
            if (notBlank(env.get("BERTH_ENDPOINT"))) {
                return new Target(null, null, "BERTH_ENDPOINT");
            }
            profile = notBlank(env.get("BERTH_PROFILE")) ? env.get("BERTH_PROFILE").strip() : null;
            chosenBy = "BERTH_PROFILE";
        }
        Optional<ProfileFile> config = ProfileFile.read(configFile());
        if (profile == null && config.flatMap(c -> c.profile(ConfigResolver.DEFAULT_PROFILE)).isPresent()) {
            profile = ConfigResolver.DEFAULT_PROFILE;
            chosenBy = "the [default] profile";
        }
        if (profile == null) {
            return new Target(null, home(), "the local platform of " + home());
        }
        String name = profile;
        Optional<ProfileFile.Profile> p = config.flatMap(c -> c.profile(name));
        if (p.isEmpty()) {
            throw new UsageException("No profile [" + name + "] (from " + chosenBy + ") in " + configFile() + "; profiles there: "
                    + config.map(c -> c.names().isEmpty() ? "none" : String.join(", ", c.names().stream().sorted().toList())).orElse("none (no file)")
                    + "; add it with 'berth config set " + name + " --endpoint URL'");
        }
        String source = "profile [" + name + "] of " + configFile() + " (chosen by " + chosenBy + ")";
        if (p.get().get("endpoint").isPresent()) {
            return new Target(name, null, source);
        }
        Path home = p.get().get("home").map(h -> h.startsWith("~/") ? Path.of(System.getProperty("user.home"), h.substring(2)) : Path.of(h))
                .orElse(home());
        return new Target(name, home, source);
    }

    /** A client of the target; for a local target, starts the embedded platform first if asked and none runs. */
    /** A client of the platform the command's profile names, which must be running (nothing is started). */
    static BerthClient client(picocli.CommandLine.Model.CommandSpec spec) {
        return client(BerthCli.profile(spec), false, spec.commandLine().getErr());
    }

    static BerthClient client(String profileFlag, boolean startIfMissing, PrintWriter progress) {
        Target target = target(profileFlag);
        if (target.local() && startIfMissing && running(target.localHome()).isEmpty()) {
            progress.println("Starting the Berth platform in the background (log: " + target.localHome().resolve("platform.log") + ") …");
            progress.flush();
            startDetached(target.localHome());
        } else if (target.local() && running(target.localHome()).isEmpty()) {
            throw new BerthServiceException(ErrorCode.UNAVAILABLE, "No Berth platform runs for " + target.localHome()
                    + "; start it with 'berth up --detach' (or 'berth run', which starts it)", null);
        }
        return BerthClient.builder().profile(profileFlag).build();
    }

    /** The platform running from {@code home}, if one does. */
    static Optional<LocalPlatform.Instance> running(Path home) {
        return LocalPlatform.Instance.read(home).filter(LocalPlatform.Instance::isAlive);
    }

    /** The local platform of {@code home}, started as a background {@code berth up} if none runs. */
    static LocalPlatform.Instance ensureRunning(Path home, PrintWriter progress) {
        Optional<LocalPlatform.Instance> running = running(home);
        if (running.isPresent()) {
            return running.get();
        }
        progress.println("Starting the Berth platform in the background (log: " + home.resolve("platform.log") + ") …");
        progress.flush();
        return startDetached(home);
    }

    /** Starts {@code berth up} as a background process for {@code home} and waits until its API answers. */
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
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("BERTH_HOME", home.toString());
            Process process = builder.start();
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
            throw new UncheckedIOException("Cannot start the platform for " + home, e);
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

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
