package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.StudentSize;
import io.distill.student.ModelMetrics;
import io.distill.student.SearchSpace;
import io.distill.student.SearchSummary;
import io.distill.student.StudentSpec;
import io.distill.student.StudentSweep;
import io.distill.student.TrainedStudent;
import io.distill.trainer.EpochStats;
import io.distill.trainer.InputJitter;
import io.distill.trainer.TrainingSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The "students" stage: the sweep (a distilled student and a hard-label baseline per size, on the
 * same rows, epochs and augmentation), validated on the validation rows; then the per-epoch history
 * of the teacher and every student as one Parquet table. Each student is recorded on its own
 * ({@link RunDirectory#studentRecords()}), so a rerun trains only what changed or did not finish.
 */
final class StudentStage {
  private StudentStage() {}

  /** The trained students and the history table. */
  record Output(List<TrainedStudent> models, String history, String fingerprint)
      implements StageOutput {
    @Override
    public List<String> paths() {
      List<String> out = new ArrayList<>(List.of(history));
      models.forEach(m -> out.add(m.modelPath()));
      return out;
    }

    /** Each searched model's settings search, by model name, in sweep order. */
    Map<String, SearchSummary> searches() {
      Map<String, SearchSummary> out = new LinkedHashMap<>();
      for (TrainedStudent m : models) {
        if (m.search() != null) {
          out.put(m.model(), m.search());
        }
      }
      return out;
    }
  }

  /** The keys the students stage reads; how many train at once changes no student. */
  static final StageParams PARAMS =
      StageParams.of(
              "students",
              List.of(
                  Params.STUDENTS_ALPHA,
                  Params.STUDENTS_TEMPERATURE,
                  Params.STUDENTS_LEARNING_RATE,
                  Params.STUDENTS_LR_DECAY,
                  Params.STUDENTS_EPOCHS,
                  Params.STUDENTS_INPUT_RETAIN,
                  Params.STUDENTS_HIDDEN_RETAIN,
                  Params.STUDENTS_BATCH_SIZE,
                  Params.STUDENTS_AVERAGING_PERIOD,
                  Params.STUDENTS_JITTER,
                  Params.STUDENTS_SIZES,
                  Params.STUDENTS_SEARCH,
                  Params.STUDENTS_SEARCH_TRIALS,
                  Params.STUDENTS_SEARCH_ETA,
                  Params.STUDENTS_SEARCH_TEMPERATURES,
                  Params.STUDENTS_SEARCH_ALPHAS,
                  Params.STUDENTS_SEARCH_STANDARDISE,
                  Params.STUDENTS_SEARCH_LEARNING_RATES,
                  Params.STUDENTS_SEARCH_LR_DECAYS,
                  Params.TRAINING_SEED,
                  Params.TRAINING_WORKERS,
                  Params.TRAINING_MAX_LOSS_GROWTH))
          .execution(Params.TRAINING_CONCURRENT_STUDENTS);

  static Output run(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft) {
    RunConfig c = ctx.config();
    List<StudentSpec> specs = new ArrayList<>();
    Fingerprint fingerprint =
        Fingerprint.of("students")
            .add("teacher-outputs", soft.teacherOutputs())
            .add("split", data.split().fingerprint())
            .add("teacher", teacher.fingerprint());
    for (StudentSize size : c.studentSizes()) {
      String json = size.mlp() ? null : ctx.readText(size.dl4jJson(), "the student configuration");
      specs.add(
          new StudentSpec(
              size.name(),
              size.mlp() ? size.hidden().stream().mapToInt(Integer::intValue).toArray() : null,
              json,
              size.temperature(),
              size.alpha(),
              size.seed(),
              Boolean.TRUE.equals(size.standardise()),
              size.learningRate(),
              size.lrDecay(),
              size.baselineLearningRate(),
              size.baselineLrDecay(),
              size.baselineSeed()));
    }
    int[] shape = ctx.shape(data.data().train());
    TrainingSettings settings = settings(c, shape[0]);
    // The student JSON files' content (the keys themselves are the stage's declared inputs).
    fingerprint.add("specs", specs.toString()).add("settings", settings.fingerprint());
    return ctx.stages()
        .run(
            "students",
            fingerprint.hex(),
            Output.class,
            hex -> {
              String train = data.data().train();
              // Features and labels from the data, the teacher's outputs joined by id from the soft
              // labels.
              boolean transfer = soft.transfer() != null;
              Dataset<Row> rows = transfer ? ctx.read(soft.transferData()) : data.trainingRows(ctx);
              String rowsName = transfer ? soft.transferData() : train + " (training rows)";
              String rowsSoft = transfer ? soft.transfer() : soft.train();
              List<TrainedStudent> trained =
                  StudentSweep.of(ctx.spark())
                      .specs(specs)
                      .trainingData(rows, rowsName)
                      .trainingSoftLabels(ctx.read(rowsSoft), rowsSoft)
                      .validationData(data.validationRows(ctx), train + " (validation rows)")
                      .validationSoftLabels(ctx.read(soft.train()), soft.train())
                      .teacher(soft.signal())
                      .concurrentStudents(c.get(Params.TRAINING_CONCURRENT_STUDENTS))
                      .shape(shape[0], teacher.classes(shape))
                      .optimiser(Training.studentOptimiser(c))
                      .dropout(
                          c.get(Params.STUDENTS_INPUT_RETAIN), c.get(Params.STUDENTS_HIDDEN_RETAIN))
                      .settings(settings)
                      .search(searchTrials(c), c.get(Params.STUDENTS_SEARCH_ETA), space(c))
                      .output(ctx.run().students())
                      .records(ctx.run().studentRecords())
                      .dataFingerprint(soft.fingerprint())
                      .execute();
              List<HistoryRow> history = new ArrayList<>();
              for (EpochStats e : teacher.history()) {
                history.add(
                    HistoryRow.of(
                        ModelMetrics.TEACHER, ModelMetrics.TEACHER, teacher.configuration(), e));
              }
              for (TrainedStudent st : trained) {
                for (EpochStats e : st.history()) {
                  history.add(HistoryRow.of(st.model(), st.role(), st.size(), e));
                }
              }
              String path = Tables.write(ctx, history, HistoryRow.class, ctx.run().history());
              return new Output(trained, path, hex);
            });
  }

  /** Trials per model of the settings search; 0 when it is off. */
  static int searchTrials(RunConfig c) {
    return Params.SEARCH_HALVING.equals(c.get(Params.STUDENTS_SEARCH))
        ? c.get(Params.STUDENTS_SEARCH_TRIALS)
        : 0;
  }

  static SearchSpace space(RunConfig c) {
    return new SearchSpace(
        c.get(Params.STUDENTS_SEARCH_TEMPERATURES),
        c.get(Params.STUDENTS_SEARCH_ALPHAS),
        c.get(Params.STUDENTS_SEARCH_STANDARDISE),
        c.get(Params.STUDENTS_SEARCH_LEARNING_RATES),
        c.get(Params.STUDENTS_SEARCH_LR_DECAYS));
  }

  /**
   * The students' trainer settings: the shared training section and their jitter (the optimiser is
   * the network's).
   */
  static TrainingSettings settings(RunConfig c, int features) {
    int jitter = c.get(Params.STUDENTS_JITTER);
    TrainingSettings.Builder b =
        Training.settings(
            c,
            c.get(Params.STUDENTS_EPOCHS),
            c.get(Params.STUDENTS_BATCH_SIZE),
            c.get(Params.STUDENTS_AVERAGING_PERIOD))
            .toBuilder();
    if (jitter > 0) {
      b.jitter(InputJitter.square(features, jitter));
    }
    return b.build();
  }
}
