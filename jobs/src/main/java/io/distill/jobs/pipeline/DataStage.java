package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.DeltaTables;
import io.distill.dataset.ImportMnistAction;
import io.distill.dataset.ImportParquetAction;
import io.distill.dataset.MnistFiles;
import io.distill.dataset.ValidationSplit;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.teacher.TeacherInput;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The "import" stage: the labelled dataset as Parquet train/test splits (imported from the MNIST
 * IDX files or the embedded slice, or found already imported), then the validation split carved
 * from its training split (recorded as the step "split"). Its fingerprint is the content of the
 * input files.
 */
final class DataStage {
  private DataStage() {}

  /**
   * The imported dataset: its directory, its two splits and the fingerprint of its content; rows of
   * the input that failed the import's checks and went to the quarantine (0 and null in records
   * from before).
   */
  record Data(
      String dir,
      String train,
      String test,
      String fingerprint,
      long quarantinedRows,
      String quarantine)
      implements StageOutput {
    Data(String dir, String train, String test, String fingerprint) {
      this(dir, train, test, fingerprint, 0, null);
    }

    @Override
    public List<String> paths() {
      return List.of(train, test);
    }
  }

  /** The validation split and the three split sizes. */
  record Split(
      ValidationSplit split,
      long trainingRows,
      long validationRows,
      long testRows,
      String fingerprint)
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

  /** The keys the import and the split read; all of them decide what is imported and held out. */
  static final StageParams PARAMS =
      StageParams.of(
              "import",
              List.of(
                  Params.DATA_INPUT,
                  Params.DATA_TRAIN,
                  Params.DATA_TEST,
                  Params.DATA_ID_COLUMN,
                  Params.DATA_FEATURES_COLUMN,
                  Params.DATA_LABEL_COLUMN,
                  Params.DATA_MAX_BAD_ROWS,
                  Params.DATA_ROWS_PER_PARTITION,
                  Params.DATA_VALIDATION_ROWS,
                  Params.DATA_VALIDATION_SEED,
                  Params.DATA_VALIDATION_FRACTION,
                  Params.TEACHER_MODEL,
                  Params.TEACHER_INPUT_SHAPE))
          // Read only to refuse ids the transfer set's copies would overflow: not an input.
          .execution(Params.SOFT_LABELS_TRANSFER_COPIES);

  static Output run(PipelineContext ctx) {
    Data data = importData(ctx);
    return new Output(data, split(ctx, data));
  }

  private static Data importData(PipelineContext ctx) {
    RunConfig config = ctx.config();
    String input = config.get(Params.DATA_INPUT);
    String fingerprint;
    Function<String, Data> work;
    String train = config.get(Params.DATA_TRAIN);
    String test = config.get(Params.DATA_TEST);
    if ((train == null) != (test == null)) {
      throw new IllegalArgumentException(
          Params.DATA_TRAIN.path()
              + " and "
              + Params.DATA_TEST.path()
              + " go together: set both or neither (got "
              + Params.DATA_TRAIN.path()
              + " = "
              + train
              + ", "
              + Params.DATA_TEST.path()
              + " = "
              + test
              + ")");
    }
    boolean ownLayout =
        config.get(Params.DATA_MAX_BAD_ROWS) == 0
            && config.get(Params.DATA_ID_COLUMN).equals(DatasetSchema.ID)
            && config.get(Params.DATA_FEATURES_COLUMN).equals(DatasetSchema.FEATURES)
            && config.get(Params.DATA_LABEL_COLUMN).equals(DatasetSchema.LABEL);
    if (train == null
        && !config.embeddedData()
        && !(ownLayout && isImportedDataset(ctx, input))
        && ctx.run().exists(input + "/" + DatasetSchema.TRAIN)
        && ctx.run().exists(input + "/" + DatasetSchema.TEST)) {
      train =
          input
              + "/"
              + DatasetSchema.TRAIN; // Parquet written by another engine, or with other columns
      test = input + "/" + DatasetSchema.TEST;
    }
    if (train != null) {
      String trainSource = train;
      String testSource = test;
      Map<String, Long> deltaVersions = new HashMap<>();
      fingerprint =
          Fingerprint.of("import-parquet")
              .add("train", sourceHash(ctx, train, deltaVersions))
              .add("test", sourceHash(ctx, test, deltaVersions))
              .add(
                  "columns",
                  List.of(
                      config.get(Params.DATA_ID_COLUMN),
                      config.get(Params.DATA_FEATURES_COLUMN),
                      config.get(Params.DATA_LABEL_COLUMN)))
              .hex();
      work = key -> importParquet(ctx, trainSource, testSource, deltaVersions, key);
    } else if (config.embeddedData()) {
      fingerprint = "embedded-mnist-slice";
      work = key -> importIdx(ctx, MnistFiles.embedded(), key);
    } else if (isImportedDataset(ctx, input)) {
      String trainDir = input + "/" + DatasetSchema.TRAIN;
      String testDir = input + "/" + DatasetSchema.TEST;
      fingerprint =
          HadoopFiles.sha256Hex(
              HadoopFiles.sha256Tree(trainDir, ctx.hadoop())
                  + HadoopFiles.sha256Tree(testDir, ctx.hadoop()));
      work = key -> new Data(input, trainDir, testDir, key);
    } else {
      MnistFiles files = MnistFiles.in(input, ctx.hadoop());
      StringBuilder hashes = new StringBuilder("idx");
      for (var f :
          List.of(
              files.trainImages(), files.trainLabels(), files.testImages(), files.testLabels())) {
        hashes.append('|').append(HadoopFiles.sha256(f.location(), ctx.hadoop()));
      }
      fingerprint = HadoopFiles.sha256Hex(hashes.toString());
      work = key -> importIdx(ctx, files, key);
    }
    return ctx.stages().run("import", fingerprint, Data.class, work);
  }

