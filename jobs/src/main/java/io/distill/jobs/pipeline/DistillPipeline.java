package io.distill.jobs.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.dataset.AtomicDirectoryCommit;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.HadoopFiles;
import io.distill.dataset.ImportMnistAction;
import io.distill.dataset.MnistFiles;
import io.distill.dataset.ValidationSplit;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.report.RunReport;
import io.distill.student.LogitsModel;
import io.distill.student.ModelDescription;
import io.distill.student.ModelEvaluator;
import io.distill.student.ModelMetrics;
import io.distill.student.StudentSpec;
import io.distill.student.StudentSweep;
import io.distill.student.TestScores;
import io.distill.student.TrainedStudent;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.SoftLabelSchema;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TrainTeacherAction;
import io.distill.teacher.TransferSetAction;
import io.distill.trainer.EpochStats;
import io.distill.trainer.InputJitter;
import io.distill.trainer.TeacherSignal;
import io.distill.trainer.TrainingData;
import io.distill.trainer.TrainingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole distillation run in one Spark application: import (when the input is IDX) → teacher (given, or
 * trained) → soft labels → the student sweep → evaluation → report, all under one {@link RunDirectory}.
 *
 * <p>Each stage records a fingerprint of its inputs (configuration and upstream content hashes) when it finishes; a
 * rerun skips a stage whose record matches and whose outputs exist, and students are skipped one by one. Stages left
 * out of {@code distill.stages} reuse their earlier outputs (or fail, naming the stage, when there are none). The
 * manifest is written at the start (status "running") and at the end ("succeeded" or "failed" with the reason);
 * {@code _SUCCESS} is removed at the start and written last.
 *
 * <p>Cost: that of the stages (see {@link ImportMnistAction}, {@link TrainTeacherAction}, {@link SoftLabelAction},
 * {@link StudentSweep}); evaluation and the report run on the driver over the test split.
 */
