package dev.berth.local.store;

import dev.berth.pod.Deployment;
import dev.berth.pod.Pod;
import dev.berth.pod.PodId;
import dev.berth.pod.PodSpec;
import dev.berth.pod.PodStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * Run by {@link SqlitePodStoreCrashTest} in a child JVM: writes records to the store in {@code args[0]},
 * prints {@code COMMITTED <pod id>} once they are written, and then waits to be killed without closing.
 */
public final class StoreWriterMain {
    private StoreWriterMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        SqlitePodStore store = SqlitePodStore.inHome(Path.of(args[0]));
        Instant now = Instant.now();
        PodSpec spec = PodSpec.builder().name("crashy").entrypoint("sleep", "infinity").ports(8080).env("KEY", "value").build();
        Pod v1 = store.create(Pod.pending(PodId.random(), spec, "crashy", Map.of(), now));
        Pod v2 = store.update(v1, v1.moveTo(PodStatus.BUILDING, now.plusSeconds(1))).orElseThrow();
        store.createDeployment(new Deployment("crashy", spec, v2.id(), Map.of(), now, now, 0));
        System.out.println("COMMITTED " + v2.id());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
