package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.dataset.LocalSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillJobTest {
  @TempDir Path dir;

  @BeforeAll
  static void localSpark() {
    LocalSpark.session(); // the job's getOrCreate() joins this local[2] session, as under spark-submit
  }

  @Test
  void importsTheEmbeddedDataset() {
    Path out = dir.resolve("data");
    assertEquals(0, DistillJob.run(new String[] {"import-mnist", "--output", out.toString()}));
    assertEquals(5000, LocalSpark.session().read().parquet(out.resolve("train").toString()).count());
    assertEquals(1000, LocalSpark.session().read().parquet(out.resolve("test").toString()).count());
  }

  @Test
  void badCommandLinesAreRefusedBeforeSparkWork() {
    UsageException unknown = assertThrows(UsageException.class,
        () -> DistillJob.plan(List.of("import-mnist", "--outptu", "x")));
    assertTrue(unknown.getMessage().contains("unknown option --outptu"), unknown.getMessage());
    UsageException range = assertThrows(UsageException.class,
        () -> DistillJob.plan(List.of("import-mnist", "--rows-per-partition", "0")));
    assertEquals("import-mnist: --rows-per-partition must be at least 1, cannot be: 0", range.getMessage());
    UsageException type = assertThrows(UsageException.class,
        () -> DistillJob.plan(List.of("import-mnist", "--rows-per-partition", "ten")));
    assertTrue(type.getMessage().contains("must be an integer, got 'ten'"), type.getMessage());
    assertThrows(UsageException.class, () -> DistillJob.plan(List.of("distil")));
    UsageException required = assertThrows(UsageException.class,
        () -> DistillJob.plan(List.of("train-teacher", "--output", "t.zip")));
    assertEquals("train-teacher: --data is required", required.getMessage());
    UsageException rate = assertThrows(UsageException.class, () -> DistillJob.plan(
        List.of("train-teacher", "--data", "d", "--output", "t.zip", "--learning-rate", "0")));
    assertEquals("train-teacher: --learning-rate must be above 0.0, cannot be: 0", rate.getMessage());
    assertEquals(2, DistillJob.run(new String[] {"import-mnist", "--input"}));
    UsageException temperature = assertThrows(UsageException.class, () -> DistillJob.plan(
        List.of("soft-labels", "--teacher", "t.zip", "--data", "d", "--output", "o", "--temperature", "-1")));
    assertEquals("soft-labels: --temperature must be above 0.0, cannot be: -1", temperature.getMessage());
    UsageException config = assertThrows(UsageException.class,
        () -> DistillJob.plan(List.of("--set", "students.epochz=3", "--set", "students.alpha=2")));
    assertTrue(config.getMessage().contains("distill.students.epochz"), config.getMessage());
    assertTrue(config.getMessage().contains("distill.students.alpha must be in [0, 1], cannot be: 2"),
        config.getMessage());
    assertEquals(2, DistillJob.run(new String[] {"--config", dir.resolve("missing.conf").toString()}));
  }

  @Test
  void aFailedImportExitsNonZeroWithOneLineNamingTheProblem() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("no-mnist-here"));
    Path out = dir.resolve("out");
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = DistillJob.run(new String[] {"import-mnist", "--input", empty.toString(), "--output", out.toString()});
    } finally {
      System.setErr(stderr);
    }
    assertEquals(1, code);
    String message = captured.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.startsWith("distill-job: FAILED")).findFirst().orElseThrow();
    assertTrue(message.contains(empty.toString()) && message.contains("train-images-idx3-ubyte"), message);
    assertFalse(Files.exists(out));
  }
}
