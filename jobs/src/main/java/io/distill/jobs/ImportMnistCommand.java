package io.distill.jobs;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.ImportMnistAction;
import io.distill.dataset.MnistFiles;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/** {@code import-mnist}: the four MNIST IDX files → Parquet {@code train/} and {@code test/}. */
final class ImportMnistCommand implements Command {
  static final String DEFAULT_OUTPUT = "runs/default/data";

  @Override
  public String name() {
    return "import-mnist";
  }

  @Override
  public String usage() {
    return String.join("\n",
        "  import-mnist [--input DIR] [--output DIR] [--rows-per-partition N]",
        "      MNIST IDX files (gz or raw) in DIR -> Parquet OUTPUT/train, OUTPUT/test, OUTPUT/import.json.",
        "      Defaults: the MNIST slice embedded in the jar; " + DEFAULT_OUTPUT + "; 10000.");
  }

  @Override
  public Runnable plan(List<String> args) {
    Options options = Options.parse(name(), args, Set.of("input", "output", "rows-per-partition"));
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
}
