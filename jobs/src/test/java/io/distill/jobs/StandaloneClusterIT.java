package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1 (deploy/standalone-cluster.sh: a Master and two
 * Workers, each in its own JVM, from the Maven-resolved Spark jars), the shaded jar submitted to it
 * with spark-submit --master spark://…, and a small pipeline run whose training and inference ran
 * in two separate executor JVMs. The cluster is stopped whatever happens.
 */
class StandaloneClusterIT {
  @TempDir Path dir;

  private static String run(Path log, long minutes, Map<String, String> env, String... command)
      throws Exception {
    Processes.Result r = Processes.run(log, minutes, env, List.of(command));
    assertEquals(0, r.exitCode(), String.join(" ", command) + ":\n" + r.tail());
    return r.output();
  }

  @Test
  void thePipelineRunsOnAStandaloneClusterWithTwoExecutorJvms() throws Exception {
    Path state = dir.resolve("cluster");
    Map<String, String> env =
        Map.of("DISTILL_CLUSTER_DIR", state.toString(), "SPARK_MASTER_PORT", "7178");
    String script = new File(Processes.PROJECT, "deploy/standalone-cluster.sh").getAbsolutePath();
    try {
      String started =
          run(dir.resolve("start.log"), 3, env, "bash", script, "start", "2", "1", "3g");
      assertTrue(
          started.lines().anyMatch(l -> l.equals("spark://127.0.0.1:7178")),
          "the script prints the master URL" + " on a line of its own:\n" + started);
      Path runDir = dir.resolve("run");
      run(
          dir.resolve("submit.log"),
          15,
          env,
          "bash",
          new File(Processes.PROJECT, "bin/spark-submit").getAbsolutePath(),
          "--master",
          "spark://127.0.0.1:7178",
          "--conf",
          "spark.executor.memory=2g",
          "--conf",
          "spark.executor.cores=1",
          "--conf",
          "spark.executorEnv.OMP_WAIT_POLICY=PASSIVE",
          new File(Processes.PROJECT, "jobs/target/distill-job.jar").getAbsolutePath(),
          "--set",
          "run.dir=" + runDir,
          "--set",
          "teacher.model=null",
          "--set",
          "teacher.hidden=[32]",
          "--set",
          "teacher.epochs=1",
          "--set",
          "students.epochs=1",
          "--set",
          "students.sizes=[{name=\"8\", hidden=[8]}, {name=\"12\", hidden=[12]}]",
          "--set",
          "training.workers=1",
          "--set",
          "training.concurrent-students=2"); // the job sets FAIR scheduling
      assertTrue(Files.exists(runDir.resolve("_SUCCESS")));
      // Two students at a time, one worker each, on the two executors: some student started before
      // another ended.
      String driverLog = Files.readString(dir.resolve("submit.log"));
      Map<String, int[]> spans = new TreeMap<>();
      Matcher m =
          Pattern.compile(
                  "(?m)^(\\d\\d):(\\d\\d):(\\d\\d) INFO  SparkTrainer: Training student (\\S+?):")
              .matcher(driverLog);
      while (m.find()) {
        int t =
            Integer.parseInt(m.group(1)) * 3600
                + Integer.parseInt(m.group(2)) * 60
                + Integer.parseInt(m.group(3));
        int[] span = spans.computeIfAbsent(m.group(4), k -> new int[] {t, t});
        span[1] = Math.max(span[1], t);
      }
      assertEquals(4, spans.size(), "four students trained: " + spans.keySet());
      boolean overlap = false;
      for (int[] a : spans.values()) {
        for (int[] b : spans.values()) {
          overlap |= a != b && a[0] <= b[0] && b[0] < a[1];
        }
      }
      assertTrue(
          overlap,
          "students trained one after the other: "
              + spans.entrySet().stream()
                  .map(e -> e.getKey() + "=" + Arrays.toString(e.getValue()))
                  .toList());
      assertTrue(
          Files.readString(runDir.resolve("manifest.json")).contains("spark://127.0.0.1:7178"));

      // One executor per worker, each its own JVM, each having loaded ND4J and finished tasks.
      List<Path> executorLogs = new ArrayList<>();
      try (Stream<Path> files = Files.walk(state)) {
        files.filter(p -> p.getFileName().toString().equals("stderr")).forEach(executorLogs::add);
      }
      assertEquals(2, executorLogs.size(), "executor logs: " + executorLogs);
      assertTrue(
          !executorLogs
              .get(0)
              .getParent()
              .getParent()
              .getParent()
              .equals(executorLogs.get(1).getParent().getParent().getParent()),
          "on two workers: " + executorLogs);
      for (Path log : executorLogs) {
        String text = Files.readString(log);
        assertTrue(text.contains("CoarseGrainedExecutorBackend"), log + " is an executor JVM");
        assertTrue(
            text.contains("Loaded [CpuBackend] backend"),
            log + " ran ND4J (training or inference)");
        assertTrue(text.contains("Finished task"), log + " finished tasks");
      }

      // The distilled student scores the test split on the two executors (DistilledModel through
      // the score
      // command): one row per id, and exactly the errors the evaluate stage counted.
      Path scores = dir.resolve("scores");
      run(
          dir.resolve("score.log"),
          5,
          env,
          "bash",
          new File(Processes.PROJECT, "bin/spark-submit").getAbsolutePath(),
          "--master",
          "spark://127.0.0.1:7178",
          "--conf",
          "spark.executor.memory=2g",
          "--conf",
          "spark.executor.cores=1",
          "--conf",
          "spark.executorEnv.OMP_WAIT_POLICY=PASSIVE",
          new File(Processes.PROJECT, "jobs/target/distill-job.jar").getAbsolutePath(),
          "score",
          "--model",
          runDir.resolve("students/8-distilled").toString(),
          "--data",
          runDir.resolve("data/test").toString(),
          "--output",
          scores.toString());
      var spark = LocalSpark.session();
      var test = spark.read().parquet(runDir.resolve("data/test").toString());
      var scored = spark.read().parquet(scores.toString());
      assertEquals(1000, scored.select("id").distinct().count());
      long errors = scored.join(test, "id").where("prediction <> CAST(label AS double)").count();
      assertEquals(
          Math.round((1 - RunOutputs.accuracies(runDir).get("8-distilled")) * 1000), errors);
    } finally {
      run(dir.resolve("stop.log"), 2, env, "bash", script, "stop");
    }
  }
}
