package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowChecks;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.student.LogitsModel;
import io.distill.student.ModelDescription;
import io.distill.student.ModelEvaluator;
import io.distill.student.ModelMetrics;
import io.distill.student.PairedComparison;
import io.distill.student.TestScores;
import io.distill.student.TrainedStudent;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import io.distill.trainer.NetworkZips;
import io.distill.trainer.TrainingData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "evaluate" stage, the only one that reads the test split's labels: every model's errors,
 * agreement with the teacher and KL to it, computed on the executors in one pass over the test rows
 * joined with the teacher's logits (the teacher is scored from its logits, not run again); size;
 * and speed, timed in the driver JVM on a bounded sample of test rows. One row per model in {@code
 * metrics/}.
 */
final class EvaluateStage {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateStage.class);

  /** Test rows the models are timed on. */
  private static final int TIMING_SAMPLE = 1024;

  private EvaluateStage() {}

  /** The metrics table and its number of models. */
  record Output(String metrics, int models) implements StageOutput {
    @Override
    public List<String> paths() {
      return List.of(metrics);
    }
  }

  /** The keys the evaluate stage reads. */
  static final StageParams PARAMS =
      StageParams.of(
          "evaluate",
          Params.with(
              Params.TEACHER_INPUT,
              Params.EVALUATION_LATENCY_CALLS,
              Params.EVALUATION_THROUGHPUT_BATCH));

  static Output run(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      StudentStage.Output students) {
    RunConfig c = ctx.config();
    String fingerprint =
        Fingerprint.of("evaluate")
            .add("students", students.fingerprint())
            .add("teacher", teacher.fingerprint())
            .add("teacher-outputs", soft.teacherOutputs())
            .add("metrics-columns", RecordRows.schema(ModelMetrics.class).simpleString())
            .hex();
    return ctx.stages()
        .run(
            "evaluate",
            fingerprint,
            Output.class,
            key -> {
              String testPath = data.data().test();
              int[] shape = ctx.shape(data.data().train());
              Map<String, MultiLayerNetwork> nets = new LinkedHashMap<>();
              for (TrainedStudent m : students.models()) {
                nets.put(m.model(), restore(ctx, m.modelPath()));
              }
              ctx.spark()
                  .sparkContext()
                  .setJobDescription(
                      "Evaluating the teacher and " + nets.size() + " students on the test split");
              TestScores.Scores tested =
                  scores(
                      ctx,
                      ctx.read(testPath),
                      testPath,
                      soft,
                      soft.test(),
                      teacher,
                      shape,
                      nets,
                      baselines(students.models()));
              Map<String, TestScores.Totals> scores = tested.totals();
              INDArray sample = sample(ctx, testPath, shape[0]);
              ModelEvaluator evaluator =
                  ModelEvaluator.builder()
                      .latencyCalls(c.get(Params.EVALUATION_LATENCY_CALLS))
                      .throughputBatch(c.get(Params.EVALUATION_THROUGHPUT_BATCH))
                      .build();
              List<ModelMetrics> metrics = new ArrayList<>();
              TeacherModel t =
                  TeacherModelFile.load(teacher.model(), ctx.hadoop(), null, c.teacherInput());
              metrics.add(
                  evaluator.evaluate(
                      ModelDescription.teacher(
                          teacher.configuration(), teacher.trainingSeconds(), teacher.epochs()),
                      LogitsModel.of(
                          t::logits,
                          t.parameterCount(),
                          t.kind() == TeacherModel.Kind.ONNX
                              ? t.onnxBytes()
                              : LogitsModel.serializedSize(t.network()),
                          t.forwardFlops()),
                      scores.get(TestScores.TEACHER),
                      sample));
              for (TrainedStudent m : students.models()) {
                int epochs = m.history().size();
                ModelDescription d =
                    ModelMetrics.DISTILLED.equals(m.role())
                        ? ModelDescription.distilled(
                            m.size(), m.temperature(), m.alpha(), m.trainingSeconds(), epochs)
                        : ModelDescription.baseline(m.size(), m.trainingSeconds(), epochs);
                ModelMetrics evaluated =
                    evaluator.evaluate(
                        d, LogitsModel.of(nets.get(m.model())), scores.get(m.model()), sample);
                PairedComparison paired = tested.paired().get(m.model());
                ModelMetrics row = paired == null ? evaluated : evaluated.withPaired(paired);
                LOG.info(
                    "Evaluated {}: {} errors / {}, agreement {}, {} parameters",
                    row.model(),
                    row.testErrors(),
                    row.testExamples(),
                    String.format("%.4f", row.teacherAgreement()),
                    row.parameters());
                metrics.add(row);
              }
              return new Output(
                  Tables.write(ctx, metrics, ModelMetrics.class, ctx.run().metrics()),
                  metrics.size());
            });
  }

  /**
   * Each distilled student's name → its baseline's (the baseline of the same size), for the paired
   * comparison on the test rows; a distilled student without a baseline is left out.
   */
  static Map<String, String> baselines(List<TrainedStudent> models) {
    Map<String, String> baselineOfSize = new LinkedHashMap<>();
    for (TrainedStudent m : models) {
      if (ModelMetrics.BASELINE.equals(m.role())) {
        baselineOfSize.put(m.size(), m.model());
      }
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    for (TrainedStudent m : models) {
      String baseline = baselineOfSize.get(m.size());
      if (ModelMetrics.DISTILLED.equals(m.role()) && baseline != null) {
        pairs.put(m.model(), baseline);
      }
    }
    return pairs;
  }

  /** Up to {@value #TIMING_SAMPLE} test rows' features, to time the models on. */
  private static INDArray sample(PipelineContext ctx, String testPath, int features) {
    List<Row> rows =
        ctx.read(testPath)
            .select(DatasetSchema.ID, DatasetSchema.FEATURES)
            .limit(TIMING_SAMPLE)
            .collectAsList();
    float[][] x = new float[rows.size()][];
    for (int i = 0; i < x.length; i++) {
      x[i] =
          RowChecks.finiteFloats(
              rows.get(i).getList(1),
              features,
              testPath,
              rows.get(i).getLong(0),
              DatasetSchema.FEATURES);
    }
    return Nd4j.create(x);
  }

  /**
   * Each network's sums over {@code rows} (and the teacher's, from its outputs in {@code softPath},
   * joined by id), and the paired counts of {@code pairs} (distilled → baseline), in one Spark pass
   * on the executors ({@link TestScores}).
   */
  static TestScores.Scores scores(
      PipelineContext ctx,
      Dataset<Row> rows,
      String rowsName,
      SoftLabelStage.Output soft,
      String softPath,
      TeacherStage.Output teacher,
      int[] shape,
      Map<String, MultiLayerNetwork> nets,
      Map<String, String> pairs) {
    try (TrainingData packed =
        TrainingData.pack(ctx.spark())
            .rows(rows, rowsName)
            .softLabels(ctx.read(softPath), softPath)
            .teacher(soft.signal())
            .features(shape[0])
            .classes(teacher.classes(shape))
            .workers(ctx.spark().sparkContext().defaultParallelism())
            .execute()) {
      return TestScores.of(
          ctx.spark(),
          packed,
          nets,
          pairs,
          ctx.spark().sparkContext().getConf().getInt("spark.task.cpus", 1));
    }
  }

  /**
   * {@link #scores} on the run's validation rows joined with the training split's soft labels (no
   * test label is read); {@code shape} is the training split's ({@link PipelineContext#shape}).
   */
  static Map<String, TestScores.Totals> validationScores(
      PipelineContext ctx,
      DataStage.Output data,
      SoftLabelStage.Output soft,
      TeacherStage.Output teacher,
      int[] shape,
      Map<String, MultiLayerNetwork> nets) {
    return trainingRowScores(
        ctx,
        data.validationRows(ctx),
        data.data().train() + " (validation rows)",
        soft,
        teacher,
        shape,
        nets);
  }

  /**
   * {@link #scores} of {@code rows} of the training split, joined with its soft labels, without
   * pairs: the validation rows, or the rows a night added.
   */
  static Map<String, TestScores.Totals> trainingRowScores(
      PipelineContext ctx,
      Dataset<Row> rows,
      String rowsName,
      SoftLabelStage.Output soft,
      TeacherStage.Output teacher,
      int[] shape,
      Map<String, MultiLayerNetwork> nets) {
    return scores(ctx, rows, rowsName, soft, soft.train(), teacher, shape, nets, Map.of()).totals();
  }

  /** A student's network from its model file (a bounded read; no Java deserialisation). */
  static MultiLayerNetwork restore(PipelineContext ctx, String path) {
    return NetworkZips.read(path, ctx.hadoop(), "the student model");
  }
}
