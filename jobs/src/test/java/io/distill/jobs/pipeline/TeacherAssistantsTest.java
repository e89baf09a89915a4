package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import io.distill.jobs.config.RunConfig;
import io.distill.student.ModelMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Teacher assistants on the slice: the smaller size is distilled again from the larger size's
 * distilled student, validation picks one of the two, and the size's distilled student is the one
 * it picked (its model file, its history); the test split plays no part in the choice.
 */
class TeacherAssistantsTest {
  @TempDir Path dir;

  private RunConfig config(Path run, String... extra) {
    List<String> settings =
        new ArrayList<>(
            List.of(
                "students.assistant=on",
                "students.sizes=[{name=big, hidden=[32], temperature=4},"
                    + " {name=small, hidden=[4], temperature=4, alpha=0.5}]"));
    settings.addAll(List.of(extra));
    return QuickSliceRun.config(run, settings.toArray(String[]::new));
  }

  @Test
  void validationPicksTheTeachersOrTheAssistantsStudent() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path run = dir.resolve("run");
    DistillPipeline.Result result = DistillPipeline.of(spark, config(run)).execute();
    Map<?, ?> manifest =
        new ObjectMapper().readValue(run.resolve("manifest.json").toFile(), Map.class);
    List<?> choices = (List<?>) manifest.get("assistants");
    assertEquals(1, choices.size(), manifest.toString());
    Map<?, ?> choice = (Map<?, ?>) choices.get(0);
    assertEquals("small", choice.get("size"));
    assertEquals("big", choice.get("assistant"));
    assertEquals("small-via-big-distilled", choice.get("assistedModel"));
    double direct = ((Number) choice.get("directValidationAccuracy")).doubleValue();
    double assisted = ((Number) choice.get("assistedValidationAccuracy")).doubleValue();
    assertEquals(assisted > direct, choice.get("assisted"));
    assertTrue(Files.exists(run.resolve("soft-labels/assistant-big-distilled/_manifest.json")));

    byte[] chosen = Files.readAllBytes(run.resolve("students/small-distilled/model.zip"));
    byte[] theAssistants =
        Files.readAllBytes(run.resolve("students/small-via-big-distilled/model.zip"));
    assertEquals(
        (Boolean) choice.get("assisted"),
        Arrays.equals(chosen, theAssistants),
        "the size's distilled model file is the assisted one exactly when it won");
    // Only the chosen one is evaluated: one distilled student per size.
    assertEquals(
        List.of("teacher", "big-distilled", "big-baseline", "small-distilled", "small-baseline"),
        result.metrics().stream().map(ModelMetrics::model).toList());
    assertFalse(
        result.metrics().stream().anyMatch(m -> m.model().contains("-via-")),
        "the assisted student is not evaluated beside the chosen one");

    // Run again: everything is found, and the choice and files are the same.
    DistillPipeline.of(spark, config(run)).execute();
    assertArrayEquals(
        chosen, Files.readAllBytes(run.resolve("students/small-distilled/model.zip")));
  }

  @Test
  void assistantsNeedFixedSettings() {
    Path run = dir.resolve("searched");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DistillPipeline.of(LocalSpark.session(), config(run, "students.search=halving"))
                    .execute());
    assertTrue(e.getMessage().contains("students.assistant = on needs"), e.getMessage());
  }
}
