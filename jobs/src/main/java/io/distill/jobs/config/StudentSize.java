package io.distill.jobs.config;

import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code distill.students.sizes}: exactly one of {@code hidden} and {@code dl4jJson}
 * is non-null.
 *
 * @param name unique, matching {@code [A-Za-z0-9_.-]+}
 * @param hidden hidden-layer widths of an MLP student (possibly empty: softmax regression), or null
 * @param dl4jJson path to a DL4J MultiLayerConfiguration JSON for any other shape, or null
 * @param temperature this size's distillation temperature, or null for {@code students.temperature}
 * @param alpha this size's hard-label weight, or null for {@code students.alpha}
 * @param seed this size's random seed, or null for {@code training.seed}
 */
public record StudentSize(
    String name,
    List<Integer> hidden,
    String dl4jJson,
    Double temperature,
    Double alpha,
    Long seed) {
  public StudentSize {
    Objects.requireNonNull(name, "name");
    if ((hidden == null) == (dl4jJson == null)) {
      throw new IllegalArgumentException(
          "student size " + name + ": exactly one of hidden, dl4jJson");
    }
    hidden = hidden == null ? null : List.copyOf(hidden);
  }

  /** Whether this is an MLP given by {@link #hidden} (else a DL4J JSON configuration). */
  public boolean mlp() {
    return hidden != null;
  }

  /**
   * Its shape, for grouping sizes listed under several seeds: "800x800", "softmax", or the JSON
   * file's name.
   */
  public String shape() {
    if (!mlp()) {
      return dl4jJson.substring(dl4jJson.lastIndexOf('/') + 1);
    }
    return hidden.isEmpty()
        ? "softmax"
        : String.join("x", hidden.stream().map(String::valueOf).toList());
  }

  /**
   * The same size with its temperature and alpha filled in from the section's defaults where it has
   * none.
   */
  StudentSize withDefaults(double defaultTemperature, double defaultAlpha) {
    return new StudentSize(
        name,
        hidden,
        dl4jJson,
        temperature != null ? temperature : defaultTemperature,
        alpha != null ? alpha : defaultAlpha,
        seed);
  }
}
