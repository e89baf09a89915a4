package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportMnistActionTest {
  @TempDir Path dir;

  private final SparkSession spark = LocalSpark.session();

  /**
   * Label counts read straight from an IDX labels file with the JDK, independently of IdxReader.
   */
  private static long[] labelCounts(InputStream raw) throws IOException {
    long[] counts = new long[10];
    try (DataInputStream in = new DataInputStream(new GZIPInputStream(raw))) {
      assertEquals(2049, in.readInt());
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        counts[in.readUnsignedByte()]++;
      }
    }
    return counts;
  }

  private long[] parquetLabelCounts(String path) {
    long[] counts = new long[10];
    for (Row r : spark.read().parquet(path).groupBy("label").count().collectAsList()) {
      counts[r.getInt(0)] = r.getLong(1);
    }
    return counts;
  }

  @Test
  void importsTheEmbeddedSlice() throws IOException {
    String out = dir.resolve("mnist").toUri().toString();
    ImportMnistAction.Result result =
        ImportMnistAction.of(spark)
            .source(MnistFiles.embedded())
            .output(out)
            .rowsPerPartition(2000)
            .execute();

    Dataset<Row> train = spark.read().parquet(result.trainPath());
    Dataset<Row> test = spark.read().parquet(result.testPath());
    DatasetSchema.requireLabelledDataset(train.schema(), result.trainPath());
    assertEquals(5000, train.count());
    assertEquals(1000, test.count());
    assertEquals(5000, result.splits().get("train").rows());

    // ids: exactly 0..n-1, each once.
    Row ids =
        train.agg(functions.min("id"), functions.max("id"), functions.countDistinct("id")).first();
    assertEquals(0L, ids.getLong(0));
    assertEquals(4999L, ids.getLong(1));
    assertEquals(5000L, ids.getLong(2));

    // Every feature vector has 784 values in [0, 1].
    Row features =
        train
            .select(functions.explode(functions.col("features")).as("v"))
            .agg(functions.min("v"), functions.max("v"), functions.count("v"))
            .first();
    assertEquals(0f, features.getFloat(0));
    assertEquals(1f, features.getFloat(1));
    assertEquals(5000L * 784, features.getLong(2));

    // Label counts equal those of the IDX file, counted independently.
    long[] expected =
        labelCounts(
            getClass()
                .getResourceAsStream("/io/distill/dataset/mnist-slice/train-labels-idx1-ubyte.gz"));
    assertArrayEquals(expected, parquetLabelCounts(result.trainPath()));
    assertArrayEquals(expected, result.splits().get("train").labelCounts());

    // Record 1234: pixels / 255 and its label, read independently from the IDX files.
    byte[] pixels = new byte[784];
    int label;
    try (DataInputStream in =
        new DataInputStream(
            new GZIPInputStream(
                getClass()
                    .getResourceAsStream(
                        "/io/distill/dataset/mnist-slice/t10k-images-idx3-ubyte.gz")))) {
      in.skipNBytes(16 + 1234L % 1000 * 784);
      in.readFully(pixels);
    }
    try (DataInputStream in =
        new DataInputStream(
            new GZIPInputStream(
                getClass()
                    .getResourceAsStream(
                        "/io/distill/dataset/mnist-slice/t10k-labels-idx1-ubyte.gz")))) {
      in.skipNBytes(8 + 234);
      label = in.readUnsignedByte();
    }
    Row row = test.where("id = 234").first();
    List<Float> values = row.getList(row.fieldIndex("features"));
    for (int i = 0; i < 784; i++) {
      assertEquals((pixels[i] & 0xff) / 255f, values.get(i), "pixel " + i);
    }
    assertEquals(label, row.getInt(row.fieldIndex("label")));

    assertTrue(Files.exists(dir.resolve("mnist").resolve(ImportMnistAction.MANIFEST)));
  }

  @Test
  void rerunReplacesTheEarlierOutputCleanly() throws IOException {
    String out = dir.resolve("again").toString();
    ImportMnistAction.of(spark).source(MnistFiles.embedded()).output(out).execute();
    Files.writeString(dir.resolve("again").resolve("stale-file"), "left by someone");
    ImportMnistAction.of(spark).source(MnistFiles.embedded()).output(out).execute();
    assertFalse(Files.exists(dir.resolve("again").resolve("stale-file")));
    assertEquals(5000, spark.read().parquet(out + "/train").count());
    assertEquals(
        List.of("again"), listNames(dir)); // no temporary or old directories left beside it
  }

  @Test
  void countMismatchIsRefusedAndNothingIsPublished() throws IOException {
    Path source = dir.resolve("mismatch");
    Files.createDirectories(source);
    for (String name :
        List.of(MnistFiles.TRAIN_IMAGES, MnistFiles.TEST_IMAGES, MnistFiles.TEST_LABELS)) {
      try (InputStream in =
          getClass().getResourceAsStream("/io/distill/dataset/mnist-slice/" + name + ".gz")) {
        Files.copy(in, source.resolve(name + ".gz"));
      }
    }
    IdxWriter.write(
        source.resolve(MnistFiles.TRAIN_LABELS),
        IdxWriter.labels(2049, 3, new byte[] {1, 2, 3}),
        false);
    String out = dir.resolve("out").toString();

    IdxFormatException e =
        assertThrows(
            IdxFormatException.class,
            () ->
                ImportMnistAction.of(spark)
                    .source(
                        MnistFiles.in(
                            source.toString(), spark.sparkContext().hadoopConfiguration()))
                    .output(out)
                    .execute());
    assertTrue(e.getMessage().contains("image/label count mismatch"), e.getMessage());
    assertTrue(e.getMessage().contains("holds 5000 images"), e.getMessage());
    assertTrue(e.getMessage().contains("holds 3 labels"), e.getMessage());
    assertEquals(List.of("mismatch"), listNames(dir));
  }

  @Test
  void missingFilesAreListed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MnistFiles.in(dir.toString(), spark.sparkContext().hadoopConfiguration()));
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte[.gz]"), e.getMessage());
    assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte[.gz]"), e.getMessage());
  }

  @Test
  void truncatedFileIsRefusedBeforeAnyWriteAndNothingIsPublished() throws IOException {
    Path source = dir.resolve("src");
    Files.createDirectories(source);
    for (String name :
        List.of(
            MnistFiles.TRAIN_IMAGES,
            MnistFiles.TRAIN_LABELS,
            MnistFiles.TEST_IMAGES,
            MnistFiles.TEST_LABELS)) {
      try (InputStream in =
          getClass().getResourceAsStream("/io/distill/dataset/mnist-slice/" + name + ".gz")) {
        Files.copy(in, source.resolve(name + ".gz"));
      }
    }
    MnistFiles files = MnistFiles.in(source.toString(), spark.sparkContext().hadoopConfiguration());
    // The test split is checked after the train split: the failure comes late, and still nothing is
    // left behind.
    byte[] gz = Files.readAllBytes(source.resolve(MnistFiles.TEST_IMAGES + ".gz"));
    Files.write(
        source.resolve(MnistFiles.TEST_IMAGES + ".gz"), Arrays.copyOf(gz, gz.length - 1000));
    String out = dir.resolve("out").toString();
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class,
            () -> ImportMnistAction.of(spark).source(files).output(out).execute());
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz: truncated"), e.getMessage());
    assertEquals(List.of("src"), listNames(dir));
  }

  @Test
  void importsTheFullMnistFromShared() throws IOException {
    File mnist = new File(LocalSpark.sharedDir(), "datasets/mnist");
    Assumptions.assumeTrue(
        mnist.isDirectory() || "true".equals(System.getenv("CI")),
        "full MNIST not present at " + mnist);
    String out = dir.resolve("full").toString();
    ImportMnistAction.Result result =
        ImportMnistAction.of(spark)
            .source(
                MnistFiles.in(mnist.getAbsolutePath(), spark.sparkContext().hadoopConfiguration()))
            .output(out)
            .execute();
    assertEquals(60_000, spark.read().parquet(result.trainPath()).count());
    assertEquals(10_000, spark.read().parquet(result.testPath()).count());
    try (InputStream train =
            Files.newInputStream(mnist.toPath().resolve("train-labels-idx1-ubyte.gz"));
        InputStream test =
            Files.newInputStream(mnist.toPath().resolve("t10k-labels-idx1-ubyte.gz"))) {
      assertArrayEquals(labelCounts(train), parquetLabelCounts(result.trainPath()));
      assertArrayEquals(labelCounts(test), parquetLabelCounts(result.testPath()));
    }
  }

  private static List<String> listNames(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
