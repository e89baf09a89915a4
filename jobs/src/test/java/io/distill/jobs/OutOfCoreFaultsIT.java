package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults while students train out of core: bench/scale's 700,000-row dataset (2.2 GB of features as
 * floats) on a standalone cluster of two 1-core executors with 1 GB heaps, so that the packed
 * training blocks spill to the executors' disks. An executor JVM killed (SIGKILL) in the middle of
 * the distilled student's second epoch: the run completes and every model's test accuracy is within
 * noise of an undisturbed run's. The driver killed in the middle of the baseline's training: the
 * same command resumes it from its last epoch checkpoint. Slow (about a quarter of an hour on 2
 * cores) and in need of the scale datasets, so not part of CI: run by {@code SCALE_TRAIN=...
 * SCALE_TEST=... bench/reliability}, which records the cases in docs/RELIABILITY.md.
 */
@EnabledIfSystemProperty(named = "distill.scale.train", matches = ".+")
class OutOfCoreFaultsIT {
  private static final String PORT = "7181";

  @TempDir Path dir;

  private StandaloneCluster cluster;

  private List<String> args(Path run, int epochs) {
    return List.of(
        "--set",
        "run.dir=" + run,
        "--set",
        "data.train=" + System.getProperty("distill.scale.train"),
        "--set",
        "data.test=" + System.getProperty("distill.scale.test"),
        "--set",
        "teacher.model=null",
        "--set",
        "teacher.hidden=[64]",
        "--set",
        "teacher.epochs=1",
        "--set",
        "soft-labels.transfer-copies=0",
        "--set",
        "students.epochs=" + epochs,
        "--set",
        "students.batch-size=128",
        "--set",
        "students.averaging-period=50",
        "--set",
        "students.sizes=[{name=\"100x100\", hidden=[100, 100]}]",
        "--set",
        "training.workers=2");
  }

  private List<String> submit(Path run, int epochs, boolean verbose) {
    List<String> a = new ArrayList<>(verbose ? List.of("--verbose") : List.of());
    a.addAll(args(run, epochs));
    return cluster.submit("1g", a);
  }

  @Test
  void outOfCoreTrainingSurvivesExecutorAndDriverKills() throws Exception {
    try (StandaloneCluster c = StandaloneCluster.start(dir, PORT, 2, 1, "2g")) {
      cluster = c;
      Path clean = dir.resolve("clean");
      Processes.Result undisturbed =
          Processes.run(dir.resolve("clean.log"), 30, Map.of(), submit(clean, 2, false));
      assertEquals(0, undisturbed.exitCode(), undisturbed.tail());
      executorKilledMidEpoch(clean);
      driverKilledMidEpoch();
    }
  }

  private void executorKilledMidEpoch(Path clean) throws Exception {
    Path run = dir.resolve("executor-killed");
    Path log = dir.resolve("executor-killed.log");
    StandaloneCluster.Disturbed disturbed =
        cluster.runKillingAnExecutor(
            log, submit(run, 2, true), run.resolve("students/100x100-distilled"), 1800, 30);
    int lost = StandaloneCluster.lostTasks(disturbed.output());
    assertTrue(
        lost >= 1,
        "no task attempt was lost and rerun:\n"
            + StandaloneCluster.grep(disturbed.output(), "xecutor"));
    Map<String, Double> a = RunOutputs.accuracies(clean);
    Map<String, Double> b = RunOutputs.accuracies(run);
    assertEquals(a.keySet(), b.keySet());
    StringBuilder observed =
        new StringBuilder(
            "exit 0; executor pid "
                + disturbed.killedPid()
                + " killed in epoch 2"
                + " of 100x100-distilled; "
                + lost
                + " task attempt(s) rerun;");
    for (String model : a.keySet()) {
      // 10,000 test images: 1 point = 100 images, far above the run-to-run noise of identical
      // seeds.
      assertTrue(
          Math.abs(a.get(model) - b.get(model)) <= 0.01,
          model + ": " + b.get(model) + " vs undisturbed " + a.get(model));
      observed.append(
          String.format(
              " %s %.2f %% (undisturbed %.2f %%);", model, 100 * b.get(model), 100 * a.get(model)));
    }
    ReliabilityTable.record(
        "executor JVM killed (SIGKILL) mid-epoch, out-of-core training (700,000 rows, 1 GB"
            + " executor heaps, standalone cluster)",
        "application completes, lost tasks rerun, accuracy within noise" + " of an undisturbed run",
        observed.toString(),
        rows("data.train") + " train rows",
        rows(run.resolve("soft-labels/train").toString()) + " soft-label rows");
  }

  private void driverKilledMidEpoch() throws Exception {
    Path run = dir.resolve("driver-killed");
    Path log = dir.resolve("driver-killed.log");
    Process driver = Processes.start(log, Map.of(), submit(run, 2, false));
    Path baseline = run.resolve("students/100x100-baseline");
    try {
      Processes.await(
          1800,
          "the baseline's first epoch checkpoint",
          log,
          () -> RunOutputs.containsFile(baseline, "epoch-0001.zip") && driver.isAlive());
      Thread.sleep(5_000); // into its second epoch
      Processes.killTree(driver.toHandle());
    } finally {
      if (driver.isAlive()) {
        Processes.killTree(driver.toHandle());
      }
    }
    assertFalse(Files.exists(run.resolve("_SUCCESS")), "a killed run has no _SUCCESS");
    Processes.Result resumed =
        Processes.run(dir.resolve("resumed.log"), 30, Map.of(), submit(run, 2, false));
    assertEquals(0, resumed.exitCode(), resumed.tail());
    Matcher m =
        Pattern.compile("Training student 100x100-baseline: resuming after epoch (\\d+)")
            .matcher(resumed.output());
    assertTrue(m.find(), "the baseline resumed from its checkpoint:\n" + resumed.tail());
    assertTrue(
        resumed.output().contains("Student 100x100-distilled: already trained for these inputs"),
        "the distilled student was not retrained");
    assertTrue(Files.exists(run.resolve("_SUCCESS")));
    ReliabilityTable.record(
        "driver killed (SIGKILL) mid-epoch, out-of-core training (700,000 rows), then the same"
            + " command",
        "the rerun resumes the interrupted student from its last epoch checkpoint",
        "exit 0; 100x100-distilled not retrained; 100x100-baseline resumed after epoch "
            + m.group(1)
            + " of 2",
        rows("data.train") + " train rows",
        rows(run.resolve("soft-labels/train").toString()) + " soft-label rows");
  }

  private static long rows(String pathOrKey) {
    String path =
        pathOrKey.equals("data.train") ? System.getProperty("distill.scale.train") : pathOrKey;
    return LocalSpark.session().read().parquet(path).count();
  }
}
