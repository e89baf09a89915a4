package io.distill.jobs.report;

/**
 * What one pipeline stage processed, for the report's "where the time goes": {@code count} units
 * (e.g. "rows", "examples trained") and the floating-point operations its models computed on them
 * (NaN when not counted, e.g. an ONNX teacher or a stage without models).
 */
public record StageWork(String unit, long count, double flops) {
  public StageWork {
    if (unit == null || unit.isBlank()) {
      throw new IllegalArgumentException("A stage's work needs a unit");
    }
    if (count < 0) {
      throw new IllegalArgumentException(
          "A stage's work count must be at least 0, cannot be: " + count);
    }
  }
}
