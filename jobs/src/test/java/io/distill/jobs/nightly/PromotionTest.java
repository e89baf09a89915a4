package io.distill.jobs.nightly;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.jobs.pipeline.HoldoutScore;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromotionTest {
  private static HoldoutScore distilled(String size, long errors, Long championErrors) {
    return new HoldoutScore(
        size + "-distilled",
        "distilled",
        size,
        1000,
        errors,
        1 - errors / 1000.0,
        0.97,
        championErrors,
        championErrors == null ? null : 1 - championErrors / 1000.0,
        0.96);
  }

  private static HoldoutScore baseline(String size, long errors, long championErrors) {
    return new HoldoutScore(
        size + "-baseline",
        "baseline",
        size,
        1000,
        errors,
        1 - errors / 1000.0,
        0.9,
        championErrors,
        1 - championErrors / 1000.0,
        0.9);
  }

  @Test
  void theFirstNightAndARerunOfTheChampionsNightArePromoted() {
    assertTrue(Promotion.decide("2026-11-01", null, List.of(), 0.2).promoted());
    assertTrue(Promotion.decide("2026-11-02", "2026-11-02", List.of(), 0.2).promoted());
  }

  @Test
  void anOlderNightNeverReplacesALaterChampion() {
    Promotion p =
        Promotion.decide("2026-11-01", "2026-11-03", List.of(distilled("a", 10, 50L)), 0.2);
    assertFalse(p.promoted());
    assertTrue(p.reason().contains("later night (2026-11-03)"), p.reason());
  }

  @Test
  void eachSizeMustBeNoWorseWithinTheTolerance() {
    // 2 errors more of 1,000 = 0.2 points: within a tolerance of 0.2, not within 0.1.
    List<HoldoutScore> scores = List.of(distilled("a", 32, 30L), distilled("b", 40, 45L));
    assertTrue(Promotion.decide("n2", "n1", scores, 0.2).promoted());
    Promotion p = Promotion.decide("n2", "n1", scores, 0.1);
    assertFalse(p.promoted());
    assertTrue(p.reason().contains("a 96.80 % vs the champion's 97.00 %"), p.reason());
    assertFalse(p.reason().contains("b "), p.reason());
  }

  @Test
  void baselinesAndNewSizesDoNotDecide() {
    // The baseline got much worse, and size c is new tonight: only a and b are compared.
    List<HoldoutScore> scores =
        List.of(distilled("a", 30, 30L), baseline("a", 90, 30), distilled("c", 500, null));
    assertTrue(Promotion.decide("n2", "n1", scores, 0).promoted());
  }

  @Test
  void noHoldoutIsNoPromotion() {
    assertFalse(Promotion.decide("n2", "n1", List.of(), 0.2).promoted());
    assertFalse(Promotion.decide("n2", "n1", List.of(distilled("c", 5, null)), 0.2).promoted());
  }
}
