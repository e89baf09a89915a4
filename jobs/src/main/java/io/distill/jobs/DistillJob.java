package io.distill.jobs;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.ImportMnistAction;
import io.distill.dataset.MnistFiles;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application behind {@code spark-submit distill-job.jar}. Sub-commands:
 *
 * <pre>
 * import-mnist [--input DIR] [--output DIR] [--rows-per-partition N]
 *     Imports the four MNIST IDX files (gzip or raw) in DIR into Parquet: OUTPUT/train, OUTPUT/test and
 *     OUTPUT/import.json. Without --input it imports the slice embedded in the jar (5,000 train and 1,000 test
 *     images). Default output: runs/default/data.
 * </pre>
 *
 * With no arguments it runs the default pipeline on the embedded dataset (today: the import stage).
 * Exit codes: 0 success; 2 bad command line (nothing started); 1 the job failed (one-line reason on stderr).
 */
public final class DistillJob {
  private static final Logger LOG = LoggerFactory.getLogger(DistillJob.class);

  static final String DEFAULT_OUTPUT = "runs/default/data";
  private static final String USAGE = String.join("\n",
      "usage: spark-submit distill-job.jar [import-mnist] [options]",
      "  import-mnist [--input DIR] [--output DIR] [--rows-per-partition N]",
      "      MNIST IDX files (gz or raw) in DIR -> Parquet OUTPUT/train, OUTPUT/test.",
      "      Defaults: the MNIST slice embedded in the jar; " + DEFAULT_OUTPUT + "; 10000.",
      "  (no arguments) runs the default pipeline on the embedded dataset.");

  private DistillJob() {}

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
      System.err.println(USAGE);
      return 2;
    }
    if (job == null) {
      System.out.println(USAGE);
      return 0;
    }
    try {
      job.run();
      return 0;
    } catch (RuntimeException e) {
      LOG.error("Job failed", e);
      System.err.println("distill-job: FAILED: " + oneLine(e));
      return 1;
    }
  }

  /** Parses and validates the command line; returns the work to do (null for --help). */
  static Runnable plan(List<String> args) {
    if (args.isEmpty()) {
      return importMnist(List.of());
    }
    String command = args.get(0);
    List<String> rest = args.subList(1, args.size());
    switch (command) {
      case "import-mnist":
        return importMnist(rest);
      case "-h":
      case "--help":
      case "help":
        return null;
      default:
        if (command.startsWith("--")) {
          return importMnist(args);
        }
        throw new UsageException("unknown command '" + command + "'");
    }
  }

  private static Runnable importMnist(List<String> args) {
    Options options = Options.parse("import-mnist", args, Set.of("input", "output", "rows-per-partition"));
    String input = options.get("input", MnistFiles.EMBEDDED_DIR);
    String output = options.get("output", DEFAULT_OUTPUT);
    int rowsPerPartition = options.getInt("rows-per-partition", 10_000, 1);
    return () -> {
      SparkSession spark = SparkSession.builder().appName("distill: import-mnist").getOrCreate();
      MnistFiles files = MnistFiles.in(input, spark.sparkContext().hadoopConfiguration());
      ImportMnistAction.Result result = ImportMnistAction.of(spark)
          .source(files).output(output).rowsPerPartition(rowsPerPartition).execute();
      System.out.println("Imported " + files.directory() + " -> " + result.outputPath());
      for (ImportMnistAction.SplitResult split : result.splits().values()) {
        System.out.println("  " + split.name() + ": " + split.rows() + " rows, label counts "
            + Arrays.toString(split.labelCounts()) + " (" + result.outputPath() + "/" + split.name() + ")");
      }
      System.out.printf("  %.1f s; schema %s%n", result.seconds(), DatasetSchema.SCHEMA.simpleString());
    };
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
