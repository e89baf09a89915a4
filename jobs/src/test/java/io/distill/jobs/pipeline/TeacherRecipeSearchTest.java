package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import io.distill.jobs.config.RunConfig;
import io.distill.teacher.TeacherInfo;
import io.distill.teacher.TeacherModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The teacher's recipe chosen on validation ({@code teacher.search = halving}) on the embedded
 * slice: of a learning rate 10,000 times too small and the configured one, the search continues and
 * publishes the one that learns; the published teacher is that recipe's network, trained the full
 * epochs and kept at its best validation epoch, as its sidecar says.
 */
class TeacherRecipeSearchTest {
  @TempDir Path dir;

  private static List<String> settings(Path run, String... more) {
    List<String> out =
        new ArrayList<>(
            List.of(
                "run.dir=" + run,
                "teacher.model=null",
                "teacher.hidden=[16]",
                "teacher.epochs=3",
                "teacher.search=halving",
                "teacher.search-learning-rate-factors=[0.0001, 1]",
                "teacher.search-jitters=[0]",
                "stages=[import, teacher]"));
    out.addAll(List.of(more));
    return out;
  }

  @Test
  void theRecipeThatLearnsIsChosenOnValidationAndPublishedAtItsBestEpoch() throws Exception {
    Path run = dir.resolve("run");
    DistillPipeline.of(LocalSpark.session(), RunConfig.load(null, settings(run))).execute();

    JsonNode search =
        new ObjectMapper()
            .readTree(run.resolve("manifest.json").toFile())
            .path("teacher")
            .path("search");
    assertEquals(
        1.0, search.path("chosen").path("learningRateFactor").asDouble(), search.toString());
    JsonNode trials = search.path("trials");
    assertEquals(2, trials.size());
    assertEquals(
        1, trials.get(0).path("epochs").asInt(), "the slow recipe stops at the first rung");
    assertEquals(3, trials.get(1).path("epochs").asInt(), "the chosen one trains every epoch");
    assertTrue(
        trials.get(1).path("validationAccuracy").asDouble()
            > trials.get(0).path("validationAccuracy").asDouble() + 0.2,
        trials.toString());
    assertEquals(2 * 1 + 2, search.path("costEpochs").asInt(), "2 recipes x 1 epoch, then 2 more");

    TeacherInfo info =
        TeacherModelFile.load(run.resolve("teacher/model.zip").toString(), new Configuration())
            .info()
            .orElseThrow();
    assertEquals(trials.get(1).path("validationAccuracy").asDouble(), info.validationAccuracy());
    assertEquals(trials.get(1).path("keptEpoch").asInt(), info.epochs());
    MultiLayerNetwork teacher =
        ModelSerializer.restoreMultiLayerNetwork(run.resolve("teacher/model.zip").toFile(), false);
    Nesterovs updater =
        (Nesterovs)
            ((BaseLayer) teacher.getLayerWiseConfigurations().getConf(0).getLayer()).getIUpdater();
    assertEquals(0.1, updater.getLearningRate(), 1e-12, "teacher.learning-rate x 1");
    try (var files = Files.list(run.resolve("teacher"))) {
      assertTrue(
          files.noneMatch(f -> f.getFileName().toString().startsWith("checkpoints-")),
          "the trials' checkpoints are removed once the teacher is published");
    }
  }

  @Test
  void aSearchWithoutValidationRowsIsRefusedBeforeTraining() {
    Path run = dir.resolve("no-validation");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DistillPipeline.of(
                        LocalSpark.session(),
                        RunConfig.load(null, settings(run, "data.validation-rows=0")))
                    .execute());
    assertEquals(
        "distill.teacher.search = halving chooses on validation rows, and the run has none"
            + " (distill.data.validation-rows = 0)",
        e.getMessage());
  }
}
