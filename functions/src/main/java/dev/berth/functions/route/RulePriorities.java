package dev.berth.functions.route;

import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Picks listener rule priorities. Host rules never overlap, so any free priority serves; picking one at
 * random among the free ones makes two concurrent publishers unlikely to pick the same, and the one that
 * loses anyway gets {@code PriorityInUse} from ELB and picks again. ELB is the arbiter, so no two rules of a
 * listener ever share a priority.
 */
public final class RulePriorities {
    /** ELB's highest rule priority. */
    public static final int MAX = 50_000;

    private RulePriorities() {
    }

    /** A free priority in {@code [1, MAX]}. */
    public static int pick(Set<Integer> used, RandomGenerator random) {
        if (used.size() >= MAX) {
            throw new IllegalStateException("All " + MAX + " rule priorities of the listener are in use");
        }
        while (true) {
            int candidate = 1 + random.nextInt(MAX);
            if (!used.contains(candidate)) {
                return candidate;
            }
        }
    }

    /** The listener a label prefers: a stable spread over the pool, so that a label's rules stay together. */
    public static int preferredListener(String label, int listeners) {
        return Math.floorMod(label.hashCode() * 0x9E3779B9, listeners);
    }
}
