package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.StudentSize;
import io.distill.losses.DistillationLoss;
import io.distill.student.ModelMetrics;
import io.distill.student.StudentNetworks;
import io.distill.trainer.NetworkFlops;
import io.distill.trainer.Optimiser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distil to a target by growing width: when no distilled student of the sweep meets the target on
 * validation, wider MLPs train after it, each with a baseline, and growing stops at the first that
 * meets it.
 */
class WidthGrowthTest {
  @TempDir Path dir;

  @Test
  void aWiderSizeKeepsItsSettingsAndIsNamedByItsShape() {
    StudentSize base =
        new StudentSize(
            "800x800",
            List.of(800, 800),
            null,
            null,
            8.0,
            0.5,
            44L,
            true,
            2.0,
            0.004,
            0.85,
            0.001,
            0.7,
            49L);
    StudentSize wider = WidthGrowth.wider(base, 2, Set.of("800x800"));
    assertEquals(
        new StudentSize(
            "1600x1600",
            List.of(1600, 1600),
            null,
            null,
            8.0,
            0.5,
            44L,
            true,
            2.0,
            0.004,
            0.85,
            0.001,
            0.7,
            49L),
        wider);
    StudentSize one = new StudentSize("1", List.of(1), null, 4.0, 0.5, null);
    assertEquals(List.of(2), WidthGrowth.wider(one, 1.2, Set.of()).hidden(), "one unit at least");
    assertEquals("2-grown", WidthGrowth.wider(one, 2, Set.of("1", "2")).name());
    assertEquals("2-grown-3", WidthGrowth.wider(one, 2, Set.of("2", "2-grown")).name());
  }

  /**
   * A student given as DL4J JSON grows and narrows by its width factor, keeps its settings, and is
   * named by its file and factor; it is of the same family as the same JSON at any width only.
   */
  @Test
  void aJsonStudentChangesWidthByItsFactor() {
    StudentSize tiny =
        new StudentSize("c", null, "classpath:/x/cnn-tiny.json", 20.0, 0.5, 50L)
            .withWidth("c", 0.125);
    StudentSize grown = WidthGrowth.wider(tiny, 4, Set.of("c"));
    assertEquals("cnn-tiny-x0.5", grown.name());
    assertEquals(0.5, grown.widthFactor());
    assertEquals(tiny.withWidth("cnn-tiny-x0.5", 0.5), grown, "its settings kept");
    assertEquals("cnn-tiny-x2-grown", WidthGrowth.wider(grown, 4, Set.of("cnn-tiny-x2")).name());
    StudentSize between = WidthGrowth.between(tiny, grown, Set.of());
    assertEquals(0.25, between.widthFactor(), 1e-12, "the geometric mean of 0.125 and 0.5");
    assertEquals("cnn-tiny-x0.25", between.name());
    StudentSize mlp = new StudentSize("m", List.of(8, 8), null, 4.0, 0.5, null);
    assertTrue(WidthGrowth.sameFamily(tiny, grown));
    assertFalse(WidthGrowth.sameFamily(tiny, mlp));
    assertFalse(
        WidthGrowth.sameFamily(
            tiny, new StudentSize("o", null, "classpath:/x/other.json", 4.0, 0.5, null)));
    assertTrue(
        WidthGrowth.sameFamily(mlp, new StudentSize("n", List.of(3, 3), null, 4.0, 0.5, null)));
    assertFalse(
        WidthGrowth.sameFamily(mlp, new StudentSize("n", List.of(3), null, 4.0, 0.5, null)));

    // the sweep's families, the one whose largest size is smallest first; softmax regression has
    // none
    StudentSize deep = new StudentSize("d", List.of(4, 4), null, 4.0, 0.5, null);
    StudentSize softmax = new StudentSize("s", List.of(), null, 4.0, 0.5, null);
    List<StudentSize> sweep = List.of(mlp, tiny, softmax, deep);
    Map<String, Long> parameters = Map.of("m", 6_442L, "c", 380L, "s", 7_850L, "d", 3_210L);
    assertEquals(
        List.of(List.of(tiny), List.of(mlp, deep)),
        WidthGrowth.families(sweep, s -> parameters.get(s.name())));
    Map<String, Long> wide = Map.of("m", 6_442L, "c", 9_000L, "s", 7_850L, "d", 3_210L);
    assertEquals(
        List.of(List.of(mlp, deep), List.of(tiny)),
        WidthGrowth.families(sweep, s -> wide.get(s.name())),
        "ordered by each family's largest size");
  }

