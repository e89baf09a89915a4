package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * McNemar's exact test against values computed independently, in exact rational arithmetic: {@code
 * min(1, 2 * sum(comb(n, i) for i in range(min(b, c) + 1)) / 2**n)} with Python's {@code math.comb}
 * and {@code fractions.Fraction}.
 */
class PairedComparisonTest {

  @Test
  void exactPMatchesTheBinomialTail() {
    assertEquals(0.03857421875, new PairedComparison(10, 2).exactP(), 1e-12); // 158 / 4096
    assertEquals(0.03125, new PairedComparison(0, 6).exactP(), 1e-12); // 2 / 64
    assertEquals(0.2839463340473948, new PairedComparison(120, 103).exactP(), 1e-12);
    assertEquals(0.01337870302600394, new PairedComparison(60, 35).exactP(), 1e-12);
    // n = 10,200: the terms underflow a double one by one, the tail does not.
    assertEquals(0.04878796312682245, new PairedComparison(5000, 5200).exactP(), 1e-9);
  }

  @Test
  void theTestIsSymmetricAndCappedAtOne() {
    assertEquals(
        new PairedComparison(103, 120).exactP(), new PairedComparison(120, 103).exactP(), 0.0);
    assertEquals(1.0, new PairedComparison(5, 5).exactP());
    assertEquals(1.0, new PairedComparison(4, 5).exactP(), 1e-12);
    assertEquals(1.0, new PairedComparison(0, 0).exactP());
  }

  @Test
  void gainAndSignificance() {
    PairedComparison win = new PairedComparison(60, 35);
    assertEquals(25, win.gain()); // 60 rows only the distilled student gets right, 35 the other way
    assertEquals(95, win.discordant());
    assertTrue(win.significant());
    assertFalse(new PairedComparison(120, 103).significant());
    assertEquals(-17, new PairedComparison(103, 120).gain());
  }

  @Test
  void negativeCountsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PairedComparison(-1, 3));
  }
}
