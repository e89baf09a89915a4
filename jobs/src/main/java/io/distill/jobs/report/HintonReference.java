package io.distill.jobs.report;

/**
 * Hinton, Vinyals &amp; Dean (2015), "Distilling the Knowledge in a Neural Network", section 3:
 * MNIST test errors out of 10,000 — the reference figures the report and {@code bench/quality} put
 * beside a run's.
 */
public final class HintonReference {
  /** The large teacher: two hidden layers of 1,200 units, dropout, jittered inputs. */
  public static final long TEACHER_ERRORS = 67;

  /** An 800x800 student on the hard labels alone. */
  public static final long BASELINE_ERRORS = 146;

  /** The same student distilled at T = 20. */
  public static final long DISTILLED_ERRORS = 74;

  public static final String SIZE = "800x800";
  public static final int TEMPERATURE = 20;
  public static final long TEST_EXAMPLES = 10_000;

  private HintonReference() {}

  /** The share of the baseline→teacher gap their distilled student closed (72 / 79). */
  public static double gapClosed() {
    return (double) (BASELINE_ERRORS - DISTILLED_ERRORS) / (BASELINE_ERRORS - TEACHER_ERRORS);
  }
}
