package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferSetActionTest {
  private static final SparkSession SPARK = LocalSpark.session();

  @TempDir Path dir;

  private String slice(int rows) {
    String path = dir.resolve("in").toString();
    EmbeddedMnist.train().where("id < " + rows).write().parquet(path);
    return path;
  }

  @Test
  void originalsPlusShiftedCopiesWithUniqueIdsAndTheirLabels() {
    String input = slice(200);
    TransferSetAction.Result r =
        TransferSetAction.of(SPARK)
            .data(input)
            .output(dir.resolve("out").toString())
            .copies(2)
            .maxShift(2)
            .seed(3)
            .execute();
    assertEquals(200, r.inputRows());
    assertEquals(600, r.rows());
    List<Row> out = SPARK.read().parquet(r.outputPath()).collectAsList();
    assertEquals(600, out.size());
    assertEquals(600, out.stream().map(x -> x.getLong(0)).distinct().count(), "ids are unique");
    Map<Long, Row> originals = new HashMap<>();
    for (Row x : SPARK.read().parquet(input).collectAsList()) {
      originals.put(x.getLong(0), x);
    }
    long stride = 200; // ids 0..199
    int shifted = 0;
    for (Row x : out) {
      long id = x.getLong(0);
      Row original = originals.get(id % stride);
      assertEquals(
          original.getInt(2), x.getInt(2), "copy " + id + " keeps the label of " + id % stride);
      float[] a = floats(original.getList(1));
      float[] b = floats(x.getList(1));
      if (id < stride) {
        assertTrue(Arrays.equals(a, b), "original " + id + " unchanged");
        continue;
      }
      assertTrue(
          isShiftOf(a, b, 2),
          "row " + id + " is row " + id % stride + " shifted by at most 2 pixels");
      if (!Arrays.equals(a, b)) {
        shifted++;
      }
    }
    assertTrue(shifted > 300, "most copies moved (1 in 25 draws no shift): " + shifted);
    assertFalse(Files.exists(dir.resolve(".out.tmp")), "no temporary directory left");
  }

  @Test
  void aRerunWritesTheSameRows() {
    String input = slice(50);
    String a =
        TransferSetAction.of(SPARK)
            .data(input)
            .output(dir.resolve("a").toString())
            .copies(1)
            .seed(9)
            .execute()
            .outputPath();
    String b =
        TransferSetAction.of(SPARK)
            .data(input)
            .output(dir.resolve("b").toString())
            .copies(1)
            .seed(9)
            .execute()
            .outputPath();
    String c =
        TransferSetAction.of(SPARK)
            .data(input)
            .output(dir.resolve("c").toString())
            .copies(1)
            .seed(10)
            .execute()
            .outputPath();
    assertEquals(0, SPARK.read().parquet(a).exceptAll(SPARK.read().parquet(b)).count());
    assertNotEquals(0, SPARK.read().parquet(a).exceptAll(SPARK.read().parquet(c)).count());
  }

  @Test
  void anEmptyDatasetIsRefusedAndNothingPublished() {
    String input = dir.resolve("empty").toString();
    EmbeddedMnist.train().where("id < 0").write().parquet(input);
    String out = dir.resolve("out").toString();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TransferSetAction.of(SPARK).data(input).output(out).execute());
    assertEquals(
        "Dataset " + input + " is empty: no rows to build a transfer set from", e.getMessage());
    assertFalse(Files.exists(Path.of(out)));
  }

  @Test
  void rowsThatAreNotSquareImagesAreRefusedNamingTheRemedy() {
    String input = dir.resolve("not-images").toString();
    EmbeddedMnist.train()
        .where("id < 10")
        .selectExpr("id", "slice(features, 1, 32) AS features", "label")
        .write()
        .parquet(input);
    String out = dir.resolve("out-not-images").toString();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TransferSetAction.of(SPARK).data(input).output(out).execute());
    assertEquals(
        "Dataset "
            + input
            + " has 32 features per row, not a square image: a transfer set of jittered"
            + " copies needs square images (soft-labels.transfer-copies = 0 trains on the rows as they are)",
        e.getMessage());
    assertFalse(Files.exists(Path.of(out)));
  }

  private static boolean isShiftOf(float[] a, float[] b, int max) {
    for (int dx = -max; dx <= max; dx++) {
      for (int dy = -max; dy <= max; dy++) {
        boolean same = true;
        for (int y = 0; y < 28 && same; y++) {
          for (int x = 0; x < 28 && same; x++) {
            int sx = x - dx;
            int sy = y - dy;
            float expected = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? a[sy * 28 + sx] : 0;
            same = expected == b[y * 28 + x];
          }
        }
        if (same) {
          return true;
        }
      }
    }
    return false;
  }

  private static float[] floats(List<Object> values) {
    float[] x = new float[values.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = ((Number) values.get(i)).floatValue();
    }
    return x;
  }
}
