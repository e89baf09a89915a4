package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.jobs.config.RunConfig;
import io.distill.student.ModelMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is trained or chosen on the test split's labels: the same run with the test labels
 * scrambled (each digit moved to the next) trains the same teacher and the same students, parameter
 * for parameter, keeps the same epochs, its settings search scores every trial the same and makes
 * the same choices, and only the test figures differ.
 */
class TestSplitIsolationTest {
  @TempDir Path dir;

  @Test
  void scramblingTheTestLabelsChangesNoModel() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path honest = dir.resolve("honest");
    Path scrambled = dir.resolve("scrambled");
    EmbeddedMnist.train().write().parquet(honest.resolve("train").toString());
    EmbeddedMnist.test().write().parquet(honest.resolve("test").toString());
    EmbeddedMnist.train().write().parquet(scrambled.resolve("train").toString());
    EmbeddedMnist.test()
        .withColumn("label", functions.expr("(label + 1) % 10"))
        .write()
        .parquet(scrambled.resolve("test").toString());

    List<ModelMetrics> a = run(spark, honest, dir.resolve("run-honest"));
    List<ModelMetrics> b = run(spark, scrambled, dir.resolve("run-scrambled"));

    for (String model :
        List.of(
            "teacher/model.zip",
            "students/16-distilled/model.zip",
            "students/16-baseline/model.zip")) {
      MultiLayerNetwork x =
          ModelSerializer.restoreMultiLayerNetwork(
              dir.resolve("run-honest").resolve(model).toFile());
      MultiLayerNetwork y =
          ModelSerializer.restoreMultiLayerNetwork(
              dir.resolve("run-scrambled").resolve(model).toFile());
      assertArrayEquals(x.params().toFloatVector(), y.params().toFloatVector(), model);
    }
    Map<?, ?> searchA = search(dir.resolve("run-honest"));
    assertEquals(2, searchA.size(), "both models were searched: " + searchA);
    assertEquals(searchA, search(dir.resolve("run-scrambled")));
    for (Object model : searchA.values()) {
      Map<?, ?> m = (Map<?, ?>) model;
      assertEquals(3 * 2, m.get("costEpochs"), "the configured first rung: " + m);
      for (Object trial : (List<?>) m.get("trials")) {
        assertEquals(2, ((Map<?, ?>) trial).get("epochs"), "every trial reached epoch 2: " + m);
      }
    }
    assertEquals(
        a.stream().map(ModelMetrics::epochs).toList(),
        b.stream().map(ModelMetrics::epochs).toList());
    // The test figures do read the labels: with every label moved, nearly every prediction is an
    // error.
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).teacherAgreement(), b.get(i).teacherAgreement(), 0.0, a.get(i).model());
      assertNotEquals(a.get(i).testErrors(), b.get(i).testErrors(), a.get(i).model());
    }
  }

  /** The manifest's search section without its seconds (wall time is not a choice). */
  private static Map<?, ?> search(Path run) throws Exception {
    Map<?, ?> manifest =
        new ObjectMapper().readValue(run.resolve("manifest.json").toFile(), Map.class);
    Map<?, ?> search = (Map<?, ?>) manifest.get("search");
    search.values().forEach(m -> ((Map<?, ?>) m).remove("seconds"));
    return search;
  }

  private static List<ModelMetrics> run(SparkSession spark, Path data, Path run) {
    RunConfig config =
        RunConfig.load(
            null,
            List.of(
                "run.dir=" + run,
                "data.input=" + data,
                "teacher.model=null",
                "teacher.hidden=[32]",
                "teacher.epochs=2",
                "soft-labels.transfer-copies=0",
                "students.epochs=2",
                "students.search=halving",
                "students.search-trials=3",
                // every trial trains both epochs before the cut (the plan alone would cut after 1)
                "students.search-first-rung-epochs=2",
                "students.search-temperatures=[2, 8]",
                "students.sizes=[{name=\"16\", hidden=[16], temperature=4}]"));
    return DistillPipeline.of(spark, config).execute().metrics();
  }
}
