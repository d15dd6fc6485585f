package dev.berth.bench;

import java.util.Arrays;

/** Durations in nanoseconds, grown as recorded; percentiles by nearest rank. Not thread-safe: one per thread, then {@link #merge}. */
final class Samples {
    private long[] values = new long[1024];
    private int size;

    void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    int size() {
        return size;
    }

    static Samples merge(Iterable<Samples> parts) {
        Samples all = new Samples();
        for (Samples part : parts) {
            for (int i = 0; i < part.size; i++) {
                all.add(part.values[i]);
            }
        }
        return all;
    }

    /** The {@code p}-th percentile (0 to 100) by nearest rank, in milliseconds; NaN when empty. */
    double percentileMillis(double p) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
    }

    double minMillis() {
        return percentileMillis(0);
    }

    double maxMillis() {
        return percentileMillis(100);
    }
}
