package io.distill.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The soft term of decoupled knowledge distillation (Zhao et al. 2022, "Decoupled Knowledge
 * Distillation"), before the {@code (1 − α) · T²} factor the loss applies to any soft term.
 *
 * <p>Hinton's KL at temperature T splits into a target-class part and a non-target part: {@code
 * KL(p ‖ q) = TCKD + (1 − p_t) · NCKD}, where {@code t} is the hard label's class,
 *
 * <pre>
 *   TCKD = KL([p_t, 1 − p_t] ‖ [q_t, 1 − q_t])               the binary target / rest split
 *   NCKD = KL(p̂ ‖ q̂),  p̂_j = p_j / (1 − p_t) for j ≠ t       the distribution among the others
 * </pre>
 *
 * A confident teacher has {@code 1 − p_t} near 0 and so mutes the non-target part, which carries
 * the "dark knowledge" a small student learns from. The decoupled term weighs the two parts
 * independently: {@code TCKD + β · NCKD}. With {@code x'} the logits divided by T (student's {@code
 * z'}, teacher's {@code v'}), its gradient with respect to the student's {@code z'} is
 *
 * <pre>
 *   d/dz'_j = (q_t − p_t) · (y_j − q̂_j) + β · (q̂_j − p̂_j)       (q̂_t = p̂_t = 0)
 * </pre>
 *
 * All logs are taken stably from log-sum-exps over all classes and over the non-target classes (the
 * target's logit pushed to {@code −1e30}), so {@code 1 − q_t} is never formed by subtraction. The
 * hard label {@code y} must be one-hot (the pipeline's labels are); a row of zeros (padding) gives
 * finite values, which its mask then removes.
 */
final class DecoupledTerm {
  private DecoupledTerm() {}

  /** What the target's logit is lowered by to leave it out of a row's non-target softmax. */
  private static final double LEFT_OUT = 1e30;

  /**
   * Per-row divergences {@code [mb, 1]} and the gradient {@code [mb, K]} w.r.t. the student's z'.
   */
  record Parts(INDArray divergence, INDArray gradient) {}

  /**
   * @param y one-hot hard labels {@code [mb, K]}
   * @param teacher the teacher's logits divided by T
   * @param student the student's logits divided by T
   * @param beta weight of the non-target part
   */
  static Parts evaluate(
      INDArray y,
      INDArray teacher,
      INDArray student,
      double beta,
      boolean wantScores,
      boolean wantGradient) {
    Split p = Split.of(teacher, y);
    Split q = Split.of(student, y);
    INDArray nonTarget = y.rsub(1.0);
    INDArray pHat = Transforms.exp(p.logNonTarget, true).muli(nonTarget);
    INDArray divergence = null;
    if (wantScores) {
      INDArray pTarget = Transforms.exp(p.logTarget, true);
      INDArray pRest = Transforms.exp(p.logRest, true);
      INDArray tckd =
          pTarget.mul(p.logTarget.sub(q.logTarget)).addi(pRest.mul(p.logRest.sub(q.logRest)));
      INDArray nckd = p.logNonTarget.sub(q.logNonTarget).muli(nonTarget).muli(pHat).sum(true, 1);
      divergence = tckd.addi(nckd.muli(beta));
    }
    INDArray gradient = null;
    if (wantGradient) {
      INDArray qHat = Transforms.exp(q.logNonTarget, true).muli(nonTarget);
      INDArray targetShift =
          Transforms.exp(q.logTarget, true).subi(Transforms.exp(p.logTarget, true));
      gradient = y.sub(qHat).muliColumnVector(targetShift).addi(qHat.sub(pHat).muli(beta));
    }
    return new Parts(divergence, gradient);
  }

  /**
   * One side's logs: {@code log p_t} and {@code log(1 − p_t)} as {@code [mb, 1]} columns, and the
   * log-softmax over the non-target classes {@code [mb, K]} (about {@code −1e30} at the target).
   */
  private record Split(INDArray logTarget, INDArray logRest, INDArray logNonTarget) {
    static Split of(INDArray x, INDArray y) {
      INDArray all = logSumExp(x);
      INDArray leftOut = x.sub(y.mul(LEFT_OUT));
      INDArray others = logSumExp(leftOut);
      return new Split(
          x.mul(y).sum(true, 1).subi(all), others.sub(all), leftOut.subiColumnVector(others));
    }
  }

  /** Each row's {@code log Σ exp(x)}, stably, as a {@code [mb, 1]} column. */
  private static INDArray logSumExp(INDArray x) {
    INDArray max = x.max(true, 1);
    return Transforms.log(Transforms.exp(x.subColumnVector(max), false).sum(true, 1), false)
        .addi(max);
  }
}
