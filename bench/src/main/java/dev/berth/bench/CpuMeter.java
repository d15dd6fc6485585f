package dev.berth.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where CPU time goes during a load run: this JVM's threads by role (the router's Vert.x event loops, the load
 * client's threads), the whole JVM, the backend container (its cgroup v1 or v2 CPU counter) and the machine
 * (all cores, other processes included, from {@code /proc/stat}). Counters that cannot be read are left out.
 */
final class CpuMeter {
    static final String ROUTER = "router";
    static final String CLIENT = "client";
    static final String JVM = "jvm";
    static final String BACKEND = "backend";
    static final String MACHINE = "machine";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final String containerId;

    CpuMeter(String containerId) {
        this.containerId = containerId;
    }

    /** CPU nanoseconds consumed so far, by group. */
    Map<String, Long> snapshot() {
        Map<String, Long> cpu = new LinkedHashMap<>();
        cpu.put(ROUTER, 0L);
        cpu.put(CLIENT, 0L);
        long[] ids = threads.getAllThreadIds();
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) {
                continue;
            }
            String name = infos[i].getThreadName();
            String group = name.startsWith("vert.x-eventloop") ? ROUTER
                    : name.startsWith(Load.THREAD_PREFIX) || name.startsWith("HttpClient-") ? CLIENT : null;
            long t = threads.getThreadCpuTime(ids[i]);
            if (t > 0) {
                if (group != null) {
                    cpu.merge(group, t, Long::sum);
                }
                // Per thread too, for the "top threads" breakdown: key "thread:<id>:<name>".
                cpu.put("thread:" + ids[i] + ":" + name, t);
            }
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            cpu.put(JVM, os.getProcessCpuTime());
        }
        Long backend = containerCpu();
        if (backend != null) {
            cpu.put(BACKEND, backend);
        }
        Long machine = machineBusy();
        if (machine != null) {
            cpu.put(MACHINE, machine);
        }
        return cpu;
    }

    /** The {@code n} threads that used most CPU in {@code delta}, as "name ms" strings. */
    static List<String> topThreads(Map<String, Long> delta, int n) {
        Map<String, Long> byName = new java.util.TreeMap<>();
        delta.forEach((k, v) -> {
            if (k.startsWith("thread:")) {
                // Group numbered pools: HttpClient-3-Worker-7 -> HttpClient-#-Worker-#
                byName.merge(k.substring(k.indexOf(':', 7) + 1).replaceAll("\\d+", "#"), v, Long::sum);
            }
        });
        return byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .map(e -> e.getKey() + " " + e.getValue() / 1_000_000 + " ms").toList();
    }

    /** {@code after - before} per group present in both. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new LinkedHashMap<>();
        after.forEach((k, v) -> {
            if (before.containsKey(k)) {
                d.put(k, v - before.get(k));
            }
        });
        return d;
    }

    private Long containerCpu() {
        if (containerId == null) {
            return null;
        }
        for (Path file : List.of(
                Path.of("/sys/fs/cgroup/cpuacct/docker", containerId, "cpuacct.usage"),
                Path.of("/sys/fs/cgroup/cpu,cpuacct/docker", containerId, "cpuacct.usage"))) {
            try {
                return Long.parseLong(Files.readString(file).strip());
            } catch (IOException | NumberFormatException e) {
                // not this layout; try the next
            }
        }
        for (Path file : List.of(
                Path.of("/sys/fs/cgroup/system.slice/docker-" + containerId + ".scope/cpu.stat"),
                Path.of("/sys/fs/cgroup/docker", containerId, "cpu.stat"))) {
            try {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("usage_usec ")) {
                        return Long.parseLong(line.substring(11).strip()) * 1000;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not this layout; try the next
            }
        }
        return null;
    }

    /** Non-idle CPU time of the whole machine, all cores, in nanoseconds (USER_HZ = 100 assumed). */
    private static Long machineBusy() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
