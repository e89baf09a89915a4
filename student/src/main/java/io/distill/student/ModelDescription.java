package io.distill.student;

import java.io.Serializable;

/**
 * What {@link ModelEvaluator} is told about a model besides the network itself: the descriptive
 * columns of its {@link ModelMetrics} row. The factories fill in the conventions of a run ({@code
 * model} = "teacher", "SIZE-distilled" or "SIZE-baseline"; temperature NaN and α = 1 for the
 * teacher and baselines).
 *
 * @param model unique name within the run, not blank
 * @param role {@link ModelMetrics#TEACHER}, {@link ModelMetrics#DISTILLED} or {@link
 *     ModelMetrics#BASELINE}
 * @param size the student size's name ("800x800"), or the teacher's layer sizes; not blank
 * @param temperature T the model was distilled at (positive, finite), or NaN
 * @param alpha weight of the hard-label term, in [0, 1]
 * @param trainingSeconds wall seconds training took (at least 0, finite), or NaN when unknown
 * @param epochs epochs trained, at least 0
 */
public record ModelDescription(
    String model,
    String role,
    String size,
    double temperature,
    double alpha,
    double trainingSeconds,
    int epochs)
    implements Serializable {

  /** Checks every field; messages name the field and the value refused. */
  public ModelDescription {
    requireNotBlank("model", model);
    requireNotBlank("size", size);
    if (!ModelMetrics.TEACHER.equals(role)
        && !ModelMetrics.DISTILLED.equals(role)
        && !ModelMetrics.BASELINE.equals(role)) {
      throw new IllegalArgumentException(
          "role must be one of teacher, distilled, baseline, cannot be: " + role);
    }
    if (!Double.isNaN(temperature)
        && !(temperature > 0 && temperature < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "temperature must be positive and finite or NaN, cannot be: " + temperature);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], cannot be: " + alpha);
    }
    if (!Double.isNaN(trainingSeconds)
        && !(trainingSeconds >= 0 && trainingSeconds < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "trainingSeconds must be at least 0 and finite, or NaN, cannot be: " + trainingSeconds);
    }
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be at least 0, cannot be: " + epochs);
    }
  }

  /**
   * The teacher: model "teacher", temperature NaN, α = 1; {@code trainingSeconds} NaN for a teacher
   * from a file.
   */
  public static ModelDescription teacher(String size, double trainingSeconds, int epochs) {
    return new ModelDescription(
        ModelMetrics.TEACHER, ModelMetrics.TEACHER, size, Double.NaN, 1.0, trainingSeconds, epochs);
  }

  /**
   * A distilled student: model "SIZE-distilled". Its temperature is NaN only at α = 1 (a settings
   * search found that hard labels served this size best).
   */
  public static ModelDescription distilled(
      String size, double temperature, double alpha, double trainingSeconds, int epochs) {
    if (Double.isNaN(temperature) && alpha != 1.0) {
      throw new IllegalArgumentException(
          "temperature of a distilled student must be positive and finite, cannot be: "
              + temperature);
    }
    return new ModelDescription(
        size + "-" + ModelMetrics.DISTILLED,
        ModelMetrics.DISTILLED,
        size,
        temperature,
        alpha,
        trainingSeconds,
        epochs);
  }

  /** A hard-label baseline student: model "SIZE-baseline", temperature NaN, α = 1. */
  public static ModelDescription baseline(String size, double trainingSeconds, int epochs) {
    return new ModelDescription(
        size + "-" + ModelMetrics.BASELINE,
        ModelMetrics.BASELINE,
        size,
        Double.NaN,
        1.0,
        trainingSeconds,
        epochs);
  }

  /**
   * The same description under another model name (e.g. "800x800-distilled-T4" in a sweep over
   * temperatures).
   */
  public ModelDescription withModel(String name) {
    return new ModelDescription(name, role, size, temperature, alpha, trainingSeconds, epochs);
  }

  private static void requireNotBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          field + " must not be blank, cannot be: " + (value == null ? "null" : "'" + value + "'"));
    }
  }
}