  private static Data importIdx(PipelineContext ctx, MnistFiles files, String fingerprint) {
    ImportMnistAction.Result result =
        ImportMnistAction.of(ctx.spark())
            .source(files)
            .output(ctx.run().data())
            .rowsPerPartition(ctx.config().get(Params.DATA_ROWS_PER_PARTITION))
            .execute();
    return new Data(result.outputPath(), result.trainPath(), result.testPath(), fingerprint);
  }

  /**
   * A dataset as Spark users hold it, checked row by row into run.dir/data (bad rows to
   * run.dir/quarantine/import while data.max-bad-rows allows). With a given teacher, rows must fit
   * it: its input size, labels within its classes.
   */
  private static Data importParquet(
      PipelineContext ctx,
      String train,
      String test,
      Map<String, Long> deltaVersions,
      String fingerprint) {
    RunConfig c = ctx.config();
    int features = 0;
    int classes = 0;
    String teacherPath = c.get(Params.TEACHER_MODEL);
    if (teacherPath != null) {
      // Only its row shape decides how many features a row needs; scaling is not the import's.
      TeacherModel teacher =
          TeacherModelFile.load(
              teacherPath,
              ctx.hadoop(),
              null,
              new TeacherInput(
                  c.get(Params.TEACHER_INPUT_SHAPE),
                  TeacherInput.DEFAULT_SCALE,
                  TeacherInput.DEFAULT_MEAN,
                  TeacherInput.DEFAULT_STD));
      features = Math.toIntExact(teacher.inputSize());
      classes = Math.toIntExact(teacher.numClasses());
    }
    ImportParquetAction action = ImportParquetAction.of(ctx.spark());
    deltaVersions.forEach(action::deltaVersion);
    ImportParquetAction.Result r =
        action
            .train(train)
            .test(test)
            .columns(
                c.get(Params.DATA_ID_COLUMN),
                c.get(Params.DATA_FEATURES_COLUMN),
                c.get(Params.DATA_LABEL_COLUMN))
            .features(features)
            .classes(classes)
            .maxBadRows(c.get(Params.DATA_MAX_BAD_ROWS))
            .idHeadroomForCopies(c.get(Params.SOFT_LABELS_TRANSFER_COPIES))
            .output(ctx.run().data())
            .quarantine(ctx.run().quarantine())
            .execute();
    long bad = r.train().badRows() + r.test().badRows();
    return new Data(
        r.outputPath(),
        r.trainPath(),
        r.testPath(),
        fingerprint,
        bad,
        bad > 0 ? ctx.run().quarantine() : null);
  }

  /**
   * What a Parquet path or catalog table holds: the content hash of its files; for a Delta table,
   * its version (recorded in {@code deltaVersions}, for the import to read that version).
   */
  private static String sourceHash(
      PipelineContext ctx, String source, Map<String, Long> deltaVersions) {
    if (!source.contains("/")
        && !source.contains(":")
        && ctx.spark().catalog().tableExists(source)) {
      StringBuilder files = new StringBuilder("table " + source);
      for (String f : ctx.spark().table(source).inputFiles()) {
        files.append('|').append(HadoopFiles.sha256(f, ctx.hadoop()));
      }
      return HadoopFiles.sha256Hex(files.toString());
    }
    if (!ctx.run().exists(source)) {
      throw new IllegalArgumentException(
          "Input "
              + source
              + " does not exist (neither a Parquet path nor a table in"
              + " the catalog)");
    }
    if (DeltaTables.isDelta(source, ctx.hadoop())) {
      // A Delta table's version names its content; the import reads that version.
      long version = DeltaTables.version(source, ctx.hadoop());
      deltaVersions.put(source, version);
      return "delta|" + source + "|v" + version;
    }
    return HadoopFiles.sha256Tree(source, ctx.hadoop());
  }

  private static boolean isImportedDataset(PipelineContext ctx, String input) {
    return ctx.run().exists(input + "/" + DatasetSchema.TRAIN + "/_SUCCESS")
        && ctx.run().exists(input + "/" + DatasetSchema.TEST + "/_SUCCESS");
  }

  private static Split split(PipelineContext ctx, Data data) {
    long rows = ctx.config().get(Params.DATA_VALIDATION_ROWS);
    long seed = ctx.config().get(Params.DATA_VALIDATION_SEED);
    Double fraction = ctx.config().get(Params.DATA_VALIDATION_FRACTION);
    String what = fraction == null ? rows + " validation rows" : "a fraction " + fraction;
    return ctx.stages()
        .run(
            "split",
            "import",
            data.fingerprint(),
            Split.class,
            fingerprint -> {
              ctx.spark()
                  .sparkContext()
                  .setJobDescription("Carving " + what + " from " + data.train());
              Dataset<Row> train = ctx.read(data.train());
              ValidationSplit v =
                  fraction == null
                      ? ValidationSplit.compute(train, data.train(), rows, seed)
                      : ValidationSplit.fraction(train, data.train(), fraction, seed);
              long trainRows = train.count();
              long testRows = ctx.read(data.test()).count();
              return new Split(v, trainRows - v.rows(), v.rows(), testRows, fingerprint);
            });
  }
}
