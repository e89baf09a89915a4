package io.distill.jobs.nightly;

/**
 * The night ran to completion but its students were not promoted: {@code distill-job.jar} exits
 * with {@link #EXIT_CODE}, distinct from a failure (1), so that a scheduler can alert on it.
 */
public final class NightNotPromotedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The process exit code of a night that was not promoted. */
  public static final int EXIT_CODE = 3;

  public NightNotPromotedException(String message) {
    super(message);
  }
}
