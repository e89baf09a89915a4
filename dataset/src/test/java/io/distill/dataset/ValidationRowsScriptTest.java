package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/onnx/validation_rows.py recomputes a run's validation rows outside Spark (its own xxHash64
 * and thresholds, from the split as the run's _stages/split.json records it), so that a teacher
 * trained in PyTorch leaves them out. Over the embedded slice it must name exactly the rows {@link
 * ValidationSplit} holds out, for a stratified split and for a fraction split, and refuse a split
 * whose row count its labels do not give.
 */
class ValidationRowsScriptTest {
  private static final Path SCRIPT = Path.of("../bench/onnx/validation_rows.py").toAbsolutePath();
  @TempDir static Path dir;
  private static Dataset<Row> train;
  private static Path labels;

  @BeforeAll
  static void writeLabels() throws Exception {
    train = EmbeddedMnist.train();
    List<Row> rows =
        train
            .select(DatasetSchema.ID, DatasetSchema.LABEL)
            .orderBy(DatasetSchema.ID)
            .collectAsList();
    byte[] bytes = new byte[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(i, rows.get(i).getLong(0), "the slice's ids are its IDX record numbers");
      bytes[i] = (byte) rows.get(i).getInt(1);
    }
    labels =
        IdxWriter.write(
            dir.resolve("train-labels-idx1-ubyte.gz"),
            IdxWriter.labels(2049, bytes.length, bytes),
            true);
  }

  private static Path splitJson(ValidationSplit split, String name) throws Exception {
    Path file = dir.resolve(name);
    new ObjectMapper().writeValue(file.toFile(), Map.of("output", Map.of("split", split)));
    return file;
  }

  private record Result(int exit, String output) {}

  private static Result script(Path splitJson) throws Exception {
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3", SCRIPT.toString(), splitJson.toString(), labels.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "validation_rows.py did not finish");
    return new Result(p.exitValue(), output);
  }

  private static List<Long> ids(Result result) {
    assertEquals(0, result.exit(), result.output());
    List<Long> ids = new ArrayList<>();
    for (String line : result.output().strip().split("\n")) {
      ids.add(Long.parseLong(line));
    }
    return ids;
  }

  private static List<Long> sparkIds(ValidationSplit split) {
    List<Long> ids = new ArrayList<>();
    for (Row r :
        split
            .validation(train)
            .select(DatasetSchema.ID)
            .orderBy(DatasetSchema.ID)
            .collectAsList()) {
      ids.add(r.getLong(0));
    }
    return ids;
  }

  @Test
  void aStratifiedSplitsRowsAreTheSparkOnes() throws Exception {
    ValidationSplit split = ValidationSplit.compute(train, "slice", 500, 11);
    List<Long> expected = sparkIds(split);
    assertEquals(500, expected.size());
    assertEquals(expected, ids(script(splitJson(split, "stratified.json"))));
  }

  @Test
  void aFractionSplitsRowsAreTheSparkOnes() throws Exception {
    ValidationSplit split = ValidationSplit.fraction(train, "slice", 0.1, 3);
    List<Long> expected = sparkIds(split);
    assertEquals(split.rows(), expected.size());
    assertEquals(expected, ids(script(splitJson(split, "fraction.json"))));
  }

  @Test
  void aSplitOfOtherRowsIsRefusedNamingTheFile() throws Exception {
    ValidationSplit split = ValidationSplit.compute(train, "slice", 500, 11);
    ValidationSplit other = new ValidationSplit(split.seed() + 1, split.rows(), split.thresholds());
    Result result = script(splitJson(other, "other.json"));
    assertNotEquals(0, result.exit());
    assertTrue(
        result.output().contains("other.json: validation rows expected 500, got "),
        result.output());
  }
}