  /**
   * A family stops growing where a wider size would be no wider in effect or cost as much as the
   * teacher (shortfalls the answer names), or could not be smaller than a student that already
   * meets the target (not a shortfall).
   */
  @Test
  void aFamilyStopsGrowingWhereTheNextSizeCannotHelp() {
    StudentSize small = new StudentSize("c", null, "x/cnn.json", 4.0, 0.5, null);
    StudentSize next = small.withWidth("cnn-x2", 2);
    StudentCost smallCost = new StudentCost(1_000, 10_000);
    StudentCost nextCost = new StudentCost(2_000, 20_000);
    DistillationTarget missed =
        new DistillationTarget(
            1.0, null, 0.99, false, "c-distilled", 1_000, 0.9, Double.NaN, List.of(), false, null);
    assertTrue(WidthGrowth.halt(small, smallCost, next, nextCost, 50_000, missed).isEmpty());
    assertTrue(
        WidthGrowth.halt(small, smallCost, next, nextCost, Double.NaN, missed).isEmpty(),
        "a teacher of unknown cost bounds nothing");
    assertEquals(
        new WidthGrowth.Halt("growing stopped at c: cnn-x2 is no wider in effect", true),
        WidthGrowth.halt(small, smallCost, next, smallCost, 50_000, missed).orElseThrow());
    assertEquals(
        new WidthGrowth.Halt(
            "growing stopped before cnn-x2, which would cost 100.0 % of the teacher's forward"
                + " flops",
            true),
        WidthGrowth.halt(small, smallCost, next, nextCost, 20_000, missed).orElseThrow());
    DistillationTarget met =
        new DistillationTarget(
            1.0, null, 0.99, true, "m-distilled", 2_000, 0.985, Double.NaN, List.of(), false, null);
    assertEquals(
        new WidthGrowth.Halt(
            "met by m-distilled (2,000 parameters); cnn-x2 would have 2,000, so its family grows no"
                + " further",
            false),
        WidthGrowth.halt(small, smallCost, next, nextCost, 50_000, met).orElseThrow());
    assertTrue(
        WidthGrowth.halt(small, smallCost, next, new StudentCost(1_999, 20_000), 50_000, met)
            .isEmpty(),
        "a size smaller than the answer may still grow");
  }

  /**
   * A convolutional student of the run, the shipped tiny CNN at an eighth of its width (one
   * channel), and an MLP of one hidden unit cannot come within 1 point of the teacher on the slice:
   * the run grows each family, the CNN's first (380 parameters against 805), four times wider (four
   * channels; four units), each beside its baseline; the CNN's parameters are those of four 3x3
   * filters and an output layer over 6 x 6 x 4 inputs, counted by hand.
   */
  @Test
  void aConvolutionalStudentGrowsByItsChannels() throws Exception {
    Path run = dir.resolve("cnn");
    RunConfig c =
        QuickSliceRun.config(
            run,
            "students.sizes=[{name=c1, dl4j-json=\"classpath:/io/distill/student/cnn-tiny.json\","
                + " width=0.125, temperature=4, alpha=0.5}, {name=\"1\", hidden=[1], temperature=4,"
                + " alpha=0.5}]",
            "students.target-accuracy-drop=1",
            "students.target-grow-steps=1",
            "students.target-grow-factor=4",
            "students.target-narrow-steps=0");
    DistillPipeline.Result result = DistillPipeline.of(LocalSpark.session(), c).execute();
    JsonNode target =
        new ObjectMapper().readTree(run.resolve("manifest.json").toFile()).path("target");
    assertEquals(2, target.path("grown").size(), "one step for each family: " + target);
    assertEquals("cnn-tiny-x0.5", target.path("grown").get(0).asText());
    assertEquals("4", target.path("grown").get(1).asText());
    Map<String, Long> parameters = new HashMap<>();
    result.metrics().forEach(m -> parameters.put(m.model(), m.parameters()));
    assertEquals(1L * (9 + 1) + (6 * 6 + 1) * 10, parameters.get("c1-distilled"));
    assertEquals(4L * (9 + 1) + (6 * 6 * 4 + 1) * 10, parameters.get("cnn-tiny-x0.5-distilled"));
    assertEquals(
        parameters.get("cnn-tiny-x0.5-distilled"),
        parameters.get("cnn-tiny-x0.5-baseline"),
        "its baseline is as wide");
  }

