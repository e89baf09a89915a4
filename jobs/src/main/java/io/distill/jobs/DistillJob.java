package io.distill.jobs;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application behind {@code spark-submit distill-job.jar}: sub-commands {@code run} (the whole pipeline),
 * {@code nightly} (the pipeline into a dated run with a {@code latest} pointer), {@code import-mnist}, {@code train-teacher} and {@code soft-labels} (see {@code --help}). With no arguments, or
 * with only {@code --config/--set/--stages} options, it runs the pipeline (on the embedded dataset by default).
 * Exit codes: 0 success; 2 bad command line (nothing started); 1 the job failed (one-line reason on stderr).
 */
public final class DistillJob {
  private static final Logger LOG = LoggerFactory.getLogger(DistillJob.class);

  static final List<Command> COMMANDS =
      List.of(new RunCommand(), new NightlyCommand(), new ImportMnistCommand(), new TrainTeacherCommand(),
          new SoftLabelsCommand());

  private DistillJob() {}

  static String usage() {
    StringBuilder b = new StringBuilder("usage: spark-submit distill-job.jar [command] [--option value ...]\n");
    for (Command c : COMMANDS) {
      b.append(c.usage()).append('\n');
    }
    return b.append("  (no command) runs the pipeline: with no arguments on the embedded dataset.").toString();
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns the process exit code. */
  static int run(String[] args) {
    Runnable job;
    try {
      job = plan(Arrays.asList(args));
    } catch (UsageException e) {
      System.err.println("distill-job: " + e.getMessage());
      System.err.println(usage());
      return 2;
    }
    if (job == null) {
      System.out.println(usage());
      return 0;
    }
    try {
      boundS3aRetries();
      job.run();
      return 0;
    } catch (Exception e) { // not only RuntimeException: Spark rethrows its checked SparkException undeclared
      LOG.error("Job failed", e);
      System.err.println("distill-job: FAILED: " + oneLine(e));
      return 1;
    }
  }

  /**
   * S3A's own defaults retry an unreachable endpoint for minutes (20 SDK attempts inside each of 7 S3A retries; a run
   * against a refused connection took 752 s to fail, against 17 s with these); these bound it to a few attempts and
   * seconds, then the job fails naming the path. Each is only a default:
   * {@code --conf spark.hadoop.fs.s3a.<key>=...} given to spark-submit wins (SparkConf reads these system properties
   * when the session is built).
   */
  static final Map<String, String> S3A_RETRY_DEFAULTS = Map.of(
      "spark.hadoop.fs.s3a.attempts.maximum", "3",
      "spark.hadoop.fs.s3a.retry.limit", "3",
      "spark.hadoop.fs.s3a.retry.interval", "500ms",
      "spark.hadoop.fs.s3a.retry.throttle.limit", "3",
      "spark.hadoop.fs.s3a.connection.establish.timeout", "5000",
      "spark.hadoop.fs.s3a.connection.timeout", "30000");

  private static void boundS3aRetries() {
    S3A_RETRY_DEFAULTS.forEach((key, value) -> {
      if (System.getProperty(key) == null) {
        System.setProperty(key, value);
      }
    });
  }

  /** Parses and validates the command line; returns the work to do (null for --help). */
  static Runnable plan(List<String> args) {
    if (args.isEmpty() || args.get(0).startsWith("--") && !args.get(0).equals("--help")) {
      return COMMANDS.get(0).plan(args);
    }
    String name = args.get(0);
    if (List.of("-h", "--help", "help").contains(name)) {
      return null;
    }
    for (Command c : COMMANDS) {
      if (c.name().equals(name)) {
        return c.plan(args.subList(1, args.size()));
      }
    }
    throw new UsageException("unknown command '" + name + "'");
  }

  /** The first line of the innermost message worth showing, without ND4J's or Spark's stack. */
  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof org.apache.spark.SparkException)) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
