package io.distill.losses;

import java.util.Arrays;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Knowledge-distillation loss (Hinton, Vinyals &amp; Dean 2015, "Distilling the Knowledge in a
 * Neural Network") as a DL4J {@link ILossFunction}.
 *
 * <h2>What it computes</h2>
 *
 * The output layer has {@code K} units with {@code Activation.IDENTITY}, so its outputs are logits
 * {@code z}. For one example the loss is
 *
 * <pre>
 *   L = α · CE(y, softmax(z)) + (1 − α) · T² · KL(p ‖ softmax(z / T))
 *   CE = −Σ_k y_k log s_k,               s = softmax(z)
 *   KL =  Σ_k p_k (log p_k − log q_k),   q = softmax(z / T),   with 0 · log 0 = 0
 * </pre>
 *
 * where {@code y} is the one-hot hard label, {@code p = softmax(v / T)} the teacher's probabilities
 * at temperature {@code T} computed here from the teacher's logits {@code v}, and the {@code T²}
 * factor keeps the soft term's gradient on the same scale as the hard term's as {@code T} varies.
 * The temperature is applied in the loss, so one stored set of teacher logits serves students
 * distilled at any {@code T}. The log-softmaxes are computed stably (the row maximum is subtracted
 * before exponentiating).
 *
 * <h2>Label layout</h2>
 *
 * Labels are {@code 2K} columns wide: columns {@code [0, K)} hold the hard label {@code y}, columns
 * {@code [K, 2K)} the teacher's logits {@code v} (any per-row shift of them gives the same {@code
 * p}, so log-probabilities work too). {@link DistillationLabels#concat} builds them. With {@code α
 * = 1} the labels may also be just the {@code K} columns of {@code y}. DL4J's output layers pass
 * labels of any width through to the loss; this class checks the width itself.
 *
 * <h2>Gradient</h2>
 *
 * The exact analytic gradient with respect to the logits is
 *
 * <pre>
 *   dL/dz_j = α · ((Σ_k y_k) s_j − y_j) + (1 − α) · T · (q_j − p_j)
 * </pre>
 *
 * (the sum of y is 1 for a proper one-hot label, but is kept so the gradient is exact for any
 * input; p sums to 1 by construction). It is chained through the layer's activation function, so a
 * non-identity activation is treated as producing the logits. A softmax activation is refused: this
 * loss applies the softmax itself.
 *
 * <h2>Logit standardisation</h2>
 *
 * With {@code standardise} (Sun et al. 2024, "Logit Standardization in Knowledge Distillation"),
 * the soft term compares the z-scores of the logits instead of the logits: {@code p =
 * softmax(Z(v)/T)}, {@code q = softmax(Z(z)/T)}, {@code Z(x) = (x − mean(x)) / sd(x)} per row, with
 * {@code sd} the sample standard deviation ({@code K − 1} degrees of freedom, as PyTorch's {@code
 * std}) and {@code 1e-12} added to the variance. A small student need then match only the shape of
 * the teacher's logits, not their scale, which it may lack the capacity for. With {@code u = Z(z)},
 * {@code s} the row's standard deviation and {@code g = (1 − α) · T · (q − p)}, the soft term's
 * gradient is
 *
 * <pre>
 *   dL/dz_j = (g_j − u_j · Σ_i g_i u_i / (K − 1)) / s
 * </pre>
 *
 * (the mean of {@code g} is 0 because p and q both sum to 1). The hard term stays on the raw
 * logits, and so do the student's predictions.
 *
 * <h2>Decoupled soft term</h2>
 *
 * With {@code dkdBeta = β > 0} (Zhao et al. 2022, "Decoupled Knowledge Distillation") the soft
 * term's KL is replaced by {@code TCKD + β · NCKD}: the KL of the binary split target class / the
 * rest, plus β times the KL among the non-target classes, which Hinton's KL weighs by {@code 1 −
 * p_t} and so mutes when the teacher is confident. The hard label says which class is the target.
 * Its gradient is in {@link DecoupledTerm}; it takes the same {@code (1 − α) · T²} factor, and
 * combines with standardisation (the split is then of the z-scored logits' softmax).
 *
 * <h2>Special cases</h2>
 *
 * {@code α = 1} is plain softmax cross-entropy on the hard labels; the soft half of the labels, if
 * present, is then not read. {@code α = 0} is pure distillation.
 *
 * <h2>Minibatch and masks</h2>
 *
 * {@link #computeScore} sums the per-example losses and, with {@code average = true}, divides by
 * the number of examples ({@code preOutput.size(0)}) — the convention of DL4J's stock losses such
 * as {@code LossMCXENT}, which divide by the minibatch size even when some examples are masked out.
 * A per-example mask of shape {@code [mb, 1]} or {@code [mb]} multiplies the per-example scores and
 * the gradient rows. Per-output masks are refused.
 *
 * <h2>Cost</h2>
 *
 * Linear in the number of logits: a handful of element-wise ND4J ops and row reductions over the
 * {@code [mb, K]} logits (one log-softmax per term, plus one over the teacher's logits).
 * Computations run in the data type of {@code preOutput}.
 *
 * <p>Instances are immutable and serialize to DL4J's JSON configuration as {@code alpha}, {@code
 * temperature}, {@code standardise} and {@code dkdBeta}.
 */
public final class DistillationLoss implements ILossFunction {

  private static final long serialVersionUID = 1L;

  @JsonProperty("alpha")
  private final double alpha;

  @JsonProperty("temperature")
  private final double temperature;

  @JsonProperty("standardise")
  private final boolean standardise;

  /** Written only when not 0, so a configuration without it reads, and hashes, as before. */
  @JsonProperty("dkdBeta")
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  private final double dkdBeta;

  /** Added to the variance of a row's logits before its standard deviation is taken. */
  static final double VARIANCE_EPSILON = 1e-12;

  /**
   * @param alpha weight of the hard-label cross-entropy, in {@code [0, 1]}; the soft term gets
   *     {@code 1 − α}
   * @param temperature the distillation temperature {@code T}, positive and finite, at which both
   *     the teacher's logits in the labels and the student's are softened
   * @throws IllegalArgumentException if {@code alpha} or {@code temperature} is out of range
   */
  public DistillationLoss(double alpha, double temperature) {
    this(alpha, temperature, false);
  }

  /**
   * @param alpha as above
   * @param temperature as above
   * @param standardise whether the soft term compares z-scored logits (see the class
   *     documentation); a configuration written before this option reads as false
   */
  public DistillationLoss(double alpha, double temperature, boolean standardise) {
    this(alpha, temperature, standardise, 0.0);
  }

  /**
   * @param alpha as above
   * @param temperature as above
   * @param standardise as above
   * @param dkdBeta 0 for Hinton's KL as the soft term; {@code β > 0} for the decoupled term {@code
   *     TCKD + β · NCKD} (Zhao et al. 2022; see the class documentation). A configuration written
   *     before this option reads as 0.
   */
  @JsonCreator
  public DistillationLoss(
      @JsonProperty("alpha") double alpha,
      @JsonProperty("temperature") double temperature,
      @JsonProperty("standardise") boolean standardise,
      @JsonProperty("dkdBeta") double dkdBeta) {
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
      throw new IllegalArgumentException(
          "DistillationLoss: alpha must be in [0, 1], cannot be: " + alpha);
    }
    if (!(temperature > 0.0 && temperature < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "DistillationLoss: temperature must be positive and finite, cannot be: " + temperature);
    }
    this.alpha = alpha;
    this.temperature = temperature;
    if (!isDkdBeta(dkdBeta)) {
      throw new IllegalArgumentException(
          "DistillationLoss: dkdBeta must be 0 (Hinton's KL) or positive and finite, cannot be: "
              + dkdBeta);
    }
    // with no soft term there is nothing to standardise or decouple
    this.standardise = standardise && alpha < 1.0;
    this.dkdBeta = alpha < 1.0 ? dkdBeta : 0.0;
  }

  /**
   * Same as the constructor: a distillation loss with hard-label weight {@code alpha} at
   * temperature {@code T}.
   */
  public static DistillationLoss of(double alpha, double temperature) {
    return new DistillationLoss(alpha, temperature);
  }

  /**
   * Plain softmax cross-entropy on the hard labels ({@code α = 1, T = 1}), for training a student
   * without a teacher on the same 2K-wide labels.
   */
  public static DistillationLoss hardLabelsOnly() {
    return new DistillationLoss(1.0, 1.0);
  }

  /** Weight of the hard-label cross-entropy term, in {@code [0, 1]}. */
  public double alpha() {
    return alpha;
  }

  /** The distillation temperature {@code T}. */
  public double temperature() {
    return temperature;
  }

  /** Whether the soft term compares z-scored logits (Sun et al. 2024). */
  public boolean standardise() {
    return standardise;
  }

  /**
   * Whether {@code beta} can be a decoupled soft term's β: 0 (Hinton's KL) or positive and finite.
   * The one rule; the student settings and the search space that carry a β check it here.
   */
  public static boolean isDkdBeta(double beta) {
    return beta >= 0.0 && beta < Double.POSITIVE_INFINITY;
  }

  /**
   * The weight β of the non-target part of the decoupled soft term (Zhao et al. 2022); 0: the soft
   * term is Hinton's KL.
   */
  public double dkdBeta() {
    return dkdBeta;
  }

  @Override
  public double computeScore(
      INDArray labels,
      INDArray preOutput,
      IActivation activationFn,
      INDArray mask,
      boolean average) {
    double score =
        evaluate(labels, preOutput, activationFn, mask, true, false)
            .scores
            .sumNumber()
            .doubleValue();
    return average ? score / preOutput.size(0) : score;
  }

  /** Per-example losses as a column vector {@code [mb, 1]}, masked examples 0. */
  @Override
  public INDArray computeScoreArray(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    return evaluate(labels, preOutput, activationFn, mask, true, false).scores;
  }

  /**
   * Gradient of the summed (not averaged) loss with respect to {@code preOutput}, shape {@code [mb,
   * K]}.
   */
  @Override
  public INDArray computeGradient(
      INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    return evaluate(labels, preOutput, activationFn, mask, false, true).gradient;
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(
      INDArray labels,
      INDArray preOutput,
      IActivation activationFn,
      INDArray mask,
      boolean average) {
    Result r = evaluate(labels, preOutput, activationFn, mask, true, true);
    double score = r.scores.sumNumber().doubleValue();
    return new Pair<>(average ? score / preOutput.size(0) : score, r.gradient);
  }

  @Override
  public String name() {
    return toString();
  }

  /**
   * Per-example scores {@code [mb, 1]} and/or the gradient {@code [mb, K]}; either may be null if
   * not asked for.
   */
  private record Result(INDArray scores, INDArray gradient) {}

  private Result evaluate(
      INDArray labels,
      INDArray preOutput,
      IActivation activationFn,
      INDArray mask,
      boolean wantScores,
      boolean wantGradient) {
    if (activationFn instanceof ActivationSoftmax) {
      throw new IllegalArgumentException(
          "DistillationLoss expects logits, but the output layer uses a softmax"
              + " activation; use Activation.IDENTITY on the output layer (the loss applies the softmax"
              + " itself, at temperature 1 for the hard labels and T for the teacher's probabilities)");
    }
    checkShapes(labels, preOutput, alpha);
    INDArray exampleMask = perExampleMask(mask, preOutput);

    DataType dataType = preOutput.dataType();
    long k = preOutput.size(1);
    INDArray logits = activationFn.getActivation(preOutput.dup(), true);
    INDArray allLabels = labels.castTo(dataType);

    INDArray scores = null;
    INDArray dLdz = null;
    INDArray logSoftmax = null;

    if (alpha > 0.0) {
      INDArray y = allLabels.get(DistillationLabels.columns(0, k));
      logSoftmax = DistillationLabels.logSoftmax(logits);
      if (wantScores) {
        // CE = -sum_k y_k log s_k
        scores = y.mul(logSoftmax).sum(true, 1).muli(-alpha);
      }
      if (wantGradient) {
        // alpha * ((sum y) s - y)
        INDArray s = Transforms.exp(logSoftmax, true);
        dLdz = s.muliColumnVector(y.sum(true, 1)).subi(y).muli(alpha);
      }
    }

    if (alpha < 1.0) {
      INDArray teacherLogits = allLabels.get(DistillationLabels.columns(k, 2 * k));
      INDArray studentSd = null;
      INDArray studentZ = logits;
      if (standardise) {
        teacherLogits = zScores(teacherLogits, null);
        studentSd = Nd4jRows.sd(logits, VARIANCE_EPSILON);
        studentZ = zScores(logits, studentSd);
      }
      double softWeight = 1.0 - alpha;
      INDArray divergence;
      INDArray g = null;
      if (dkdBeta > 0) {
        // TCKD + beta * NCKD and its gradient with respect to z / T
        DecoupledTerm.Parts parts =
            DecoupledTerm.evaluate(
                allLabels.get(DistillationLabels.columns(0, k)),
                teacherLogits.div(temperature),
                studentZ.div(temperature),
                dkdBeta,
                wantScores,
                wantGradient);
        divergence = parts.divergence();
        g = parts.gradient();
      } else {
        INDArray logP = DistillationLabels.logSoftmaxAtTemperature(teacherLogits, temperature);
        INDArray p = Transforms.exp(logP, true);
        INDArray logQ =
            temperature == 1.0 && logSoftmax != null && !standardise
                ? logSoftmax
                : DistillationLabels.logSoftmax(studentZ.div(temperature));
        // KL = sum_k p_k (log p_k - log q_k); a p_k that underflows to 0 contributes 0.
        divergence = wantScores ? logP.sub(logQ).muli(p).sum(true, 1) : null;
        // d KL / d(z / T) = q - p
        g = wantGradient ? Transforms.exp(logQ, true).subi(p) : null;
      }
      if (wantScores) {
        scores = accumulate(scores, divergence.muli(softWeight * temperature * temperature));
      }
      if (wantGradient) {
        // g = (1 - alpha) * T * d(divergence)/d(z / T), with respect to the (standardised) logits
        g.muli(softWeight * temperature);
        if (standardise) {
          // through the z-score: (g - u * (g . u) / (K - 1)) / sd
          INDArray gu = g.mul(studentZ).sum(true, 1).divi(k - 1);
          g = g.subi(studentZ.mulColumnVector(gu)).diviColumnVector(studentSd);
        }
        dLdz = accumulate(dLdz, g);
      }
    }

    INDArray gradient = null;
    if (wantGradient) {
      gradient = activationFn.backprop(preOutput.dup(), dLdz).getFirst();
      if (exampleMask != null) {
        gradient.muliColumnVector(exampleMask);
      }
    }
    if (wantScores && exampleMask != null) {
      scores.muli(exampleMask);
    }
    return new Result(scores, gradient);
  }

  /** Each row's z-scores, {@code (x − mean) / sd}; {@code sd} computed here when null. */
  private static INDArray zScores(INDArray x, INDArray sd) {
    INDArray s = sd != null ? sd : Nd4jRows.sd(x, VARIANCE_EPSILON);
    return x.subColumnVector(x.mean(true, 1)).diviColumnVector(s);
  }

  private static INDArray accumulate(INDArray sum, INDArray term) {
    return sum == null ? term : sum.addi(term);
  }

  private static void checkShapes(INDArray labels, INDArray preOutput, double alpha) {
    if (preOutput.rank() != 2) {
      throw new IllegalArgumentException(
          "DistillationLoss: expected 2-d output activations [minibatch, K], got"
              + " shape "
              + Arrays.toString(preOutput.shape()));
    }
    long k = preOutput.size(1);
    boolean hardOnly = alpha == 1.0 && labels.rank() == 2 && labels.size(1) == k;
    if (!hardOnly && (labels.rank() != 2 || labels.size(1) != 2 * k)) {
      throw new IllegalArgumentException(
          "DistillationLoss: labels must be 2K = "
              + 2 * k
              + " columns wide"
              + " (one-hot hard label, then the teacher's logits) for K = "
              + k
              + " outputs"
              + (alpha == 1.0 ? " (or K wide: hard labels only)" : "")
              + ", got "
              + (labels.rank() == 2 ? labels.size(1) : "shape " + Arrays.toString(labels.shape())));
    }
    if (labels.size(0) != preOutput.size(0)) {
      throw new IllegalArgumentException(
          "DistillationLoss: labels have "
              + labels.size(0)
              + " rows but the output has "
              + preOutput.size(0)
              + " (minibatch sizes differ)");
    }
  }

  /** The mask as a {@code [mb, 1]} column in preOutput's data type, or null if there is none. */
  private static INDArray perExampleMask(INDArray mask, INDArray preOutput) {
    if (mask == null) {
      return null;
    }
    long mb = preOutput.size(0);
    boolean column = mask.rank() == 2 && mask.size(0) == mb && mask.size(1) == 1;
    boolean vector = mask.rank() == 1 && mask.size(0) == mb;
    if (!column && !vector) {
      throw new IllegalArgumentException(
          "DistillationLoss: only per-example masks are supported; expected a"
              + " mask of shape ["
              + mb
              + ", 1] or ["
              + mb
              + "], got "
              + Arrays.toString(mask.shape()));
    }
    return (vector ? mask.reshape(mb, 1) : mask).castTo(preOutput.dataType());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DistillationLoss other
        && Double.compare(alpha, other.alpha) == 0
        && Double.compare(temperature, other.temperature) == 0
        && standardise == other.standardise
        && Double.compare(dkdBeta, other.dkdBeta) == 0;
  }

  @Override
  public int hashCode() {
    return 31
            * (31 * (31 * Double.hashCode(alpha) + Double.hashCode(temperature))
                + Boolean.hashCode(standardise))
        + Double.hashCode(dkdBeta);
  }

  @Override
  public String toString() {
    return "DistillationLoss(alpha="
        + alpha
        + ", T="
        + temperature
        + (standardise ? ", standardised logits" : "")
        + (dkdBeta > 0 ? ", decoupled beta=" + dkdBeta : "")
        + ")";
  }
}
