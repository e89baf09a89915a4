package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.student.ModelMetrics;
import io.distill.student.TrainedStudent;
import io.distill.trainer.EpochStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Distil to a target: the smallest distilled student within the drop, judged on validation. */
class DistillationTargetTest {
  private final List<TrainedStudent> students = new ArrayList<>();
  private final List<ModelMetrics> metrics = new ArrayList<>();

  /** A student whose epochs reached these validation accuracies, and its parameters. */
  private void student(String model, String role, long parameters, double... accuracies) {
    List<EpochStats> history = new ArrayList<>();
    for (int i = 0; i < accuracies.length; i++) {
      history.add(new EpochStats(i + 1, 0.1, accuracies[i], 0.1, 100, 1000, 1, 1));
    }
    String size = model.substring(0, model.lastIndexOf('-'));
    students.add(new TrainedStudent(model, role, size, 4, 0.1, "p", history, 1, true, null, 0));
    metrics.add(
        new ModelMetrics(
            model,
            role,
            model,
            4,
            0.1,
            parameters,
            0,
            0,
            1000,
            10,
            0.99,
            1,
            0,
            0,
            0,
            0,
            1,
            1,
            null,
            null));
  }

  private final TeacherCheck teacher = new TeacherCheck(0.990, "x-baseline", 0.980, 500);

  private Optional<DistillationTarget> of(
      Double drop, Double agreement, Map<String, Double> agreements, String... grown) {
    return DistillationTarget.of(
        drop,
        agreement,
        teacher,
        students,
        DistillationTarget.parameters(metrics),
        agreements,
        List.of(grown),
        null);
  }

  @Test
  void theSmallestStudentWithinTheDropIsTheAnswer() {
    student("800-distilled", "distilled", 800_000, 0.970, 0.988);
    student("300-distilled", "distilled", 300_000, 0.970, 0.986); // its model's epoch counts
    student("200-distilled", "distilled", 200_000, 0.986, 0.984); // not an earlier epoch
    student("100-distilled", "distilled", 100_000, 0.975);
    student("30-baseline", "baseline", 30_000, 0.999); // a baseline is never the answer
    DistillationTarget t = of(0.5, null, Map.of()).orElseThrow();
    assertTrue(t.met());
    assertEquals("300-distilled", t.student());
    assertEquals(300_000, t.parameters());
    assertEquals(0.986, t.validationAccuracy(), 1e-12);
    assertEquals(
        "Target: at most 0.5 points of validation accuracy below the teacher (99.00 %): the smallest"
            + " distilled student that meets it is 300-distilled (300,000 parameters, 98.60 %).",
        t.line());
  }

  @Test
  void whenNoneMeetsItTheMostAccurateIsNamedWithItsShortfall() {
    student("800-distilled", "distilled", 800_000, 0.981);
    student("100-distilled", "distilled", 100_000, 0.975);
    DistillationTarget t = of(0.5, null, Map.of()).orElseThrow();
    assertFalse(t.met());
    assertEquals("800-distilled", t.student());
    assertTrue(
        t.line()
            .endsWith(
                "the most accurate, 800-distilled (800,000 parameters, 98.10 %), is 0.90"
                    + " points below the teacher. Add a larger size."),
        t.line());
  }

  /**
   * An agreement target: the smallest student that predicts the teacher's class often enough; with
   * an accuracy target too, both must hold; when none agrees enough, the most faithful is named.
   */
  @Test
  void anAgreementTargetNamesTheSmallestFaithfulStudentAndCombinesWithTheDrop() {
    student("800-distilled", "distilled", 800_000, 0.988);
    student("300-distilled", "distilled", 300_000, 0.980);
    student("100-distilled", "distilled", 100_000, 0.986);
    Map<String, Double> agreements =
        Map.of("800-distilled", 0.995, "300-distilled", 0.992, "100-distilled", 0.97);
    DistillationTarget t = of(null, 0.99, agreements).orElseThrow();
    assertTrue(t.met());
    assertEquals("300-distilled", t.student());
    assertEquals(
        "Target: the teacher's class on at least 99.00 % of the validation rows: the smallest"
            + " distilled student that meets it is 300-distilled (300,000 parameters, 98.00 %,"
            + " agreeing on 99.20 %).",
        t.line());
    DistillationTarget both = of(0.5, 0.99, agreements).orElseThrow();
    assertEquals("800-distilled", both.student(), "300 agrees but is 1 point below the teacher");
    DistillationTarget none = of(null, 0.999, agreements).orElseThrow();
    assertFalse(none.met());
    assertTrue(
        none.line()
            .endsWith(
                "the most faithful, 800-distilled (800,000 parameters, 98.80 %, agreeing on"
                    + " 99.50 %), is 0.40 points short of the agreement. Add a larger size."),
        none.line());
  }

  /**
   * Sizes grown for the target are candidates as the sweep's are; the answer says when it is one of
   * them, and a miss after growing names what was grown and the key that allows more.
   */
  @Test
  void aGrownStudentCanBeTheAnswerAndAMissNamesTheGrownSizes() {
    student("100-distilled", "distilled", 100_000, 0.975);
    student("200-distilled", "distilled", 200_000, 0.980);
    DistillationTarget miss = of(0.5, null, Map.of(), "200").orElseThrow();
    assertFalse(miss.met());
    assertEquals(List.of("200"), miss.asMap().get("grown"));
    assertTrue(
        miss.line()
            .endsWith(
                "no distilled student meets it, neither the sweep's nor those grown wider (200);"
                    + " the most accurate, 200-distilled (200,000 parameters, 98.00 %), is 1.00"
                    + " points below the teacher. Allow more growth (students.target-grow-steps) or"
                    + " add a larger size."),
        miss.line());
    student("400-distilled", "distilled", 400_000, 0.987);
    DistillationTarget met = of(0.5, null, Map.of(), "200", "400").orElseThrow();
    assertTrue(met.met());
    assertTrue(met.answerGrown());
    assertEquals(
        "Target: at most 0.5 points of validation accuracy below the teacher (99.00 %): the smallest"
            + " distilled student that meets it is 400-distilled (trained after the sweep for the"
            + " target; 400,000 parameters, 98.70 %).",
        met.line());
    assertEquals("", met.shortfall());
  }

  @Test
  void studentsWithoutValidationGiveNoAnswer() {
    student("8-distilled", "distilled", 8_000, Double.NaN);
    assertTrue(of(0.5, null, Map.of()).isEmpty());
  }
}
