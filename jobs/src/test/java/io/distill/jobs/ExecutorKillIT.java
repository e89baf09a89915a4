package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Executor JVMs killed with SIGKILL in the middle of work on a real standalone cluster
 * (deploy/standalone-cluster.sh, two workers of one core on 127.0.0.1): once while students train,
 * once while the teacher labels data. The application must finish, Spark must rerun the lost tasks
 * (on the relaunched executor or the surviving one), the students' accuracy must equal an
 * undisturbed run's within noise, and the soft labels must hold exactly one row per input id. The
 * cluster is stopped whatever happens; every case is recorded in the reliability table.
 */
class ExecutorKillIT {
  private static final String PORT = "7179";
  private static final List<String> SMALL =
      List.of(
          "--set",
          "teacher.model=null",
          "--set",
          "teacher.hidden=[32]",
          "--set",
          "teacher.epochs=1",
          "--set",
          "students.epochs=4", // killed after epoch 1: three epochs follow the kill
          "--set",
          "students.sizes=[{name=\"64\", hidden=[64]}]",
          "--set",
          "training.workers=2",
          // The training rows alone: the jittered transfer set would triple every epoch and the
          // soft-label work without adding to what is tested here.
          "--set",
          "soft-labels.transfer-copies=0");

  @TempDir Path dir;

  private StandaloneCluster cluster;

  private List<String> submit(String... args) {
    return cluster.submit("2g", List.of(args));
  }

  @Test
  void killedExecutorsLoseNoWorkAndNoRows() throws Exception {
    try (StandaloneCluster c = StandaloneCluster.start(dir, PORT, 2, 1, "3g")) {
      cluster = c;
      Path cleanRun = dir.resolve("clean");
      List<String> clean = new ArrayList<>(List.of("--set", "run.dir=" + cleanRun));
      clean.addAll(SMALL);
      Processes.Result a =
          Processes.run(
              dir.resolve("clean.log"), 15, Map.of(), submit(clean.toArray(String[]::new)));
      assertEquals(0, a.exitCode(), a.tail());

      trainingSurvivesAKilledExecutor(cleanRun);
      softLabelsSurviveAKilledExecutor(cleanRun);
    }
  }

  private void trainingSurvivesAKilledExecutor(Path cleanRun) throws Exception {
    Path run = dir.resolve("disturbed");
    Path log = dir.resolve("disturbed.log");
    // --verbose: Spark's own scheduler lines, where a lost and rerun task attempt shows.
    List<String> args = new ArrayList<>(List.of("--verbose", "--set", "run.dir=" + run));
    args.addAll(SMALL);
    StandaloneCluster.Disturbed disturbedRun =
        cluster.runKillingAnExecutor(
            log,
            submit(args.toArray(String[]::new)),
            run.resolve("students/64-distilled"),
            600,
            15);
    String output = disturbedRun.output();
    assertTrue(
        output.contains("Lost executor")
            || output.contains("ExecutorLostFailure")
            || output.contains("Removed executor"),
        "the driver saw the executor go:\n" + StandaloneCluster.grep(output, "xecutor"));
    int retried = StandaloneCluster.lostTasks(output);
    // The students' accuracies: the kill hit their training, not the teacher's.
    Map<String, Double> undisturbed = RunOutputs.accuracies(cleanRun);
    Map<String, Double> disturbed = RunOutputs.accuracies(run);
    undisturbed.remove("teacher");
    disturbed.remove("teacher");
    assertEquals(undisturbed.keySet(), disturbed.keySet());
    StringBuilder observed =
        new StringBuilder(
            "exit 0; executor pid "
                + disturbedRun.killedPid()
                + " killed after epoch 1 of 64-distilled; "
                + retried
                + " task attempt(s) rerun;");
    for (String model : undisturbed.keySet()) {
      double d = Math.abs(undisturbed.get(model) - disturbed.get(model));
      // 1,000 test images: 2 points = 20 images, far above the run-to-run noise of this setup.
      assertTrue(
          d <= 0.02,
          model
              + ": accuracy "
              + disturbed.get(model)
              + " vs undisturbed "
              + undisturbed.get(model));
      observed.append(
          String.format(
              " %s %.1f %% (undisturbed %.1f %%);",
              model, 100 * disturbed.get(model), 100 * undisturbed.get(model)));
    }
    assertTrue(Files.exists(run.resolve("_SUCCESS")));
    ReliabilityTable.record(
        "executor JVM killed (SIGKILL) mid-training, standalone cluster",
        "application completes, lost tasks rerun, accuracy within noise of an undisturbed run",
        observed.toString(),
        "5000 train rows",
        count(run.resolve("soft-labels/train")) + " rows trained on");
  }

  private void softLabelsSurviveAKilledExecutor(Path cleanRun) throws Exception {
    Path out = dir.resolve("soft-labels");
    Path log = dir.resolve("soft-labels.log");
    String input = cleanRun.resolve("data/train").toString();
    // A wide (untrained) teacher, batch 1 and 8 tasks make each task last seconds, so the executor
    // killed once it has loaded ND4J (the teacher) is caught in the middle of one.
    MultiLayerNetwork wide =
        new MultiLayerNetwork(
            TeacherNetworks.mlp(
                784, new int[] {1500, 1500}, 10, 1.0, 1.0, null, new Adam(1e-3), 7));
    wide.init();
    String teacher =
        TeacherModelFile.save(
            wide,
            dir.resolve("wide-teacher.zip").toString(),
            null,
            LocalSpark.session().sparkContext().hadoopConfiguration());
    Set<Path> before = cluster.executorDirs();
    Process job =
        Processes.start(
            log,
            Map.of(),
            submit(
                "soft-labels",
                "--teacher",
                teacher,
                "--data",
                input,
                "--output",
                out.toString(),
                "--temperature",
                "4",
                "--batch",
                "1",
                "--partitions",
                "8",
                "--verbose"));
    try {
      long killed = cluster.killExecutor(before, true);
      assertTrue(job.waitFor(10, TimeUnit.MINUTES), "the soft-label job finished");
      String output = Files.readString(log);
      assertEquals(0, job.exitValue(), output.substring(Math.max(0, output.length() - 6000)));
      SparkSession spark = LocalSpark.session();
      Dataset<Row> labels = spark.read().parquet(out.toString());
      long rows = labels.count();
      long ids = labels.select("id").distinct().count();
      long in = spark.read().parquet(input).count();
      long missing = spark.read().parquet(input).select("id").except(labels.select("id")).count();
      assertEquals(in, rows, "one row per input row");
      assertEquals(in, ids, "no duplicate ids");
      assertEquals(0, missing, "no input id missing");
      // Killed once it had loaded the teacher, i.e. while labelling: its task was lost and run
      // again elsewhere.
      assertTrue(
          StandaloneCluster.lostTasks(output) >= 1,
          "no task attempt was lost and rerun:\n" + StandaloneCluster.grep(output, "task"));
      ReliabilityTable.record(
          "executor JVM killed (SIGKILL) mid-inference (soft-labels), standalone cluster",
          "job completes; exactly one output row per input id",
          "exit 0; executor pid "
              + killed
              + " killed while labelling; "
              + StandaloneCluster.lostTasks(output)
              + " task attempt(s) rerun; "
              + ids
              + " distinct ids, 0 missing, 0 duplicated",
          in + "",
          rows + "");
    } finally {
      if (job.isAlive()) {
        Processes.killTree(job.toHandle());
      }
    }
  }

  private static long count(Path parquet) {
    return LocalSpark.session().read().parquet(parquet.toString()).count();
  }
}
