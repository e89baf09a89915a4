package io.distill.jobs.config;

import io.distill.student.NetworkWidth;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code distill.students.sizes}: exactly one of {@code hidden} and {@code dl4jJson}
 * is non-null. Every setting after {@code seed} is optional (null: the {@code students} section's),
 * so that a size can carry what a settings search chose for each of its models.
 *
 * @param name unique, matching {@code [A-Za-z0-9_.-]+}
 * @param hidden hidden-layer widths of an MLP student (possibly empty: softmax regression), or null
 * @param dl4jJson path to a DL4J MultiLayerConfiguration JSON for any other shape, or null
 * @param width a dl4j-json student's hidden widths (dense units, convolution channels) as a
 *     multiple of its JSON's ({@link NetworkWidth}), or null (the JSON's own); null for an MLP,
 *     whose widths are {@code hidden}
 * @param temperature this size's distillation temperature, or null for {@code students.temperature}
 * @param alpha this size's hard-label weight, or null for {@code students.alpha}
 * @param seed this size's random seed, or null for {@code training.seed}
 * @param standardise whether the distilled student's soft term compares standardised logits, or
 *     null (no)
 * @param dkdBeta the β of the distilled student's decoupled soft term (Zhao et al. 2022), or null
 *     (Hinton's KL)
 * @param learningRate both models' learning rate, or null for {@code students.learning-rate}
 * @param lrDecay both models' decay per epoch, or null for {@code students.lr-decay}
 * @param baselineLearningRate the baseline's own learning rate, or null (as the distilled one's)
 * @param baselineLrDecay the baseline's own decay, or null (as the distilled one's)
 * @param baselineSeed the baseline's own seed, or null (as the distilled one's)
 */
public record StudentSize(
    String name,
    List<Integer> hidden,
    String dl4jJson,
    Double width,
    Double temperature,
    Double alpha,
    Long seed,
    Boolean standardise,
    Double dkdBeta,
    Double learningRate,
    Double lrDecay,
    Double baselineLearningRate,
    Double baselineLrDecay,
    Long baselineSeed) {

  /** A size with the section's settings apart from T, α and the seed. */
  public StudentSize(
      String name,
      List<Integer> hidden,
      String dl4jJson,
      Double temperature,
      Double alpha,
      Long seed) {
    this(
        name,
        hidden,
        dl4jJson,
        null,
        temperature,
        alpha,
        seed,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  public StudentSize {
    Objects.requireNonNull(name, "name");
    if ((hidden == null) == (dl4jJson == null)) {
      throw new IllegalArgumentException(
          "student size " + name + ": exactly one of hidden, dl4jJson");
    }
    if (width != null && (hidden != null || !NetworkWidth.isWidthFactor(width))) {
      throw new IllegalArgumentException(
          "student size " + name + ": a width factor is for a dl4j-json size, positive and finite");
    }
    hidden = hidden == null ? null : List.copyOf(hidden);
  }

  /** Whether this is an MLP given by {@link #hidden} (else a DL4J JSON configuration). */
  public boolean mlp() {
    return hidden != null;
  }

  /**
   * Its shape, for grouping sizes listed under several seeds: "800x800", "softmax", or the JSON
   * file's name without ".json" ("cnn-tiny"), followed by its width factor where it has one other
   * than 1 ("cnn-tiny-x2", "cnn-tiny-x1.41").
   */
  public String shape() {
    if (!mlp()) {
      String file = dl4jJson.substring(dl4jJson.lastIndexOf('/') + 1);
      String base =
          file.endsWith(".json") ? file.substring(0, file.length() - ".json".length()) : file;
      return widthFactor() == 1.0 ? base : base + "-x" + factorText(widthFactor());
    }
    return mlpShape(hidden);
  }

  /** A dl4j-json size's width factor: 1 where it has none (and for an MLP). */
  public double widthFactor() {
    return width == null ? 1.0 : width;
  }

  /** A factor as a name shows it: up to 2 decimals, no trailing zeros ("2", "1.41"). */
  private static String factorText(double factor) {
    return BigDecimal.valueOf(factor)
        .setScale(2, RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** An MLP's shape from its hidden widths: "800x800", or "softmax" without a hidden layer. */
  public static String mlpShape(List<Integer> hidden) {
    return hidden.isEmpty()
        ? "softmax"
        : String.join("x", hidden.stream().map(String::valueOf).toList());
  }

  /** An MLP with other hidden widths and this size's settings (T, α, seeds, rates, decays). */
  public StudentSize widened(String newName, List<Integer> newHidden) {
    return with(newName, newHidden, null, null, temperature, alpha);
  }

  /** A dl4j-json size with another width factor (of its JSON's widths) and this size's settings. */
  public StudentSize withWidth(String newName, double newWidth) {
    return with(newName, null, dl4jJson, newWidth, temperature, alpha);
  }

  /**
   * The same size with its temperature and alpha filled in from the section's defaults where it has
   * none.
   */
  StudentSize withDefaults(double defaultTemperature, double defaultAlpha) {
    return with(
        name,
        hidden,
        dl4jJson,
        width,
        temperature != null ? temperature : defaultTemperature,
        alpha != null ? alpha : defaultAlpha);
  }

  /** This size's optimiser and seed settings with another name, shape, T and α. */
  private StudentSize with(
      String newName,
      List<Integer> newHidden,
      String newJson,
      Double newWidth,
      Double newT,
      Double newAlpha) {
    return new StudentSize(
        newName,
        newHidden,
        newJson,
        newWidth,
        newT,
        newAlpha,
        seed,
        standardise,
        dkdBeta,
        learningRate,
        lrDecay,
        baselineLearningRate,
        baselineLrDecay,
        baselineSeed);
  }
}
