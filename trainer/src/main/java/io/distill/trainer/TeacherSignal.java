package io.distill.trainer;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where a training dataset holds its teacher's outputs, and in which form:
 *
 * <ul>
 *   <li>{@link #none()}: no teacher (hard labels only: teachers and baselines);
 *   <li>{@link #logits(String)}: an array&lt;float&gt; column of the teacher's K logits; the loss
 *       softens them at the student's own temperature, so one dataset serves every T;
 *   <li>{@link #topK(String, String, double)}: the k largest probabilities at temperature {@code
 *       T0} (array&lt;float&gt;, descending) and their class indices (array&lt;int&gt;), what the
 *       soft-label job writes with {@code --top-k}. The trainer turns them back into K
 *       "pseudo-logits" {@code T0 · log p}: the kept classes get their own probability, and the
 *       remaining mass {@code r = 1 − Σ top-k} is spread evenly over the {@code K − k} classes left
 *       out (each gets {@code r / (K − k)}, floored at {@code 1e-30} so its log is finite).
 *       Softened at {@code T0} they give back the stored distribution (the kept probabilities
 *       exactly, a uniform tail); at another T they give {@code p^(T0/T)} renormalised. With {@code
 *       k = K} this equals the full logits' distribution at every T.
 * </ul>
 */
public final class TeacherSignal implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The form of the teacher's outputs. */
  public enum Kind {
    NONE,
    LOGITS,
    TOP_K
  }

  private final Kind kind;
  private final String logitsColumn;
  private final String indicesColumn;
  private final String probabilitiesColumn;
  private final double temperature;

  private TeacherSignal(
      Kind kind,
      String logitsColumn,
      String indicesColumn,
      String probabilitiesColumn,
      double temperature) {
    this.kind = kind;
    this.logitsColumn = logitsColumn;
    this.indicesColumn = indicesColumn;
    this.probabilitiesColumn = probabilitiesColumn;
    this.temperature = temperature;
  }

  public static TeacherSignal none() {
    return new TeacherSignal(Kind.NONE, null, null, null, Double.NaN);
  }

  public static TeacherSignal logits(String column) {
    Objects.requireNonNull(column, "column");
    return new TeacherSignal(Kind.LOGITS, column, null, null, Double.NaN);
  }

  /**
   * @param temperature the T0 the probabilities were computed at (the soft-label job's temperature)
   */
  public static TeacherSignal topK(
      String indicesColumn, String probabilitiesColumn, double temperature) {
    Objects.requireNonNull(indicesColumn, "indicesColumn");
    Objects.requireNonNull(probabilitiesColumn, "probabilitiesColumn");
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "the top-k probabilities' temperature must be positive and finite, cannot"
              + " be: "
              + temperature);
    }
    return new TeacherSignal(Kind.TOP_K, null, indicesColumn, probabilitiesColumn, temperature);
  }

  public Kind kind() {
    return kind;
  }

  public boolean present() {
    return kind != Kind.NONE;
  }

  public String logitsColumn() {
    return logitsColumn;
  }

  public String indicesColumn() {
    return indicesColumn;
  }

  public String probabilitiesColumn() {
    return probabilitiesColumn;
  }

  /** T0 of top-k probabilities; NaN otherwise. */
  public double temperature() {
    return temperature;
  }

  /**
   * Writes the K pseudo-logits {@code T0 · log p} of one row's top-k probabilities into {@code
   * out[offset..]} (see the class comment for the classes left out).
   */
  static void pseudoLogits(
      int[] indices,
      float[] probabilities,
      int from,
      int k,
      int classes,
      double temperature,
      float[] out,
      int offset) {
    double kept = 0;
    for (int j = 0; j < k; j++) {
      kept += probabilities[from + j];
    }
    if (k < classes) {
      double tail = Math.max(1e-30, Math.max(0, 1 - kept) / (classes - k));
      Arrays.fill(out, offset, offset + classes, (float) (temperature * Math.log(tail)));
    }
    for (int j = 0; j < k; j++) {
      out[offset + indices[from + j]] =
          (float) (temperature * Math.log(Math.max(1e-30, probabilities[from + j])));
    }
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "no teacher";
      case LOGITS -> "teacher logits in '" + logitsColumn + "'";
      case TOP_K ->
          "teacher top-k probabilities at T="
              + temperature
              + " in '"
              + probabilitiesColumn
              + "', '"
              + indicesColumn
              + "'";
    };
  }
}
