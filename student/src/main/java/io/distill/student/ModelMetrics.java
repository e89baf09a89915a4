package io.distill.student;

import java.io.Serializable;
import java.util.Optional;

/**
 * What one model of a run keeps, measured on the test split: one row of a run's {@code metrics/}
 * table.
 *
 * @param model unique name within the run: "teacher", "800x800-distilled", "800x800-baseline"
 * @param role "teacher", "distilled" or "baseline"
 * @param size the student size's name ("800x800"); the teacher's layer sizes for the teacher
 * @param temperature T the model was distilled at; NaN for the teacher and baselines
 * @param alpha weight of the hard-label term; 1 for the teacher and baselines
 * @param parameters trainable parameters
 * @param serializedBytes bytes of the model as stored: its DL4J zip (without updater state), or an
 *     ONNX teacher's file
 * @param forwardFlops flops of one example's forward pass (2 per weight and output position, see
 *     NetworkFlops); NaN where unknown (an ONNX teacher)
 * @param testExamples examples in the test split
 * @param testErrors misclassified test examples
 * @param testAccuracy 1 − errors / examples
 * @param teacherAgreement share of test examples where the model's argmax equals the teacher's
 * @param meanKlToTeacher mean KL(teacher ‖ model) of the class distributions at T = 1, in nats
 * @param latencyP50Millis median wall time of a single-example output() call on the driver, in ms
 * @param latencyP95Millis 95th percentile of the same
 * @param throughputPerSecond examples per second of output() at batch 256 on the driver
 * @param trainingSeconds wall seconds the model's training took (NaN for a teacher given as a file)
 * @param epochs epochs trained
 * @param distilledOnlyRight a distilled student's row: test examples it gets right and its baseline
 *     wrong; null for the teacher and the baselines (and in tables written before it was measured)
 * @param baselineOnlyRight a distilled student's row: test examples its baseline gets right and it
 *     wrong; null otherwise ({@link #paired()})
 */
public record ModelMetrics(
    String model,
    String role,
    String size,
    double temperature,
    double alpha,
    long parameters,
    long serializedBytes,
    double forwardFlops,
    long testExamples,
    long testErrors,
    double testAccuracy,
    double teacherAgreement,
    double meanKlToTeacher,
    double latencyP50Millis,
    double latencyP95Millis,
    double throughputPerSecond,
    double trainingSeconds,
    int epochs,
    Long distilledOnlyRight,
    Long baselineOnlyRight)
    implements Serializable {

  public static final String TEACHER = "teacher";
  public static final String DISTILLED = "distilled";
  public static final String BASELINE = "baseline";

  public ModelMetrics {
    if ((distilledOnlyRight == null) != (baselineOnlyRight == null)) {
      throw new IllegalArgumentException(
          model + ": the two paired counts are given together or not at all");
    }
  }

  /** This row with a distilled student's comparison against its baseline on the test rows. */
  public ModelMetrics withPaired(PairedComparison paired) {
    return new ModelMetrics(
        model,
        role,
        size,
        temperature,
        alpha,
        parameters,
        serializedBytes,
        forwardFlops,
        testExamples,
        testErrors,
        testAccuracy,
        teacherAgreement,
        meanKlToTeacher,
        latencyP50Millis,
        latencyP95Millis,
        throughputPerSecond,
        trainingSeconds,
        epochs,
        paired.distilledOnlyRight(),
        paired.baselineOnlyRight());
  }

  /** The distilled student's comparison with its baseline on the test rows, where measured. */
  public Optional<PairedComparison> paired() {
    return distilledOnlyRight == null
        ? Optional.empty()
        : Optional.of(new PairedComparison(distilledOnlyRight, baselineOnlyRight));
  }
}
