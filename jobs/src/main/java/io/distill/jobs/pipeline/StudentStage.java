package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.dataset.RowIds;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.StudentSize;
import io.distill.student.ModelMetrics;
import io.distill.student.NetworkWidth;
import io.distill.student.SearchSpace;
import io.distill.student.SearchSummary;
import io.distill.student.StudentSpec;
import io.distill.student.StudentSweep;
import io.distill.student.TrainedStudent;
import io.distill.teacher.TeacherModelFile;
import io.distill.trainer.EpochStats;
import io.distill.trainer.InputJitter;
import io.distill.trainer.TrainingSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "students" stage: the sweep (a distilled student and a hard-label baseline per size, on the
 * same rows, epochs and augmentation), validated on the validation rows; then the per-epoch history
 * of the teacher and every student as one Parquet table. Each student is recorded on its own
 * ({@link RunDirectory#studentRecords()}), so a rerun trains only what changed or did not finish.
 */
final class StudentStage {
  private static final Logger LOG = LoggerFactory.getLogger(StudentStage.class);

  private StudentStage() {}

  /**
   * The trained students and the history table; {@code start}: how they started and on which rows
   * (null in records from before); {@code grown}: the sizes trained after the sweep for the run's
   * target ({@link WidthGrowth}; null in records from before); {@code growthStopped}: why growing
   * stopped short of the target and of its steps, or null.
   */
  record Output(
      List<TrainedStudent> models,
      String history,
      String fingerprint,
      String start,
      List<AssistantChoice> assistants,
      List<String> grown,
      String growthStopped)
      implements StageOutput {
    Output(List<TrainedStudent> models, String history, String fingerprint) {
      this(models, history, fingerprint, null, null, null, null);
    }

    /** The sizes grown for the target, in order (empty when none). */
    List<String> grownSizes() {
      return grown == null ? List.of() : grown;
    }

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
              Params.with(
                  Params.TEACHER_INPUT, // the teacher's cost, which bounds the students grown
                  Params.NIGHTLY_STUDENTS,
                  Params.STUDENTS_ASSISTANT,
                  Params.STUDENTS_ALPHA,
                  Params.STUDENTS_TEMPERATURE,
                  Params.STUDENTS_LEARNING_RATE,
                  Params.STUDENTS_LR_DECAY,
                  Params.STUDENTS_EPOCHS,
                  Params.STUDENTS_INPUT_RETAIN,
                  Params.STUDENTS_HIDDEN_RETAIN,
                  Params.STUDENTS_BATCH_SIZE,
                  Params.STUDENTS_AVERAGING_PERIOD,
                  Params.STUDENTS_MIN_STEPS_PER_EPOCH,
                  Params.STUDENTS_JITTER,
                  Params.STUDENTS_SIZES,
                  Params.STUDENTS_SEARCH,
                  Params.STUDENTS_SEARCH_TRIALS,
                  Params.STUDENTS_SEARCH_ETA,
                  Params.STUDENTS_SEARCH_FIRST_RUNG_EPOCHS,
                  Params.STUDENTS_SEARCH_TEMPERATURES,
                  Params.STUDENTS_SEARCH_ALPHAS,
                  Params.STUDENTS_SEARCH_STANDARDISE,
                  Params.STUDENTS_SEARCH_DKD_BETAS,
                  Params.STUDENTS_SEARCH_LEARNING_RATES,
                  Params.STUDENTS_SEARCH_LR_DECAYS,
                  Params.TRAINING_SEED,
                  Params.TRAINING_WORKERS,
                  Params.TRAINING_MAX_LOSS_GROWTH,
                  Params.STUDENTS_TARGET_ACCURACY_DROP, // the target decides whether sizes grow
                  Params.STUDENTS_TARGET_AGREEMENT,
                  Params.STUDENTS_TARGET_GROW_STEPS,
                  Params.STUDENTS_TARGET_NARROW_STEPS,
                  Params.STUDENTS_TARGET_GROW_FACTOR))
          .execution(Params.TRAINING_CONCURRENT_STUDENTS);

  /**
   * With {@code nightly.students = warm} and a champion: every model's warm start (the champion's
   * same-named model) and the champion's data, whose rows the window leaves out; else null.
   */
  record WarmStart(String championRun, Map<String, String> models, String championTrain) {
    static WarmStart of(PipelineContext ctx, ChampionRun champion) {
      if (champion == null
          || !Params.NIGHTLY_WARM.equals(ctx.config().get(Params.NIGHTLY_STUDENTS))) {
        return null;
      }
      if (searchTrials(ctx.config()) > 0) {
        // A search's trials start from their initialisation: they train on all rows, as scratch.
        LOG.warn(
            "Students: {} = {} applies to students.search = off; the search trains from scratch",
            Params.NIGHTLY_STUDENTS.path(),
            Params.NIGHTLY_WARM);
        return null;
      }
      return new WarmStart(champion.root(), champion.models(), champion.train());
    }
  }

  static Output run(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      ChampionRun championRun,
      Consumer<List<TrainedStudent>> beforeDistilling) {
    RunConfig c = ctx.config();
    if (!Params.SEARCH_OFF.equals(c.get(Params.STUDENTS_ASSISTANT)) && searchTrials(c) > 0) {
      throw new IllegalArgumentException(
          Params.STUDENTS_ASSISTANT.path()
              + " = on needs "
              + Params.STUDENTS_SEARCH.path()
              + " = off (a searched size has no fixed settings to distil again with)");
    }
    WarmStart warm = WarmStart.of(ctx, championRun);
    List<StudentSpec> specs = new ArrayList<>();
    Fingerprint fingerprint =
        Fingerprint.of("students")
            .add("teacher-outputs", soft.teacherOutputs())
            .add("split", data.split().fingerprint())
            .add("teacher", teacher.fingerprint());
    for (StudentSize size : c.studentSizes()) {
      specs.add(spec(ctx, size));
    }
    int[] shape = ctx.shape(data.data().train());
    TrainingSettings settings = settings(c, shape[0]);
    // The student JSON files' content (the keys themselves are the stage's declared inputs).
    fingerprint.add("specs", specs.toString()).add("settings", settings.fingerprint());
    if (warm != null) {
      fingerprint.add("warm-start", warm.toString());
    }
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
              String start = "from scratch over all training rows";
              if (warm != null && !transfer) {
                Dataset<Row> known = ctx.read(warm.championTrain());
                Dataset<Row> window = RowIds.absentFrom(rows, known);
                ctx.spark()
                    .sparkContext()
                    .setJobDescription("Students: the rows added since the champion's run");
                long added = window.count();
                if (added > 0) {
                  // Replay: as many earlier rows, drawn at random, so that continuing on the new
                  // rows does not forget the old ones.
                  Dataset<Row> earlier = RowIds.presentIn(rows, known);
                  long before = earlier.count();
                  Dataset<Row> replay =
                      earlier.sample(
                          false,
                          Math.min(1.0, (double) added / Math.max(1, before)),
                          c.get(Params.TRAINING_SEED));
                  rows = window.unionByName(replay);
                  rowsName =
                      train
                          + " ("
                          + added
                          + " training rows added since the champion, and as many earlier ones)";
                  start =
                      "warm from the champion "
                          + warm.championRun()
                          + " over the "
                          + added
                          + " training rows added since and a random sample of as many earlier"
                          + " ones";
                } else {
                  start =
                      "warm from the champion "
                          + warm.championRun()
                          + " over all training rows (none added since)";
                }
              } else if (warm != null) {
                start = "warm from the champion " + warm.championRun() + " over the transfer set";
              }
              LOG.info("Students: {}", start);
              String rowsSoft = transfer ? soft.transfer() : soft.train();
              // What every sweep of the stage shares: the run's models, settings and validation
              // rows.
              UnaryOperator<StudentSweep> common =
                  s ->
                      s.validationData(data.validationRows(ctx), train + " (validation rows)")
                          .concurrentStudents(c.get(Params.TRAINING_CONCURRENT_STUDENTS))
                          .shape(shape[0], teacher.classes(shape))
                          .optimiser(Training.studentOptimiser(c))
                          .dropout(
                              c.get(Params.STUDENTS_INPUT_RETAIN),
                              c.get(Params.STUDENTS_HIDDEN_RETAIN))
                          .settings(settings)
                          .output(ctx.run().students())
                          .records(ctx.run().studentRecords());
              Dataset<Row> trainingRows = rows;
              String trainingRowsName = rowsName;
              Function<List<StudentSpec>, StudentSweep> sweep =
                  list ->
                      common
                          .apply(StudentSweep.of(ctx.spark()))
                          .specs(list)
                          .trainingData(trainingRows, trainingRowsName)
                          .trainingSoftLabels(ctx.read(rowsSoft), rowsSoft)
                          .validationSoftLabels(ctx.read(soft.train()), soft.train())
                          .teacher(soft.signal())
                          .search(
                              searchTrials(c),
                              c.get(Params.STUDENTS_SEARCH_ETA),
                              c.get(Params.STUDENTS_SEARCH_FIRST_RUNG_EPOCHS),
                              space(c))
                          .dataFingerprint(soft.fingerprint())
                          .warmStarts(warm == null ? Map.of() : warm.models());
              List<TrainedStudent> trained =
                  sweep.apply(specs).beforeDistilling(beforeDistilling).execute();
              List<AssistantChoice> assistants = null;
              if (!Params.SEARCH_OFF.equals(c.get(Params.STUDENTS_ASSISTANT))) {
                TeacherAssistants.Result r =
                    TeacherAssistants.run(
                        ctx,
                        data,
                        specs,
                        trained,
                        rows,
                        rowsName,
                        transfer ? soft.transferData() : train,
                        soft.fingerprint(),
                        common);
                trained = r.models();
                assistants = r.choices();
              }
              WidthGrowth.Result growth =
                  WidthGrowth.run(
                      ctx,
                      data,
                      teacher,
                      soft,
                      c.studentSizes(),
                      trained,
                      shape[0],
                      teacher.classes(shape),
                      () ->
                          TeacherModelFile.load(
                                  teacher.model(), ctx.hadoop(), null, c.teacherInput())
                              .forwardFlops(),
                      size -> sweep.apply(List.of(spec(ctx, size))).execute());
              trained = growth.models();
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
              return new Output(
                  trained, path, hex, start, assistants, growth.grown(), growth.stopped());
            });
  }

  /** A dl4j-json size's configuration: its file's, at the size's width factor. */
  static String dl4jJson(PipelineContext ctx, StudentSize size) {
    return NetworkWidth.scaled(
        ctx.readText(size.dl4jJson(), "the student configuration"),
        size.widthFactor(),
        size.dl4jJson());
  }

  /** What the sweep trains for one size. */
  private static StudentSpec spec(PipelineContext ctx, StudentSize size) {
    String json = size.mlp() ? null : dl4jJson(ctx, size);
    return new StudentSpec(
        size.name(),
        size.mlp() ? size.hidden().stream().mapToInt(Integer::intValue).toArray() : null,
        json,
        size.temperature(),
        size.alpha(),
        size.seed(),
        Boolean.TRUE.equals(size.standardise()),
        size.dkdBeta() == null ? 0.0 : size.dkdBeta(),
        size.learningRate(),
        size.lrDecay(),
        size.baselineLearningRate(),
        size.baselineLrDecay(),
        size.baselineSeed());
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
        c.get(Params.STUDENTS_SEARCH_LR_DECAYS),
        c.get(Params.STUDENTS_SEARCH_DKD_BETAS));
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
            .toBuilder()
            .minStepsPerEpoch(c.get(Params.STUDENTS_MIN_STEPS_PER_EPOCH));
    if (jitter > 0) {
      b.jitter(InputJitter.square(features, jitter));
    }
    return b.build();
  }
}
