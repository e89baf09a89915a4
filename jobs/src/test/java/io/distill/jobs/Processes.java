package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs a command of the project (spark-submit, scripts, curl) the way a user would, for the
 * integration tests.
 */
final class Processes {
  /** The project root, as surefire/failsafe give it. */
  static final File PROJECT = new File(System.getProperty("distill.project.dir", ".."));

  private Processes() {}

  /** Exit code and combined stdout/stderr of a finished command. */
  record Result(int exitCode, String output) {
    /** The last 6,000 characters, for assertion messages. */
    String tail() {
      return output.length() > 6000 ? output.substring(output.length() - 6000) : output;
    }
  }

  /**
   * Runs {@code command} in the project root with {@code env} added, its output going to {@code
   * log}; fails the test when it does not finish in {@code minutes} (the process is killed).
   */
  static Result run(Path log, long minutes, Map<String, String> env, List<String> command)
      throws Exception {
    Process p = start(log, env, command);
    boolean finished = p.waitFor(minutes, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly();
    }
    Result result =
        new Result(finished ? p.exitValue() : -1, Files.readString(log, StandardCharsets.UTF_8));
    assertTrue(
        finished,
        String.join(" ", command) + " did not finish in " + minutes + " min:\n" + result.tail());
    return result;
  }

  /**
   * Starts {@code command} in the project root with {@code env} added, its output going to {@code
   * log}.
   */
  static Process start(Path log, Map<String, String> env, List<String> command) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(PROJECT)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /**
   * Kills a process and all its descendants at once with SIGKILL (what an OOM killer or a lost
   * machine does).
   */
  static void killTree(ProcessHandle process) {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    all.add(0, process);
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : all) {
      h.onExit().orTimeout(30, TimeUnit.SECONDS).join();
    }
  }

  /**
   * Waits up to {@code seconds} for {@code condition}, polling every 200 ms; fails the test with
   * {@code what} and the log's tail when it never holds.
   */
  static void await(long seconds, String what, Path log, BooleanSupplier condition)
      throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        throw new AssertionError(
            "Waited "
                + seconds
                + " s for "
                + what
                + ":\n"
                + text.substring(Math.max(0, text.length() - 6000)));
      }
      Thread.sleep(200);
    }
  }
}
