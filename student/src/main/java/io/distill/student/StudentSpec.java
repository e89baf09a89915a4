package io.distill.student;

import io.distill.core.HadoopFiles;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One student size of a sweep: its name, its shape — hidden layer sizes of an MLP, or a DL4J
 * MultiLayerConfiguration JSON for any other shape — the temperature and α its distilled student is
 * trained with, and the random seed of both its models (null: the sweep's training settings' seed).
 */
public record StudentSpec(
    String name, int[] hidden, String dl4jJson, double temperature, double alpha, Long seed) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  public StudentSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "student name must match [A-Za-z0-9_.-]+, cannot be: " + name);
    }
    if ((hidden == null) == (dl4jJson == null)) {
      throw new IllegalArgumentException(
          "student " + name + ": give exactly one of hidden sizes or a DL4J JSON");
    }
    hidden = hidden == null ? null : hidden.clone();
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "student "
              + name
              + ": temperature must be positive and finite, cannot be: "
              + temperature);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException(
          "student " + name + ": alpha must be in [0, 1], cannot be: " + alpha);
    }
  }

  @Override
  public int[] hidden() {
    return hidden == null ? null : hidden.clone();
  }

  /** Name of the distilled model: "{@code <name>-distilled}". */
  public String distilledName() {
    return name + "-" + ModelMetrics.DISTILLED;
  }

  /** Name of the hard-label baseline: "{@code <name>-baseline}". */
  public String baselineName() {
    return name + "-" + ModelMetrics.BASELINE;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StudentSpec s
        && s.name.equals(name)
        && Arrays.equals(s.hidden, hidden)
        && Objects.equals(s.dl4jJson, dl4jJson)
        && s.temperature == temperature
        && s.alpha == alpha
        && Objects.equals(s.seed, seed);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name
        + (hidden != null
            ? " " + Arrays.toString(hidden)
            : " (DL4J JSON sha256 " + HadoopFiles.sha256Hex(dl4jJson).substring(0, 16) + ")")
        + ", T="
        + temperature
        + ", alpha="
        + alpha
        + (seed == null ? "" : ", seed=" + seed);
  }
}
