package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundPlanTest {
  private static List<String> epoch(RoundPlan plan, int worker) {
    List<String> visited = new ArrayList<>();
    for (int r = 0; r < plan.rounds(); r++) {
      for (RoundPlan.Segment s : plan.segments(worker, r)) {
        for (int m = s.from(); m < s.to(); m++) {
          visited.add(s.block() + ":" + m);
        }
      }
    }
    return visited;
  }

  /**
   * Every minibatch of every block is fitted once per epoch by the worker owning the block (block %
   * workers).
   */
  @Test
  void everyMinibatchOncePerEpochByItsWorker() {
    int[] rows = {100, 90, 130, 64, 1, 70};
    RoundPlan plan = RoundPlan.of(rows, 2, 32, 3, 7, 0, true);
    Set<String> all = new HashSet<>();
    for (int w = 0; w < 2; w++) {
      List<String> visited = epoch(plan, w);
      assertEquals(visited.size(), new HashSet<>(visited).size(), "no minibatch twice");
      for (String v : visited) {
        assertEquals(w, Integer.parseInt(v.split(":")[0]) % 2);
      }
      all.addAll(visited);
      assertEquals(plan.minibatches(w), visited.size());
    }
    int expected = 0;
    for (int r : rows) {
      expected += (r + 31) / 32;
    }
    assertEquals(expected, all.size());
    for (int r = 0; r < plan.rounds(); r++) {
      for (int w = 0; w < 2; w++) {
        int n = 0;
        for (RoundPlan.Segment s : plan.segments(w, r)) {
          n += s.to() - s.from();
        }
        assertTrue(n <= 3, "at most a period of minibatches per round");
      }
    }
  }

  @Test
  void theBlockOrderIsFreshEachEpochAndFixedWithoutShuffle() {
    int[] rows = new int[20];
    Arrays.fill(rows, 10);
    assertNotEquals(
        epoch(RoundPlan.of(rows, 1, 10, 1, 7, 0, true), 0),
        epoch(RoundPlan.of(rows, 1, 10, 1, 7, 1, true), 0));
    assertEquals(
        epoch(RoundPlan.of(rows, 1, 10, 1, 7, 0, true), 0),
        epoch(RoundPlan.of(rows, 1, 10, 1, 7, 0, true), 0));
    List<String> fixed = epoch(RoundPlan.of(rows, 1, 10, 1, 7, 3, false), 0);
    for (int b = 0; b < 20; b++) {
      assertEquals(b + ":0", fixed.get(b));
    }
  }

  @Test
  void oncePerEpochIsOneRound() {
    RoundPlan plan =
        RoundPlan.of(new int[] {100, 50, 70}, 2, 10, TrainingSettings.ONCE_PER_EPOCH, 1, 0, true);
    assertEquals(1, plan.rounds());
    assertEquals(17, plan.segments(0, 0).length == 2 ? 10 + 7 : -1);
  }
}
