package io.distill.student;

import java.io.Serializable;

/**
 * A distilled student against its hard-label baseline on the same test rows: the rows only one of
 * the two gets right. The baseline's errors exceed the distilled student's by exactly {@code
 * distilledOnlyRight − baselineOnlyRight} (the rows both get right or both get wrong cancel), and
 * whether that difference is more than two equally good models would show on these rows is
 * McNemar's question: under that null each of the {@code n = distilledOnlyRight +
 * baselineOnlyRight} discordant rows falls either way with probability ½. {@link #exactP()} is the
 * exact two-sided test (the binomial tail, doubled), so a single seed's win can be read as a win or
 * as noise without a second run.
 *
 * <p>It speaks of these models on these rows: what another seed or another draw of the search gives
 * is a separate spread (docs/BENCHMARKS.md measures both).
 *
 * @param distilledOnlyRight rows the distilled student gets right and its baseline wrong
 * @param baselineOnlyRight rows the baseline gets right and the distilled student wrong
 */
public record PairedComparison(long distilledOnlyRight, long baselineOnlyRight)
    implements Serializable {

  /** The p-value under which a difference is called more than noise in the report. */
  public static final double SIGNIFICANCE = 0.05;

  public PairedComparison {
    if (distilledOnlyRight < 0 || baselineOnlyRight < 0) {
      throw new IllegalArgumentException(
          "paired counts cannot be negative: "
              + distilledOnlyRight
              + " distilled-only, "
              + baselineOnlyRight
              + " baseline-only");
    }
  }

  /** Baseline errors − distilled errors: positive when distillation helped. */
  public long gain() {
    return distilledOnlyRight - baselineOnlyRight;
  }

  /** The rows where the two disagree on being right. */
  public long discordant() {
    return distilledOnlyRight + baselineOnlyRight;
  }

  /**
   * McNemar's exact two-sided p-value: {@code min(1, 2·P[X ≤ min(b, c)])} for {@code X ~ Binomial(b
   * + c, ½)}; 1 when the two never disagree. {@code P[X = min(b, c)]} is computed in log space and
   * the tail below it as ratios of consecutive terms, so it holds for any count (no factorial
   * overflows).
   */
  public double exactP() {
    long n = discordant();
    long k = Math.min(distilledOnlyRight, baselineOnlyRight);
    if (n == 0) {
      return 1.0;
    }
    // P[X = k] in log space; the tail below it as a sum of ratios P[X = i - 1] / P[X = i] = i / (n
    // -
    // i + 1), each < 1 since k <= n / 2, stopped once the terms no longer add to a double.
    double logTermK = -n * Math.log(2);
    for (long i = 1; i <= k; i++) {
      logTermK += Math.log(n - i + 1) - Math.log(i);
    }
    double tail = 1;
    double ratio = 1;
    for (long i = k; i >= 1 && ratio > 1e-18; i--) {
      ratio *= (double) i / (n - i + 1);
      tail += ratio;
    }
    return Math.min(1.0, 2 * Math.exp(logTermK) * tail);
  }

  /** Whether {@link #exactP()} is below {@link #SIGNIFICANCE}. */
  public boolean significant() {
    return exactP() < SIGNIFICANCE;
  }
}
