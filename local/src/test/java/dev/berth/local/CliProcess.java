package dev.berth.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.local.cli.BerthCli;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code berth …} as a process of its own (the test class path), with a Berth home and extra environment. */
final class CliProcess {
    private final Path home;
    private final Map<String, String> env;

    CliProcess(Path home, Map<String, String> env) {
        this.home = home;
        this.env = env;
    }

    /** What one command did. */
    record Result(int exitCode, String out, String err) {
        JsonNode json() {
            return PlatformHarness.read(out);
        }

        /** The last non-blank line of stdout. */
        String lastLine() {
            List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.getLast();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BerthCli.class.getName()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(home, "cli", ".out");
            Path err = Files.createTempFile(home, "cli", ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
            builder.environment().put("BERTH_HOME", home.toString());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(6, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("berth " + String.join(" ", args) + " did not end within 6 minutes:\n" + Files.readString(out));
            }
            Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
