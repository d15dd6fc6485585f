package dev.berth.local.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records committed by a process survive {@code kill -9} of that process. */
class SqlitePodStoreCrashTest {
    @TempDir
    Path home;

    @Test
    void recordsCommittedBeforeKillNine_areReadByAFreshProcess() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                StoreWriterMain.class.getName(), home.toString())
                .redirectErrorStream(true);
        Process writer = builder.start();
        String podId = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                output.add(line);
                if (line.startsWith("COMMITTED ")) {
                    podId = line.substring("COMMITTED ".length()).strip();
                    break;
                }
            }
            assertThat(podId).as("writer output: %s", output).isNotNull();
            // The writer never closed the store: its records are in the WAL, not yet checkpointed into the file.
            assertThat(Files.size(home.resolve("berth.db-wal"))).isPositive();

            writer.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no close
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(writer.exitValue()).isEqualTo(137);
        } finally {
            writer.destroyForcibly();
        }

        try (SqlitePodStore fresh = SqlitePodStore.inHome(home)) {
            Pod pod = fresh.find(PodId.of(podId)).orElseThrow();
            assertThat(pod.status()).isEqualTo(PodStatus.BUILDING);
            assertThat(pod.version()).isEqualTo(2);
            assertThat(pod.spec().env()).containsEntry("KEY", "value");
            assertThat(fresh.findDeployment("crashy")).hasValueSatisfying(d -> assertThat(d.currentPod()).isEqualTo(pod.id()));
        }
    }
}