public final class DistillPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(DistillPipeline.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The soft labels of the transfer set (training rows and their jittered copies), beside train and test. */
  private static final String TRANSFER = "transfer";
  /** Test rows the models are timed on in the evaluate stage. */
  private static final int TIMING_SAMPLE = 1024;

  private final SparkSession spark;
  private final RunConfig config;
  private final RunDirectory run;
  private final Configuration hadoop;
  private final Map<String, Object> stageTimes = new LinkedHashMap<>();

  private DistillPipeline(SparkSession spark, RunConfig config) {
    this.spark = spark;
    this.config = config;
    this.hadoop = spark.sparkContext().hadoopConfiguration();
    this.run = new RunDirectory(config.run().dir(), hadoop);
  }

  public static DistillPipeline of(SparkSession spark, RunConfig config) {
    return new DistillPipeline(spark, config);
  }

  /** The outcome: the run directory, the metrics rows, and per-stage seconds (0 for a stage that was reused). */
  public record Result(String runDir, List<ModelMetrics> metrics, Map<String, Object> stages) {}

  public Result execute() {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("runDir", run.root());
    manifest.put("status", "running");
    manifest.put("startedAt", Instant.now().toString());
    manifest.put("codeVersion", HadoopFiles.codeVersion());
    manifest.put("sparkVersion", spark.version());
    manifest.put("master", spark.sparkContext().master());
    manifest.put("config", JSON.convertValue(parseJson(config.resolved()), Object.class));
    run.delete(RunDirectory.SUCCESS);
    run.writeManifest(manifest);
    try {
      Map<String, Object> data = importStage();
      manifest.put("data", outputs("train", data.get("train"), "test", data.get("test"),
          "sha256", data.get("fingerprint"), "rows", data.get("sizes")));
      Map<String, Object> teacher = teacherStage(data);
      manifest.put("teacher", Map.of("model", teacher.get("model"), "sha256", teacher.get("fingerprint")));
      Map<String, Object> soft = softLabelStage(data, teacher);
      Map<String, Object> students = studentStage(data, teacher, soft);
      Map<String, Object> evaluated = evaluateStage(data, teacher, soft, students);
      reportStage(data, evaluated);
      List<ModelMetrics> metrics = readMetrics((String) evaluated.get("metrics"));
      manifest.put("stages", stageTimes);
      manifest.put("models", metrics.size());
      manifest.put("status", "succeeded");
      manifest.put("finishedAt", Instant.now().toString());
      run.writeManifest(manifest);
      run.markSuccess();
      LOG.info("Run {} succeeded: {} models; stages {}", run.root(), metrics.size(), stageTimes);
      return new Result(run.root(), metrics, Map.copyOf(stageTimes));
    } catch (Exception e) { // also Spark's checked SparkException, which Spark throws undeclared
      manifest.put("stages", stageTimes);
      manifest.put("status", "failed");
      manifest.put("error", String.valueOf(e.getMessage()));
      manifest.put("finishedAt", Instant.now().toString());
      try {
        run.writeManifest(manifest);
      } catch (RuntimeException ignored) {
        // the run directory itself may be what failed; the original error is what matters
      }
      throw e;
    }
  }

  // ---- stages ---------------------------------------------------------------------------------------------------

  private Map<String, Object> importStage() {
    String input = config.data().input();
    String fingerprint;
    Supplier<Map<String, Object>> work;
    if (config.data().embedded()) {
      fingerprint = HadoopFiles.sha256Hex("embedded-mnist-slice|" + config.data().rowsPerPartition());
      work = () -> importIdx(MnistFiles.embedded(), fingerprint);
    } else if (isImportedDataset(input)) {
      String train = input + "/" + DatasetSchema.TRAIN;
      String test = input + "/" + DatasetSchema.TEST;
      fingerprint = HadoopFiles.sha256Hex(HadoopFiles.sha256Tree(train, hadoop) + HadoopFiles.sha256Tree(test, hadoop));
      work = () -> outputs("dir", input, "train", train, "test", test, "fingerprint", fingerprint);
    } else {
      MnistFiles files = MnistFiles.in(input, hadoop);
      StringBuilder hashes = new StringBuilder("idx|" + config.data().rowsPerPartition());
      for (var f : List.of(files.trainImages(), files.trainLabels(), files.testImages(), files.testLabels())) {
        hashes.append('|').append(HadoopFiles.sha256(f.location(), hadoop));
      }
      fingerprint = HadoopFiles.sha256Hex(hashes.toString());
      work = () -> importIdx(files, fingerprint);
    }
    return withSplit(stage("import", fingerprint, work));
  }

  /**
   * The validation split carved from the imported training split (stage "split", recorded like the others): the
   * thresholds that tell validation rows from training rows, and the three split sizes.
   */
  private Map<String, Object> withSplit(Map<String, Object> data) {
    RunConfig.Data d = config.data();
    String fingerprint = HadoopFiles.sha256Hex(data.get("fingerprint") + "|validation " + d.validationRows() + " seed "
        + d.validationSeed());
    Map<String, Object> split = stage("split", "import", fingerprint, () -> {
      spark.sparkContext().setJobGroup("split", "Carving " + d.validationRows() + " validation rows from "
          + data.get("train"), false);
      try {
        org.apache.spark.sql.Dataset<Row> train = spark.read().parquet((String) data.get("train"));
        ValidationSplit v = ValidationSplit.compute(train, (String) data.get("train"), d.validationRows(),
            d.validationSeed());
        long trainRows = train.count();
        long testRows = spark.read().parquet((String) data.get("test")).count();
        return outputs("split", v, "trainingRows", trainRows - v.rows(), "validationRows", v.rows(),
            "testRows", testRows, "fingerprint", fingerprint);
      } finally {
        spark.sparkContext().clearJobGroup();
      }
    });
    Map<String, Object> out = new LinkedHashMap<>(data);
    out.put("split", JSON.convertValue(split.get("split"), ValidationSplit.class));
    out.put("splitFingerprint", split.get("fingerprint"));
    out.put("sizes", outputs("training", split.get("trainingRows"), "validation", split.get("validationRows"),
        "test", split.get("testRows")));
    return out;
  }

  private static ValidationSplit split(Map<String, Object> data) {
    return (ValidationSplit) data.get("split");
  }

  private Map<String, Object> importIdx(MnistFiles files, String fingerprint) {
    ImportMnistAction.Result result = ImportMnistAction.of(spark).source(files).output(run.path("data"))
        .rowsPerPartition(config.data().rowsPerPartition()).execute();
    return outputs("dir", result.outputPath(), "train", result.trainPath(), "test", result.testPath(),
        "fingerprint", fingerprint);
  }

  private boolean isImportedDataset(String input) {
    return run.exists(input + "/" + DatasetSchema.TRAIN + "/_SUCCESS")
        && run.exists(input + "/" + DatasetSchema.TEST + "/_SUCCESS");
  }

  private Map<String, Object> teacherStage(Map<String, Object> data) {
    int[] shape = shape((String) data.get("train"));
    RunConfig.Teacher t = config.teacher();
    if (!t.trained()) {
      String fingerprint = HadoopFiles.sha256(t.model(), hadoop);
      return stage("teacher", fingerprint, () -> {
        TeacherModel teacher = TeacherModelFile.load(t.model(), hadoop);
        requireFits(teacher, (String) data.get("train"), shape);
        String configuration = teacher.info().map(i -> i.configuration())
            .orElse(teacher.inputSize() + "-…-" + teacher.numClasses());
        return outputs("model", t.model(), "fingerprint", fingerprint, "configuration", configuration,
            "trainingSeconds", teacher.info().map(i -> (Object) i.trainingSeconds()).orElse("unknown"),
            "epochs", teacher.info().map(i -> i.epochs()).orElse(0),
            "history", List.of());
      });
    }
    MultiLayerConfiguration conf = t.dl4jJson() != null ? TeacherNetworks.fromJson(readText(t.dl4jJson()), t.dl4jJson())
        : TeacherNetworks.mlp(shape[0], t.hidden().stream().mapToInt(Integer::intValue).toArray(), shape[1],
            t.inputRetain(), t.hiddenRetain(), t.maxNorm(),
            TeacherNetworks.nesterov(t.learningRate(), t.momentum(), t.lrDecay()), config.training().seed());
    TrainingSettings settings = trainingSettings(t.epochs()).toBuilder()
        .jitter(t.jitter() == 0 ? null : InputJitter.square(shape[0], t.jitter())).build();
    // Everything the trained teacher depends on, and nothing else (so that unrelated changes reuse it).
    String fingerprint = HadoopFiles.sha256Hex(conf.toJson() + "|" + settings + "|" + data.get("fingerprint")
        + "|" + data.get("splitFingerprint"));
    return stage("teacher", fingerprint, () -> {
      String model = run.path("teacher/model.zip");
      String checkpoints = "teacher/checkpoints-" + fingerprint.substring(0, 16);
      org.apache.spark.sql.Dataset<Row> train = spark.read().parquet((String) data.get("train"));
      String name = (String) data.get("train");
      TrainTeacherAction.Result result = TrainTeacherAction.of(spark).network(conf)
          .trainingData(split(data).training(train), name + " (training rows)")
          .validationData(split(data).validation(train), name + " (validation rows)")
          .output(model).settings(settings.toBuilder().checkpointDir(run.path(checkpoints)).build()).execute();
      run.delete(checkpoints); // the model is saved: no resume needed
      return outputs("model", result.modelPath(), "fingerprint", HadoopFiles.sha256(result.modelPath(), hadoop),
          "configuration", result.info().configuration(), "trainingSeconds", result.info().trainingSeconds(),
          "epochs", result.info().epochs(), "history", result.training().history());
    });
  }

  private Map<String, Object> softLabelStage(Map<String, Object> data, Map<String, Object> teacher) {
    RunConfig.SoftLabels s = config.softLabels();
    String fingerprint = HadoopFiles.sha256Hex(teacher.get("fingerprint") + "|" + data.get("fingerprint") + "|"
        + data.get("splitFingerprint") + "|" + s.temperature() + "|" + s.batchSize() + (s.topK() == 0 ? ""
        : "|top " + s.topK()) + (s.transferCopies() == 0 ? ""
            : "|transfer " + s.transferCopies() + " x " + s.transferJitter() + "px, seed " + config.training().seed()));
    return stage("soft-labels", fingerprint, () -> {
      Map<String, Object> out = new LinkedHashMap<>();
      List<String> splits = new ArrayList<>(List.of(DatasetSchema.TRAIN, DatasetSchema.TEST));
      if (s.transferCopies() > 0) {
        // The transfer set copies the training rows only: no jittered copy of a validation image is trained on.
        String train = (String) data.get(DatasetSchema.TRAIN);
        TransferSetAction.Result transfer = TransferSetAction.of(spark)
            .data(split(data).training(spark.read().parquet(train)), train + " (training rows)")
            .output(run.path("transfer/" + DatasetSchema.TRAIN)).copies(s.transferCopies())
            .maxShift(s.transferJitter()).seed(config.training().seed()).execute();
        out.put("transferRows", transfer.rows());
        out.put("transferData", transfer.outputPath());
        splits.add(TRANSFER);
      }
      for (String split : splits) {
        String input = split.equals(TRANSFER) ? (String) out.get("transferData") : (String) data.get(split);
        SoftLabelAction.Result r = SoftLabelAction.of(spark).teacher((String) teacher.get("model"))
            .data(input).output(run.path("soft-labels/" + split))
            .temperature(s.temperature()).batchSize(s.batchSize()).topK(s.topK()).execute();
        out.put(split, r.outputPath());
      }
      out.put("fingerprint", fingerprint);
      return out;
    });
  }

  private Map<String, Object> studentStage(Map<String, Object> data, Map<String, Object> teacher,
      Map<String, Object> soft) {
    RunConfig.Students s = config.students();
    List<StudentSpec> specs = new ArrayList<>();
    for (RunConfig.StudentSize size : s.sizes()) {
      specs.add(new StudentSpec(size.name(),
          size.mlp() ? size.hidden().stream().mapToInt(Integer::intValue).toArray() : null,
          size.mlp() ? null : readText(size.dl4jJson()), size.temperature(), size.alpha(), size.seed()));
    }
    TrainingSettings settings = s.lrDecay() == 1.0 ? trainingSettings(s.epochs())
        : trainingSettings(s.epochs()).toBuilder()
            .updater(new Adam(new ExponentialSchedule(ScheduleType.EPOCH, s.learningRate(), s.lrDecay()))).build();
    String fingerprint = HadoopFiles.sha256Hex(soft.get("fingerprint") + "|" + data.get("splitFingerprint") + "|"
        + specs + "|" + settings + "|"
        + s.learningRate() + "|" + s.inputRetain() + "|" + s.hiddenRetain());
    return stage("students", fingerprint, () -> {
      int[] shape = shape((String) data.get("train"));
      String trainPath = (String) data.get(DatasetSchema.TRAIN);
      org.apache.spark.sql.Dataset<Row> train = spark.read().parquet(trainPath);
      String softTrainPath = (String) soft.get(DatasetSchema.TRAIN);
      String transferPath = (String) soft.get("transferData");
      // Features and labels from the data, the teacher's outputs joined by id from the soft labels.
      org.apache.spark.sql.Dataset<Row> trainingRows = transferPath != null ? spark.read().parquet(transferPath)
          : split(data).training(train);
      String trainingName = transferPath != null ? transferPath : trainPath + " (training rows)";
      String trainingSoft = transferPath != null ? (String) soft.get(TRANSFER) : softTrainPath;
      List<TrainedStudent> trained = StudentSweep.of(spark).specs(specs)
          .trainingData(trainingRows, trainingName)
          .trainingSoftLabels(spark.read().parquet(trainingSoft), trainingSoft)
          .validationData(split(data).validation(train), trainPath + " (validation rows)")
          .validationSoftLabels(spark.read().parquet(softTrainPath), softTrainPath)
          .teacher(teacherSignal()).concurrentStudents(config.training().concurrentStudents())
          .shape(shape[0], shape[1]).learningRate(s.learningRate()).dropout(s.inputRetain(), s.hiddenRetain())
          .settings(settings).output(run.path("students")).dataFingerprint((String) soft.get("fingerprint"))
          .execute();
      List<HistoryRow> history = new ArrayList<>();
      List<EpochStats> teacherHistory = JSON.convertValue(teacher.get("history"),
          new TypeReference<List<EpochStats>>() {});
      for (EpochStats e : teacherHistory) {
        history.add(HistoryRow.of(ModelMetrics.TEACHER, ModelMetrics.TEACHER, (String) teacher.get("configuration"),
            e));
      }
      List<Map<String, Object>> models = new ArrayList<>();
      for (TrainedStudent st : trained) {
        for (EpochStats e : st.history()) {
          history.add(HistoryRow.of(st.model(), st.role(), st.size(), e));
        }
        models.add(outputs("model", st.model(), "role", st.role(), "size", st.size(), "temperature",
            st.temperature(), "alpha", st.alpha(), "modelPath", st.modelPath(), "trainingSeconds",
            st.trainingSeconds(), "epochs", st.history().size()));
      }
      String historyPath = writeTable(history.stream().map(RecordRows::toRow).toList(),
          RecordRows.schema(HistoryRow.class), "history");
      return outputs("models", models, "history", historyPath, "fingerprint", fingerprint);
    });
  }

  private Map<String, Object> evaluateStage(Map<String, Object> data, Map<String, Object> teacher,
      Map<String, Object> soft, Map<String, Object> students) {
    RunConfig.Evaluation e = config.evaluation();
    String fingerprint = HadoopFiles.sha256Hex(students.get("fingerprint") + "|" + teacher.get("fingerprint") + "|"
        + e.latencyCalls() + "|" + e.throughputBatch());
    return stage("evaluate", fingerprint, () -> {
      spark.sparkContext().setJobGroup("evaluate", "Evaluating the teacher and every student on the test split",
          false);
      String testPath = (String) data.get(DatasetSchema.TEST);
      String softTestPath = (String) soft.get(DatasetSchema.TEST);
      int[] shape = shape((String) data.get(DatasetSchema.TRAIN));
      List<Map<String, Object>> models = JSON.convertValue(students.get("models"),
          new TypeReference<List<Map<String, Object>>>() {});
      Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
      for (Map<String, Object> m : models) {
        nets.put((String) m.get("model"), restore((String) m.get("modelPath")));
      }
      Map<String, TestScores.Totals> scores;
      try (TrainingData test = TrainingData.pack(spark).rows(spark.read().parquet(testPath), testPath)
          .softLabels(spark.read().parquet(softTestPath), softTestPath).teacher(teacherSignal())
          .features(shape[0]).classes(shape[1]).workers(spark.sparkContext().defaultParallelism()).execute()) {
        scores = TestScores.of(spark, test, nets, spark.sparkContext().getConf().getInt("spark.task.cpus", 1));
      } finally {
        spark.sparkContext().clearJobGroup();
      }
      INDArray sample = sample(testPath, shape[0]);
      ModelEvaluator evaluator = ModelEvaluator.builder().latencyCalls(e.latencyCalls())
          .throughputBatch(e.throughputBatch()).build();
      List<ModelMetrics> metrics = new ArrayList<>();
      TeacherModel t = TeacherModelFile.load((String) teacher.get("model"), hadoop);
      metrics.add(evaluator.evaluate(ModelDescription.teacher((String) teacher.get("configuration"),
              number(teacher.get("trainingSeconds")), ((Number) teacher.get("epochs")).intValue()),
          LogitsModel.of(t::logits, t.parameterCount(), LogitsModel.serializedSize(t.network())),
          scores.get(TestScores.TEACHER), sample));
      for (Map<String, Object> m : models) {
        String size = (String) m.get("size");
        double seconds = number(m.get("trainingSeconds"));
        int epochs = ((Number) m.get("epochs")).intValue();
        ModelDescription d = ModelMetrics.DISTILLED.equals(m.get("role"))
            ? ModelDescription.distilled(size, ((Number) m.get("temperature")).doubleValue(),
                ((Number) m.get("alpha")).doubleValue(), seconds, epochs)
            : ModelDescription.baseline(size, seconds, epochs);
        ModelMetrics row = evaluator.evaluate(d, LogitsModel.of(nets.get((String) m.get("model"))),
            scores.get((String) m.get("model")), sample);
        LOG.info("Evaluated {}: {} errors / {}, agreement {}, {} parameters", row.model(), row.testErrors(),
            row.testExamples(), String.format("%.4f", row.teacherAgreement()), row.parameters());
        metrics.add(row);
      }
      String path = writeTable(metrics.stream().map(RecordRows::toRow).toList(),
          RecordRows.schema(ModelMetrics.class), "metrics");
      return outputs("metrics", path, "models", metrics.size());
    });
  }

  /** Where the soft labels hold the teacher's outputs: logits, or the top-k at the soft-label temperature. */
  private TeacherSignal teacherSignal() {
    RunConfig.SoftLabels s = config.softLabels();
    return s.topK() > 0 ? TeacherSignal.topK(SoftLabelSchema.TOP_K_INDICES, SoftLabelSchema.TOP_K_PROBABILITIES,
        s.temperature()) : TeacherSignal.logits(SoftLabelSchema.TEACHER_LOGITS);
  }

  /** Up to {@value #TIMING_SAMPLE} test rows' features, to time the models on (a bounded sample). */
  private INDArray sample(String testPath, int features) {
    List<Row> rows = spark.read().parquet(testPath).select(DatasetSchema.FEATURES).limit(TIMING_SAMPLE)
        .collectAsList();
    float[][] x = new float[rows.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] = io.distill.dataset.RowChecks.finiteFloats(rows.get(i).getList(0), features, testPath, i,
          DatasetSchema.FEATURES);
    }
    return Nd4j.create(x);
  }

  private Map<String, Object> reportStage(Map<String, Object> data, Map<String, Object> evaluated) {
    Map<?, ?> sizes = (Map<?, ?>) data.get("sizes");
    String dataset = String.format("%s: %,d training, %,d validation (held out of the training split), %,d test rows",
        config.data().input(), ((Number) sizes.get("training")).longValue(),
        ((Number) sizes.get("validation")).longValue(), ((Number) sizes.get("test")).longValue());
    String fingerprint = HadoopFiles.sha256Hex(evaluated + "|" + config.resolved() + "|" + dataset);
    return stage("report", fingerprint, () -> {
      Map<String, Double> seconds = new LinkedHashMap<>();
      for (String s : RunConfig.STAGES) {
        run.stage(s).ifPresent(r -> seconds.put(s, r.seconds()));
      }
      String dir = run.root();
      RunReport.RunFacts facts = new RunReport.RunFacts(new Path(dir).getName(), dir, dataset, seconds,
          config.resolved());
      RunReport.write(run.path("report"), hadoop, facts, readMetrics((String) evaluated.get("metrics")));
      return outputs("report", run.path("report"));
    });
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  /** Runs, reuses, or (when left out of distill.stages) looks up a stage. */
  private Map<String, Object> stage(String name, String fingerprint, Supplier<Map<String, Object>> work) {
    return stage(name, name, fingerprint, work);
  }

  /** As above, for a step recorded as {@code name} that runs as part of the configured stage {@code partOf}. */
  private Map<String, Object> stage(String name, String partOf, String fingerprint,
      Supplier<Map<String, Object>> work) {
    Optional<RunDirectory.StageRecord> record = run.stage(name);
    if (!config.runs(partOf)) {
      if (record.isEmpty()) {
        throw new IllegalStateException("Stage '" + name + "' is not in distill.stages and " + run.root()
            + " has no earlier output of it: add it to the stages");
      }
      LOG.info("Stage {}: not in distill.stages, using its earlier output", name);
      stageTimes.put(name, Map.of("status", "not run", "seconds", 0.0));
      return record.get().outputs();
    }
    if (record.isPresent() && record.get().fingerprint().equals(fingerprint) && outputsExist(record.get())) {
      LOG.info("Stage {}: output already exists for the same inputs, not redone", name);
      stageTimes.put(name, Map.of("status", "reused", "seconds", 0.0));
      return record.get().outputs();
    }
    if (record.isPresent()) {
      LOG.info("Stage {}: inputs changed since its last run (fingerprint {} -> {}), running again", name,
          record.get().fingerprint().substring(0, 12), fingerprint.substring(0, 12));
    } else {
      LOG.info("Stage {}: running", name);
    }
    long started = System.nanoTime();
    Map<String, Object> outputs = work.get();
    double seconds = (System.nanoTime() - started) / 1e9;
    run.recordStage(name, fingerprint, seconds, outputs);
    stageTimes.put(name, Map.of("status", "ran", "seconds", seconds));
    LOG.info("Stage {}: done in {} s", name, String.format("%.1f", seconds));
    return outputs;
  }

  private boolean outputsExist(RunDirectory.StageRecord record) {
    for (Object v : record.outputs().values()) {
      if (v instanceof String s && s.contains("/") && !run.exists(s)) { // fingerprints and names have no '/'
        return false;
      }
    }
    return true;
  }

  private TrainingSettings trainingSettings(int epochs) {
    RunConfig.Training t = config.training();
    return TrainingSettings.builder().epochs(epochs).workers(t.workers()).batchSizePerWorker(t.batchSize())
        .averagingPeriod(t.averagingPeriod()).seed(t.seed()).build();
  }

  /** {features per row, classes} of a labelled dataset (classes = largest label + 1). */
  private int[] shape(String dataset) {
    Row r = spark.read().parquet(dataset).agg(functions.max(functions.size(functions.col(DatasetSchema.FEATURES))),
        functions.max(DatasetSchema.LABEL)).first();
    if (r.isNullAt(0)) {
      throw new IllegalArgumentException("Dataset " + dataset + " is empty");
    }
    return new int[] {r.getInt(0), r.getInt(1) + 1};
  }

  /**
   * A given teacher must take the dataset's features and predict exactly its classes; a label the teacher has no
   * class for is named with its row.
   */
  private void requireFits(TeacherModel teacher, String dataset, int[] shape) {
    if (teacher.inputSize() != shape[0]) {
      throw new IllegalArgumentException(String.format("Teacher %s takes %d inputs but the features of dataset %s"
          + " have %d values", teacher.path(), teacher.inputSize(), dataset, shape[0]));
    }
    if (shape[1] > teacher.numClasses()) {
      Row r = spark.read().parquet(dataset).select(DatasetSchema.ID, DatasetSchema.LABEL)
          .where(functions.col(DatasetSchema.LABEL).geq(teacher.numClasses())).orderBy(DatasetSchema.ID).first();
      throw new IllegalArgumentException(String.format("Dataset %s, row id=%d: label %d is outside [0, %d): teacher"
          + " %s predicts %d classes", dataset, r.getLong(0), r.getInt(1), teacher.numClasses(), teacher.path(),
          teacher.numClasses()));
    }
    if (shape[1] < teacher.numClasses()) {
      throw new IllegalArgumentException(String.format("Teacher %s predicts %d classes but the labels of dataset %s"
          + " are in [0, %d)", teacher.path(), teacher.numClasses(), dataset, shape[1]));
    }
  }

  private String writeTable(List<Row> rows, org.apache.spark.sql.types.StructType schema, String relative) {
    AtomicDirectoryCommit commit = AtomicDirectoryCommit.begin(run.path(relative), hadoop);
    try {
      spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(commit.temporaryPath());
      commit.commit();
      return commit.targetPath();
    } catch (Exception e) { // also Spark's undeclared SparkException
      commit.abort();
      throw e;
    }
  }

  private List<ModelMetrics> readMetrics(String path) {
    return spark.read().parquet(path).collectAsList().stream().map(r -> RecordRows.fromRow(r, ModelMetrics.class))
        .toList();
  }

  private MultiLayerNetwork restore(String path) {
    Path p = new Path(path);
    try (InputStream in = p.getFileSystem(hadoop).open(p)) {
      return ModelSerializer.restoreMultiLayerNetwork(in, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the student model " + path + ": " + e.getMessage(), e);
    }
  }

  private String readText(String path) {
    Path p = new Path(path);
    try (InputStream in = p.getFileSystem(hadoop).open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the student configuration " + path + ": " + e.getMessage(), e);
    }
  }

  private static Object parseJson(String text) {
    try {
      return JSON.readValue(text, Object.class);
    } catch (IOException e) {
      return text;
    }
  }

  /** A number from a stage record; NaN where it was not known (JSON has no NaN). */
  private static double number(Object value) {
    return value instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static Map<String, Object> outputs(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }
}