  /**
   * The parameter count that picks the sweep's largest MLP is the network's own, and its forward
   * flops are what the report counts.
   */
  @Test
  void anMlpsParametersAreTheNetworksOwn() {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            StudentNetworks.mlp(
                784,
                new int[] {30, 7},
                10,
                1,
                1,
                Optimiser.adam(0.01, 1),
                DistillationLoss.hardLabelsOnly(),
                1));
    net.init();
    assertEquals(net.numParams(), StudentCost.mlpParameters(784, List.of(30, 7), 10));
    assertEquals(
        NetworkFlops.forward(net, 784),
        StudentCost.mlpForwardFlops(784, List.of(30, 7), 10),
        1e-9,
        "the cost that bounds growing is the report's");
    assertEquals(7_850, StudentCost.mlpParameters(784, List.of(), 10), "softmax regression");
  }

  private RunConfig config(Path run, int growFactor, int narrowSteps) {
    return QuickSliceRun.config(
        run,
        "students.sizes=[{name=\"1\", hidden=[1], temperature=4, alpha=0.5}]",
        "students.target-accuracy-drop=30",
        "students.target-grow-steps=3",
        "students.target-grow-factor=" + growFactor,
        "students.target-narrow-steps=" + narrowSteps);
  }

  /**
   * On the slice, a student with one hidden unit cannot come within 30 points of the teacher (an
   * MLP of 32 hidden units). Grown 64 times wider it would take twice the teacher's forward flops,
   * so nothing is grown and the run says why. Then, in the same run directory (the sweep reused),
   * grown 16 times wider it meets the target, and growing stops there though it could go on. The
   * run's answer, its manifest and report name the grown student, evaluated beside its baseline.
   */
  @Test
  void aSweepThatMissesTheTargetGrowsCheaperStudentsUntilOneMeetsIt() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path run = dir.resolve("run");
    DistillPipeline.Result costly = DistillPipeline.of(spark, config(run, 64, 0)).execute();
    JsonNode stopped =
        new ObjectMapper().readTree(run.resolve("manifest.json").toFile()).path("target");
    assertFalse(stopped.path("met").asBoolean(), stopped.toString());
    assertEquals(0, stopped.path("grown").size(), stopped.toString());
    assertEquals(
        "growing stopped before 64, which would cost 200.0 % of the teacher's forward flops",
        stopped.path("growthStopped").asText());
    assertEquals(2, costly.metrics().size() - 1, "the sweep's two students, nothing grown");
    assertTrue(
        Files.readString(run.resolve("report/report.md"))
            .contains(
                "Growing stopped before 64, which would cost 200.0 % of the teacher's forward"
                    + " flops: a distilled student is to be cheaper than its teacher."));

    DistillPipeline.Result result = DistillPipeline.of(spark, config(run, 16, 0)).execute();
    assertEquals(
        "reused", result.stages().get("soft-labels").get("status"), "the same data and teacher");
    JsonNode target =
        new ObjectMapper().readTree(run.resolve("manifest.json").toFile()).path("target");
    assertTrue(target.path("met").asBoolean(), target.toString());
    assertEquals("16-distilled", target.path("student").asText(), target.toString());
    assertEquals(1, target.path("grown").size(), "growing stops at the first that meets it");
    assertEquals("16", target.path("grown").get(0).asText());
    assertTrue(target.path("growthStopped").isNull(), "16 costs half the teacher's flops");

    double teacher = target.path("teacherValidationAccuracy").asDouble();
    double oneBest =
        spark
            .read()
            .parquet(run.resolve("history").toString())
            .where("model = '1-distilled'")
            .agg(functions.max("validation_accuracy"))
            .first()
            .getDouble(0);
    assertTrue(oneBest < teacher - 0.30, "the sweep's student misses: " + oneBest + " " + teacher);
    assertTrue(target.path("validationAccuracy").asDouble() >= teacher - 0.30, target.toString());

    List<String> models = result.metrics().stream().map(ModelMetrics::model).toList();
    assertTrue(
        models.containsAll(List.of("1-distilled", "1-baseline", "16-distilled", "16-baseline")),
        models.toString());
    assertEquals(
        StudentCost.mlpParameters(784, List.of(16), 10),
        result.metrics().stream()
            .filter(m -> m.model().equals("16-distilled"))
            .findFirst()
            .orElseThrow()
            .parameters());
    String report = Files.readString(run.resolve("report/report.md"));
    assertTrue(
        report.contains(
            "the smallest distilled student that meets it is 16-distilled (trained after the"
                + " sweep for the target;"),
        report);

    // Narrowing, in the same run directory (every student so far reused): 16 meets the target and
    // 1 misses it, so a student of their geometric mean, 4 units, trains between them; then
    // between 4 and whichever of its neighbours bounds the answer. The answer is the smallest
    // distilled student that meets the target, and every smaller one misses it.
    DistillPipeline.Result narrowed = DistillPipeline.of(spark, config(run, 16, 2)).execute();
    JsonNode answer =
        new ObjectMapper().readTree(run.resolve("manifest.json").toFile()).path("target");
    assertTrue(answer.path("met").asBoolean(), answer.toString());
    List<String> trainedForTarget = new ArrayList<>();
    answer.path("grown").forEach(n -> trainedForTarget.add(n.asText()));
    assertEquals("16", trainedForTarget.get(0));
    assertEquals("4", trainedForTarget.get(1), "the geometric mean of 1 and 16");
    assertEquals(3, trainedForTarget.size(), trainedForTarget.toString());
    String third = trainedForTarget.get(2);
    // each distilled student's validation accuracy at its last epoch, the one its model is from
    Map<String, Double> accuracy = new HashMap<>();
    Map<String, Integer> lastEpoch = new HashMap<>();
    for (Row r :
        spark
            .read()
            .parquet(run.resolve("history").toString())
            .where("role = 'distilled'")
            .select("model", "epoch", "validation_accuracy")
            .collectAsList()) {
      if (r.getInt(1) > lastEpoch.getOrDefault(r.getString(0), 0)) {
        lastEpoch.put(r.getString(0), r.getInt(1));
        accuracy.put(r.getString(0), r.getDouble(2));
      }
    }
    boolean fourMeets = accuracy.get("4-distilled") >= teacher - 0.30;
    assertEquals(fourMeets ? "2" : "8", third, "between 4 and the neighbour across the target");
    List<Integer> widths = List.of(1, 2, 4, 8, 16);
    int smallestMeeting =
        widths.stream()
            .filter(w -> accuracy.containsKey(w + "-distilled"))
            .filter(w -> accuracy.get(w + "-distilled") >= teacher - 0.30)
            .findFirst()
            .orElseThrow();
    assertEquals(smallestMeeting + "-distilled", answer.path("student").asText(), accuracy + "");
    assertTrue(
        narrowed.metrics().stream().anyMatch(m -> m.model().equals("4-baseline")),
        "a narrowed student trains and is evaluated beside its baseline");
  }
}
