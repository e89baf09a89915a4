package io.distill.jobs;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.ImportMnistAction;
import io.distill.dataset.MnistFiles;
import io.distill.jobs.config.Params;
import java.util.Arrays;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code import-mnist}: the four MNIST IDX files → Parquet {@code train/} and {@code test/}. */
@Command(
    name = "import-mnist",
    mixinStandardHelpOptions = true,
    description = {
      "MNIST IDX files (gz or raw) in DIR -> Parquet OUTPUT/train,"
          + " OUTPUT/test, OUTPUT/import.json."
    })
final class ImportMnistCommand implements JobCommand {
  static final String DEFAULT_OUTPUT = "runs/default/data";
  static final ParamOptions PARAMS =
      new ParamOptions().add("--rows-per-partition", Params.DATA_ROWS_PER_PARTITION);

  @Spec CommandSpec spec;

  @Option(
      names = "--input",
      paramLabel = "DIR",
      description = "The IDX files; default: the MNIST slice embedded in" + " the jar.")
  String input = MnistFiles.EMBEDDED_DIR;

  @Option(names = "--output", paramLabel = "DIR", description = "Default: " + DEFAULT_OUTPUT + ".")
  String output = DEFAULT_OUTPUT;

  @Mixin SessionOptions session = new SessionOptions();

  @Override
  public Runnable plan() {
    int rowsPerPartition = PARAMS.get(spec, "--rows-per-partition", Params.DATA_ROWS_PER_PARTITION);
    return () -> {
      SparkSession spark = Sessions.create("distill: import-mnist", session);
      MnistFiles files = MnistFiles.in(input, spark.sparkContext().hadoopConfiguration());
      ImportMnistAction.Result result =
          ImportMnistAction.of(spark)
              .source(files)
              .output(output)
              .rowsPerPartition(rowsPerPartition)
              .execute();
      System.out.println("Imported " + files.directory() + " -> " + result.outputPath());
      for (ImportMnistAction.SplitResult split : result.splits().values()) {
        System.out.println(
            "  "
                + split.name()
                + ": "
                + split.rows()
                + " rows, label counts "
                + Arrays.toString(split.labelCounts())
                + " ("
                + result.outputPath()
                + "/"
                + split.name()
                + ")");
      }
      System.out.printf(
          "  %.1f s; schema %s%n", result.seconds(), DatasetSchema.SCHEMA.simpleString());
    };
  }
}
