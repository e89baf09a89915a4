package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.jobs.config.Params;
import io.distill.jobs.pipeline.RunLease;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillJobTest {
  @TempDir Path dir;

  @BeforeAll
  static void localSpark() {
    LocalSpark
        .session(); // the job's getOrCreate() joins this local[2] session, as under spark-submit
  }

  @Test
  void importsTheEmbeddedDataset() {
    Path out = dir.resolve("data");
    assertEquals(0, DistillJob.run(new String[] {"import-mnist", "--output", out.toString()}));
    assertEquals(
        5000, LocalSpark.session().read().parquet(out.resolve("train").toString()).count());
    assertEquals(1000, LocalSpark.session().read().parquet(out.resolve("test").toString()).count());
  }

  /**
   * Options that are run-configuration parameters are checked as the parameters are, with the same
   * words.
   */
  @Test
  void badCommandLinesAreRefusedBeforeSparkWork() {
    assertTrue(refused("import-mnist", "--outptu", "x").contains("--outptu"));
    assertEquals(
        "import-mnist: --rows-per-partition must be >= 1, cannot be: 0",
        refused("import-mnist", "--rows-per-partition", "0"));
    assertEquals(
        "import-mnist: --rows-per-partition must be an integer >= 1, got STRING 'ten'",
        refused("import-mnist", "--rows-per-partition", "ten"));
    assertThrows(UsageException.class, () -> DistillJob.plan(List.of("distil")));
    assertTrue(refused("train-teacher", "--output", "t.zip").contains("--data"));
    assertEquals(
        "train-teacher: --learning-rate must be > 0, cannot be: 0",
        refused("train-teacher", "--data", "d", "--output", "t.zip", "--learning-rate", "0"));
    assertEquals(
        "train-teacher: --hidden[1] must be >= 1, cannot be: 0",
        refused("train-teacher", "--data", "d", "--output", "t.zip", "--hidden", "[100, 0]"));
    assertEquals(2, DistillJob.run(new String[] {"import-mnist", "--input"}));
    assertEquals(
        "soft-labels: --temperature must be > 0, cannot be: -1",
        refused(
            "soft-labels",
            "--teacher",
            "t.zip",
            "--data",
            "d",
            "--output",
            "o",
            "--temperature",
            "-1"));
    assertEquals(
        2, DistillJob.run(new String[] {"--config", dir.resolve("missing.conf").toString()}));
  }

  /** train-teacher --epochs is teacher.epochs: the same default (it once was 10 against 3). */
  @Test
  void optionsTakeTheirParametersDefaultsAndHelp() {
    String help =
        output(() -> DistillJob.run(new String[] {"train-teacher", "--help"}))
            .replaceAll("\\s+", " ");
    assertTrue(
        help.contains(
            "--epochs=N Passes over the training rows. Integer >= 1. Default: "
                + Params.TEACHER_EPOCHS.defaultValue()
                + "."),
        help);
    assertTrue(output(() -> DistillJob.run(new String[] {"--version"})).startsWith("distill-job "));
    assertNull(DistillJob.plan(List.of("--help")));
    String usage = output(() -> DistillJob.run(new String[] {"--help"}));
    for (String command :
        List.of("run", "nightly", "import-mnist", "train-teacher", "soft-labels")) {
      assertTrue(usage.contains(command), command + " in " + usage);
    }
  }

  /**
   * soft-labels loads what teacher.model loads: its help says ONNX as well as DL4J (it once said
   * "DL4J zip").
   */
  @Test
  void softLabelsHelpNamesEveryTeacherFormat() {
    String help =
        output(() -> DistillJob.run(new String[] {"soft-labels", "--help"}))
            .replaceAll("\\s+", " ");
    assertTrue(help.contains("DL4J model zip") && help.contains("ONNX"), help);
  }

  @Test
  void aFailedImportExitsNonZeroWithOneLineNamingTheProblem() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("no-mnist-here"));
    Path out = dir.resolve("out");
    Exit exit = run("import-mnist", "--input", empty.toString(), "--output", out.toString());
    assertEquals(1, exit.code());
    List<String> lines = exit.jobLines();
    assertEquals(1, lines.size(), "one line: " + lines);
    assertTrue(
        lines.get(0).startsWith("distill-job: FAILED: ")
            && lines.get(0).contains(empty.toString())
            && lines.get(0).contains("train-images-idx3-ubyte"),
        lines.get(0));
    assertFalse(Files.exists(out));
  }

  /**
   * A sub-command's option is read as --set reads a value: a path with "//" stays the path (HOCON
   * alone reads "//" as a comment, and train-teacher once read a//b.json as "a").
   */
  @Test
  void anOptionValueWithADoubleSlashIsThePathAsTyped() {
    String path = dir.resolve("a") + "//b.json";
    Exit exit =
        run(
            "train-teacher",
            "--data",
            dir.toString(),
            "--output",
            dir.resolve("t.zip").toString(),
            "--dl4j-json",
            path);
    assertEquals(2, exit.code());
    assertTrue(exit.stderr().contains("cannot read --dl4j-json " + path + ":"), exit.stderr());
  }

  /**
   * The issue's `--set run.dir=/tmp/x --stages import` over a directory holding data/keep and
   * metrics/keep: refused with one line naming the directory and what it holds, every file in
   * place, nothing written.
   */
  @Test
  void aRunDirectoryTheJobDidNotWriteIsRefusedAndLeftAsItWas() throws Exception {
    Path x = dir.resolve("x");
    Files.createDirectories(x.resolve("data"));
    Files.writeString(x.resolve("data/keep"), "keep");
    Files.createDirectories(x.resolve("metrics"));
    Files.writeString(x.resolve("metrics/keep"), "keep");
    Exit exit = run("--set", "run.dir=" + x, "--stages", "import");
    assertEquals(1, exit.code());
    List<String> lines = exit.jobLines();
    assertEquals(1, lines.size(), "one line: " + lines);
    assertTrue(
        lines.get(0).contains(x.toString())
            && lines.get(0).contains("is not empty and is not a run's")
            && lines.get(0).contains("data/, metrics/"),
        lines.get(0));
    assertEquals("keep", Files.readString(x.resolve("data/keep")));
    assertEquals("keep", Files.readString(x.resolve("metrics/keep")));
    try (var files = Files.list(x)) {
      assertEquals(
          List.of("data", "metrics"),
          files.map(p -> p.getFileName().toString()).sorted().toList(),
          "nothing written beside them");
    }
    assertTrue(lines.get(0).endsWith("or --overwrite"), lines.get(0));
  }

  /**
   * A second run on a run directory another run holds exits 1 with one line naming the holder,
   * touching nothing.
   */
  @Test
  void aRunDirectoryInUseIsRefusedNamingItsHolder() throws Exception {
    Path run = dir.resolve("busy-run");
    try (RunLease held =
        RunLease.acquire(run.toString(), new Configuration(), Duration.ofSeconds(600))) {
      Exit exit = run("--set", "run.dir=" + run);
      assertEquals(1, exit.code());
      List<String> lines = exit.jobLines();
      assertEquals(1, lines.size(), "one line: " + lines);
      assertTrue(
          lines.get(0).contains(" is in use by " + System.getProperty("user.name") + "@"),
          lines.get(0));
      try (var files = Files.list(run)) {
        assertEquals(
            List.of("_lease.json"),
            files.map(p -> p.getFileName().toString()).toList(),
            "nothing written");
      }
    }
  }

  /** The job's exit code and what it wrote to stderr. */
  private record Exit(int code, String stderr) {
    /** The job's own lines ("distill-job: ..."), without Spark's. */
    List<String> jobLines() {
      return stderr.lines().filter(l -> l.startsWith("distill-job")).toList();
    }
  }

  private static Exit run(String... args) {
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int code = DistillJob.run(args);
      return new Exit(code, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(stderr);
    }
  }

  private static String refused(String... args) {
    return assertThrows(UsageException.class, () -> DistillJob.plan(List.of(args))).getMessage();
  }

  private static String output(Supplier<Integer> run) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, run.get());
    } finally {
      System.setOut(stdout);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
