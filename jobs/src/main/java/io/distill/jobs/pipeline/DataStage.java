package io.distill.jobs.pipeline;

import io.distill.dataset.DatasetSchema;
import io.distill.dataset.HadoopFiles;
import io.distill.dataset.ImportMnistAction;
import io.distill.dataset.MnistFiles;
import io.distill.dataset.ValidationSplit;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The "import" stage: the labelled dataset as Parquet train/test splits (imported from the MNIST IDX files or the
 * embedded slice, or found already imported), then the validation split carved from its training split (recorded as
 * the step "split"). Its fingerprint is the content of the input files.
 */
final class DataStage {
  private DataStage() {}

  /** The imported dataset: its directory, its two splits and the fingerprint of its content. */
  record Data(String dir, String train, String test, String fingerprint) implements StageOutput {
    @Override
    public List<String> paths() {
      return List.of(train, test);
    }
  }

  /** The validation split and the three split sizes. */
  record Split(ValidationSplit split, long trainingRows, long validationRows, long testRows, String fingerprint)
      implements StageOutput {
    @Override
    public List<String> paths() {
      return List.of();
    }
  }

  /** Both, as the later stages use them. */
  record Output(Data data, Split split) {
    Dataset<Row> trainingRows(PipelineContext ctx) {
      return split.split().training(ctx.read(data.train()));
    }

    Dataset<Row> validationRows(PipelineContext ctx) {
      return split.split().validation(ctx.read(data.train()));
    }
  }

  static Output run(PipelineContext ctx) {
    Data data = importData(ctx);
    return new Output(data, split(ctx, data));
  }

  private static Data importData(PipelineContext ctx) {
    RunConfig config = ctx.config();
    String input = config.get(Params.DATA_INPUT);
    int rowsPerPartition = config.get(Params.DATA_ROWS_PER_PARTITION);
    String fingerprint;
    Supplier<Data> work;
    // The fingerprints' formulas are kept stable, so that records of earlier runs stay valid.
    if (config.embeddedData()) {
      fingerprint = HadoopFiles.sha256Hex("embedded-mnist-slice|" + rowsPerPartition);
      work = () -> importIdx(ctx, MnistFiles.embedded(), fingerprint);
    } else if (isImportedDataset(ctx, input)) {
      String train = input + "/" + DatasetSchema.TRAIN;
      String test = input + "/" + DatasetSchema.TEST;
      fingerprint = HadoopFiles.sha256Hex(HadoopFiles.sha256Tree(train, ctx.hadoop())
          + HadoopFiles.sha256Tree(test, ctx.hadoop()));
      work = () -> new Data(input, train, test, fingerprint);
    } else {
      MnistFiles files = MnistFiles.in(input, ctx.hadoop());
      StringBuilder hashes = new StringBuilder("idx|" + rowsPerPartition);
      for (var f : List.of(files.trainImages(), files.trainLabels(), files.testImages(), files.testLabels())) {
        hashes.append('|').append(HadoopFiles.sha256(f.location(), ctx.hadoop()));
      }
      fingerprint = HadoopFiles.sha256Hex(hashes.toString());
      work = () -> importIdx(ctx, files, fingerprint);
    }
    return ctx.stages().run("import", fingerprint, Data.class, work);
  }

  private static Data importIdx(PipelineContext ctx, MnistFiles files, String fingerprint) {
    ImportMnistAction.Result result = ImportMnistAction.of(ctx.spark()).source(files).output(ctx.run().path("data"))
        .rowsPerPartition(ctx.config().get(Params.DATA_ROWS_PER_PARTITION)).execute();
    return new Data(result.outputPath(), result.trainPath(), result.testPath(), fingerprint);
  }

  private static boolean isImportedDataset(PipelineContext ctx, String input) {
    return ctx.run().exists(input + "/" + DatasetSchema.TRAIN + "/_SUCCESS")
        && ctx.run().exists(input + "/" + DatasetSchema.TEST + "/_SUCCESS");
  }

  private static Split split(PipelineContext ctx, Data data) {
    long rows = ctx.config().get(Params.DATA_VALIDATION_ROWS);
    long seed = ctx.config().get(Params.DATA_VALIDATION_SEED);
    String fingerprint = HadoopFiles.sha256Hex(data.fingerprint() + "|validation " + rows + " seed " + seed);
    return ctx.stages().run("split", "import", fingerprint, Split.class, () -> {
      ctx.spark().sparkContext().setJobDescription("Carving " + rows + " validation rows from " + data.train());
      Dataset<Row> train = ctx.read(data.train());
      ValidationSplit v = ValidationSplit.compute(train, data.train(), rows, seed);
      long trainRows = train.count();
      long testRows = ctx.read(data.test()).count();
      return new Split(v, trainRows - v.rows(), v.rows(), testRows, fingerprint);
    });
  }
}
