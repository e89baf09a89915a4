package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 for the fault tests (deploy/standalone-cluster.sh: a
 * master and N worker JVMs, each launching executor JVMs), with what the tests do to it: submit the
 * job, find its executor JVMs and kill one with SIGKILL.
 */
final class StandaloneCluster implements AutoCloseable {
  private final Path dir;
  private final Path state;
  private final Map<String, String> env;
  private final String master;

  private StandaloneCluster(Path dir, String port) {
    this.dir = dir;
    this.state = dir.resolve("cluster");
    this.env = Map.of("DISTILL_CLUSTER_DIR", state.toString(), "SPARK_MASTER_PORT", port);
    this.master = "spark://127.0.0.1:" + port;
  }

  /**
   * Starts {@code workers} workers of {@code cores} cores and {@code memory} each; logs and state
   * under dir.
   */
  static StandaloneCluster start(Path dir, String port, int workers, int cores, String memory)
      throws Exception {
    StandaloneCluster c = new StandaloneCluster(dir, port);
    c.script("start", Integer.toString(workers), Integer.toString(cores), memory);
    return c;
  }

  /**
   * The spark-submit command line of the job jar on this cluster, executors of {@code
   * executorMemory} and 1 core.
   */
  List<String> submit(String executorMemory, List<String> args) {
    List<String> c =
        new ArrayList<>(
            List.of(
                "bash",
                new File(Processes.PROJECT, "bin/spark-submit").getAbsolutePath(),
                "--master",
                master,
                "--conf",
                "spark.executor.memory=" + executorMemory,
                "--conf",
                "spark.executor.cores=1",
                "--conf",
                "spark.executorEnv.OMP_WAIT_POLICY=PASSIVE",
                new File(Processes.PROJECT, "jobs/target/distill-job.jar").getAbsolutePath()));
    c.addAll(args);
    return c;
  }

  /**
   * What a run disturbed by {@link #runKillingAnExecutor} printed, and the pid of the executor it
   * lost.
   */
  record Disturbed(long killedPid, String output) {}

  /**
   * Runs {@code command} (logged to {@code log}) and, once the student writing under {@code
   * student} has checkpointed its first epoch, kills one of the application's executors; then waits
   * for the run, which must exit 0.
   */
  Disturbed runKillingAnExecutor(
      Path log, List<String> command, Path student, long awaitSeconds, long finishMinutes)
      throws Exception {
    Set<Path> before = executorDirs();
    Process driver = Processes.start(log, Map.of(), command);
    try {
      Processes.await(
          awaitSeconds,
          "the distilled student's first epoch checkpoint",
          log,
          () -> RunOutputs.containsFile(student, "epoch-0001.zip") && driver.isAlive());
      long killed = killExecutor(before, false);
      assertTrue(driver.waitFor(finishMinutes, TimeUnit.MINUTES), "the disturbed run finished");
      String output = Files.readString(log);
      assertEquals(0, driver.exitValue(), output.substring(Math.max(0, output.length() - 6000)));
      return new Disturbed(killed, output);
    } finally {
      if (driver.isAlive()) {
        Processes.killTree(driver.toHandle());
      }
    }
  }

  /**
   * Kills one executor JVM of the cluster that was not running before ({@code before}: {@link
   * #executorDirs()} then), once it has loaded ND4J when {@code afterNd4j} (so it is doing the
   * models' work), else at once; returns its pid.
   */
  long killExecutor(Set<Path> before, boolean afterNd4j) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      for (Map.Entry<Path, ProcessHandle> e : executors().entrySet()) {
        boolean fresh = !before.contains(e.getKey()) || !afterNd4j;
        Path stderr = e.getKey().resolve("stderr");
        if (fresh
            && (!afterNd4j
                || Files.exists(stderr)
                    && Files.readString(stderr).contains("Loaded [CpuBackend]"))) {
          long pid = e.getValue().pid();
          Processes.killTree(e.getValue());
          return pid;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no executor of the cluster to kill in " + state);
  }

  /** Live executor JVMs of this cluster, by their work directory (worker-N/app-…/K). */
  private Map<Path, ProcessHandle> executors() {
    Map<Path, ProcessHandle> found = new HashMap<>();
    ProcessHandle.allProcesses()
        .forEach(
            p -> {
              try {
                Path cwd = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/cwd"));
                if (cwd.startsWith(state)
                    && cwd.getFileName().toString().matches("\\d+")
                    && cwd.getParent().getFileName().toString().startsWith("app-")
                    && p.isAlive()) {
                  found.put(cwd, p);
                }
              } catch (IOException | UnsupportedOperationException ignored) {
                // gone, or not ours to read
              }
            });
    return found;
  }

  /** The executor work directories that exist now. */
  Set<Path> executorDirs() throws IOException {
    try (Stream<Path> s = Files.walk(state, 3)) {
      return s.filter(
              p ->
                  p.getParent() != null
                      && p.getParent().getFileName().toString().startsWith("app-"))
          .collect(Collectors.toSet());
    }
  }

  /**
   * Task attempts the driver lost (Spark's {@code WARN TaskSetManager: Lost task ...}, printed with
   * --verbose): when the job succeeded, each was run again.
   */
  static int lostTasks(String driverLog) {
    return (int) driverLog.lines().filter(l -> l.contains("TaskSetManager: Lost task")).count();
  }

  static String grep(String text, String word) {
    return text.lines().filter(l -> l.contains(word)).limit(20).collect(Collectors.joining("\n"));
  }

  private void script(String action, String... args) throws Exception {
    List<String> c =
        new ArrayList<>(
            List.of(
                "bash",
                new File(Processes.PROJECT, "deploy/standalone-cluster.sh").getAbsolutePath(),
                action));
    c.addAll(List.of(args));
    Processes.Result r = Processes.run(dir.resolve("cluster-" + action + ".log"), 3, env, c);
    assertEquals(0, r.exitCode(), r.tail());
  }

  /** Stops the master and workers (and so their executors). */
  @Override
  public void close() throws Exception {
    script("stop");
  }
}
