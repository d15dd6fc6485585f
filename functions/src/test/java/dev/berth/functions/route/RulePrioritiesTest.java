package dev.berth.functions.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RulePrioritiesTest {
    @Test
    void pick_neverReturnsAUsedPriority() {
        Set<Integer> used = new HashSet<>();
        IntStream.rangeClosed(1, RulePriorities.MAX - 10).forEach(used::add);
        SplittableRandom random = new SplittableRandom(42);
        Set<Integer> picked = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            picked.add(RulePriorities.pick(used, random));
        }
        assertThat(picked).allSatisfy(p -> assertThat(p).isBetween(RulePriorities.MAX - 9, RulePriorities.MAX));
    }

    @Test
    void preferredListener_isStableAndSpreadsLabels() {
        assertThat(RulePriorities.preferredListener("notebook", 3)).isEqualTo(RulePriorities.preferredListener("notebook", 3));
        int[] counts = new int[2];
        for (int i = 0; i < 1000; i++) {
            counts[RulePriorities.preferredListener("p" + Integer.toString(i * 7919, 36), 2)]++;
        }
        assertThat(counts[0]).isBetween(400, 600);
    }

    @Test
    void podOf_readsPodIdFromTargetGroupName() {
        assertThat(AlbRouter.podOf("berth-pabcdefghijk-8000")).hasValueSatisfying(p -> assertThat(p.value()).isEqualTo("pabcdefghijk"));
        assertThat(AlbRouter.podOf("berth-waker")).isEmpty();
        assertThat(AlbRouter.podOf("other-pabcdefghijk-1")).isEmpty();
    }
}
