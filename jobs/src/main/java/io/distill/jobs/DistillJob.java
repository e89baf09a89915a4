package io.distill.jobs;

import io.distill.core.HadoopFiles;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.nightly.NightNotPromotedException;
import io.distill.jobs.pipeline.DistillPipeline;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The application behind {@code spark-submit distill-job.jar}: sub-commands {@code run} (the whole
 * pipeline), {@code nightly} (the pipeline into a dated run with a {@code latest} pointer), {@code
 * import-mnist}, {@code train-teacher} and {@code soft-labels} (see {@code --help}); with no
 * command, or only the run-configuration options, it runs the pipeline (on the embedded dataset by
 * default). The command line is parsed with picocli; options that are run-configuration parameters
 * are made from their {@link Params} declarations. Exit codes: 0 success; 2 bad command line
 * (nothing started); 1 the job failed (one-line reason on stderr); 3 a nightly run finished but was
 * not promoted (its students were worse than the champion's).
 */
@Command(
    name = "distill-job.jar",
    mixinStandardHelpOptions = true,
    versionProvider = DistillJob.Version.class,
    subcommands = {
      RunCommand.class,
      NightlyCommand.class,
      ImportMnistCommand.class,
      TrainTeacherCommand.class,
      SoftLabelsCommand.class,
      ScoreCommand.class
    },
    description = {
      "Knowledge distillation on Spark: a teacher's soft labels to Parquet, a sweep of DL4J students"
          + " trained data-parallel on the executors beside hard-label baselines, and a report of what each keeps.",
      "With no command: the whole pipeline (`run`), by default on the MNIST slice embedded in the jar."
    },
    footer = {
      "",
      "Exit codes: 0 success, 1 the job failed (one line on stderr), 2 bad command line,"
          + " 3 a nightly run not promoted (worse than the champion)."
    })
public final class DistillJob implements JobCommand {
  private static final Logger LOG = LoggerFactory.getLogger(DistillJob.class);

  @Mixin ConfigOptions config = new ConfigOptions();
  @Mixin SessionOptions session = new SessionOptions();

  public static void main(String[] args) {
    System.exit(run(args));
  }

  @Override
  public Runnable plan() {
    RunConfig c = config.load();
    return () -> {
      SparkSession spark = Sessions.create("distill: run " + c.get(Params.RUN_DIR), session);
      RunCommand.print(DistillPipeline.of(spark, c).execute());
    };
  }

  /**
   * The command line, with the options each sub-command takes from the run configuration's
   * parameters.
   */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new DistillJob());
    cl.setOverwrittenOptionsAllowed(true); // --set and --stages repeat (each call applies in order)
    Map<String, ParamOptions> params =
        Map.of(
            "import-mnist",
            ImportMnistCommand.PARAMS,
            "train-teacher",
            TrainTeacherCommand.PARAMS,
            "soft-labels",
            SoftLabelsCommand.PARAMS);
    params.forEach(
        (name, options) -> options.addTo(cl.getSubcommands().get(name).getCommandSpec()));
    return cl;
  }

  /**
   * Parses and validates a command line; returns the work to do, or null after printing --help or
   * --version.
   */
  static Runnable plan(List<String> args) {
    CommandLine cl = commandLine();
    ParseResult parsed;
    try {
      parsed = cl.parseArgs(args.toArray(new String[0]));
    } catch (ParameterException e) {
      throw new UsageException(
          e.getMessage()
              + " (see `distill-job.jar "
              + (e.getCommandLine().getParent() == null
                  ? ""
                  : e.getCommandLine().getCommandName() + " ")
              + "--help`)");
    }
    if (CommandLine.printHelpIfRequested(parsed)) {
      return null;
    }
    ParseResult leaf = parsed;
    while (leaf.hasSubcommand()) {
      leaf = leaf.subcommand();
    }
    return ((JobCommand) leaf.commandSpec().userObject()).plan();
  }

  /** Runs a command line and returns the process exit code. */
  public static int run(String[] args) {
    Runnable job;
    try {
      job = plan(List.of(args));
    } catch (UsageException e) {
      e.getMessage().lines().forEach(line -> System.err.println("distill-job: " + line));
      return 2;
    }
    if (job == null) {
      return 0;
    }
    try {
      boundS3aRetries();
      job.run();
      return 0;
    } catch (NightNotPromotedException e) {
      System.err.println("distill-job: " + e.getMessage());
      return NightNotPromotedException.EXIT_CODE;
    } catch (
        Exception
            e) { // not only RuntimeException: Spark rethrows its checked SparkException undeclared
      LOG.debug("Job failed", e);
      System.err.println("distill-job: FAILED: " + oneLine(e));
      return 1;
    }
  }

  /**
   * S3A's own defaults retry an unreachable endpoint for minutes (20 SDK attempts inside each of 7
   * S3A retries; a run against a refused connection took 752 s to fail, against 17 s with these);
   * these bound it to a few attempts and seconds, then the job fails naming the path. Each is only
   * a default: {@code --conf spark.hadoop.fs.s3a.<key>=...} given to spark-submit wins (SparkConf
   * reads these system properties when the session is built).
   */
  static final Map<String, String> S3A_RETRY_DEFAULTS =
      Map.of(
          "spark.hadoop.fs.s3a.attempts.maximum", "3",
          "spark.hadoop.fs.s3a.retry.limit", "3",
          "spark.hadoop.fs.s3a.retry.interval", "500ms",
          "spark.hadoop.fs.s3a.retry.throttle.limit", "3",
          "spark.hadoop.fs.s3a.connection.establish.timeout", "5000",
          "spark.hadoop.fs.s3a.connection.timeout", "30000");

  private static void boundS3aRetries() {
    S3A_RETRY_DEFAULTS.forEach(
        (key, value) -> {
          if (System.getProperty(key) == null) {
            System.setProperty(key, value);
          }
        });
  }

  /** The first line of the innermost message worth showing, without ND4J's or Spark's stack. */
  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t instanceof SparkException)) {
      t = t.getCause();
    }
    String message =
        firstLine(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    if (!message.startsWith("Job aborted due to stage failure")) {
      return message;
    }
    // A task failed: what the user needs is its cause (e.g. "No space left on device") and where.
    Throwable root = t;
    String where = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      root = c;
      if (c.getMessage() != null && c.getMessage().contains("Task failed while writing rows to")) {
        where = firstLine(c.getMessage()).replaceFirst("^\\[[A-Z_]+\\] ", "");
      }
    }
    if (root == t || root.getMessage() == null) {
      return message;
    }
    return firstLine(root.getMessage()) + (where == null ? "" : " (" + where + ")");
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** {@code --version}: the project version this jar was built as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"distill-job " + HadoopFiles.codeVersion()};
    }
  }
}
