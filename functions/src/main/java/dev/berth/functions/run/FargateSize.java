package dev.berth.functions.run;

import dev.berth.InvalidSpecException;

/**
 * A Fargate task size: CPU units and MiB, the smallest valid combination that holds what a pod asks for.
 * Fargate takes only fixed pairs (0.25 vCPU with 0.5–2 GiB, …, 16 vCPU with 32–120 GiB).
 */
public record FargateSize(int cpuUnits, int memoryMiB) {
    private static final int[][] TABLE = {
            // cpu, min memory, max memory, step
            {256, 512, 2048, 512},
            {512, 1024, 4096, 1024},
            {1024, 2048, 8192, 1024},
            {2048, 4096, 16384, 1024},
            {4096, 8192, 30720, 1024},
            {8192, 16384, 61440, 4096},
            {16384, 32768, 122880, 8192},
    };

    /** The smallest size with at least {@code cpu} vCPUs and {@code memoryMiB}. */
    public static FargateSize fitting(double cpu, int memoryMiB) {
        int units = (int) Math.ceil(cpu * 1024);
        for (int[] row : TABLE) {
            if (row[0] < units || memoryMiB > row[2]) {
                continue;
            }
            int memory = row[1];
            while (memory < memoryMiB) {
                memory += row[3];
            }
            if (row[0] == 256 && memory == 1536) {
                memory = 2048; // 0.25 vCPU takes 512, 1024 or 2048 only
            }
            return new FargateSize(row[0], memory);
        }
        if (units > 16384) {
            throw new InvalidSpecException("cpu", "cpu " + cpu + " is more than Fargate's largest task (16 vCPU); ask for 16 or fewer");
        }
        throw new InvalidSpecException("memoryMiB", "memoryMiB " + memoryMiB
                + " is more than a Fargate task of " + cpu + " vCPU can have (at most 122880 MiB with 16 vCPU); ask for less memory");
    }
}
