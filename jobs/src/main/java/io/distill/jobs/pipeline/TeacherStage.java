package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.student.SearchPlan;
import io.distill.teacher.TeacherInfo;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TrainTeacherAction;
import io.distill.trainer.EpochStats;
import io.distill.trainer.InputJitter;
import io.distill.trainer.TrainingSettings;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;

/**
 * The "teacher" stage: the teacher given as a model file (checked against the data: its input size
 * and classes), or trained on the training rows (an MLP, or any shape from a DL4J JSON) and kept at
 * its best validation epoch, checkpointed every epoch so that a rerun resumes.
 */
final class TeacherStage {
  private TeacherStage() {}

  /**
   * The teacher: its model file, the sha256 of that file, a description of its shape, how it was
   * trained (NaN seconds and no history for a teacher given as a file), and the classes it predicts
   * (0 in records from before).
   */
  record Output(
      String model,
      String fingerprint,
      String configuration,
      double trainingSeconds,
      int epochs,
      List<EpochStats> history,
      long trainingRows,
      String description,
      int classes,
      TeacherRecipeSearch.Summary search)
      implements StageOutput {
    @Override
    public List<String> paths() {
      return List.of(model);
    }

    /**
     * The classes the students learn: the teacher's (a given teacher may predict classes the data
     * never shows), at least those of the dataset's labels ({@code shape[1]}).
     */
    int classes(int[] shape) {
      return Math.max(classes, shape[1]);
    }
  }

  /** The keys the teacher stage reads: the teacher's and the training section's. */
  static final StageParams PARAMS =
      StageParams.of(
          "teacher",
          Params.with(
              Params.TEACHER_INPUT,
              Params.TEACHER_MODEL,
              Params.TEACHER_DL4J_JSON,
              Params.TEACHER_HIDDEN,
              Params.TEACHER_INPUT_RETAIN,
              Params.TEACHER_HIDDEN_RETAIN,
              Params.TEACHER_MAX_NORM,
              Params.TEACHER_LEARNING_RATE,
              Params.TEACHER_MOMENTUM,
              Params.TEACHER_EPOCHS,
              Params.TEACHER_LR_DECAY,
              Params.TEACHER_BATCH_SIZE,
              Params.TEACHER_AVERAGING_PERIOD,
              Params.TEACHER_JITTER,
              Params.TEACHER_SEARCH,
              Params.TEACHER_SEARCH_LEARNING_RATE_FACTORS,
              Params.TEACHER_SEARCH_JITTERS,
              Params.TRAINING_SEED,
              Params.TRAINING_WORKERS,
              Params.TRAINING_MAX_LOSS_GROWTH));

  static Output run(PipelineContext ctx, DataStage.Output data) {
    RunConfig config = ctx.config();
    int[] shape = ctx.shape(data.data().train());
    String given = config.get(Params.TEACHER_MODEL);
    if (given != null) {
      String fingerprint = HadoopFiles.sha256(given, ctx.hadoop());
      return ctx.stages()
          .run(
              "teacher",
              fingerprint,
              Output.class,
              key -> {
                TeacherModel teacher =
                    TeacherModelFile.load(given, ctx.hadoop(), null, config.teacherInput());
                requireFits(ctx, teacher, data.data().train(), shape);
                String configuration =
                    teacher
                        .info()
                        .map(i -> i.configuration())
                        .orElse(teacher.inputSize() + "-…-" + teacher.numClasses());
                long rows = teacher.info().map(i -> i.trainingRows()).orElse(0L);
                String description =
                    configuration
                        + ", given as "
                        + given
                        + teacher
                            .info()
                            .map(
                                i ->
                                    String.format(
                                        ": trained on %s%s, epoch %d kept (%d validation errors of %,d)",
                                        i.datasetPath(),
                                        rows > 0 ? String.format(" (%,d rows)", rows) : "",
                                        i.epochs(),
                                        i.validationErrors(),
                                        i.validationExamples()))
                            .orElse(" (no sidecar: how it was trained is not known)");
                return new Output(
                    given,
                    fingerprint,
                    configuration,
                    teacher.info().map(i -> i.trainingSeconds()).orElse(Double.NaN),
                    teacher.info().map(i -> i.epochs()).orElse(0),
                    List.of(),
                    rows,
                    description,
                    (int) teacher.numClasses(),
                    null);
              });
    }
    String json = config.get(Params.TEACHER_DL4J_JSON);
    MultiLayerConfiguration conf =
        json != null
            ? TeacherNetworks.fromJson(ctx.readText(json, "the teacher configuration"), json)
            : TeacherNetworks.mlp(
                shape[0],
                config.get(Params.TEACHER_HIDDEN).stream().mapToInt(Integer::intValue).toArray(),
                shape[1],
                config.get(Params.TEACHER_INPUT_RETAIN),
                config.get(Params.TEACHER_HIDDEN_RETAIN),
                config.get(Params.TEACHER_MAX_NORM),
                Training.teacherOptimiser(config).updater(),
                config.get(Params.TRAINING_SEED));
    int jitter = config.get(Params.TEACHER_JITTER);
    TrainingSettings settings =
        Training.settings(
                config,
                config.get(Params.TEACHER_EPOCHS),
                config.get(Params.TEACHER_BATCH_SIZE),
                config.get(Params.TEACHER_AVERAGING_PERIOD))
            .toBuilder()
            .jitter(jitter == 0 ? null : InputJitter.square(shape[0], jitter))
            .build();
    List<TeacherRecipeSearch.Recipe> recipes = recipes(config, data, shape[0]);
    // What the trained teacher depends on besides its keys: the network (a JSON file's content),
    // the data, the split.
    String inputs =
        Fingerprint.of("trained teacher")
            .add("network", conf.toJson())
            .add("settings", settings.fingerprint())
            .add("data", data.data().fingerprint())
            .add("split", data.split().fingerprint())
            .hex();
    return ctx.stages()
        .run(
            "teacher",
            inputs,
            Output.class,
            fingerprint -> {
              String model = ctx.run().teacherModel();
              String checkpoints = RunDirectory.teacherCheckpoints(fingerprint);
              String train = data.data().train();
              Supplier<TrainTeacherAction> action =
                  () ->
                      TrainTeacherAction.of(ctx.spark())
                          .trainingData(data.trainingRows(ctx), train + " (training rows)")
                          .validationData(data.validationRows(ctx), train + " (validation rows)");
              TrainTeacherAction.Result result;
              TeacherRecipeSearch.Summary search = null;
              if (recipes == null) {
                result =
                    action
                        .get()
                        .network(conf)
                        .output(model)
                        .settings(
                            settings.toBuilder().checkpointDir(ctx.run().path(checkpoints)).build())
                        .execute();
              } else {
                TeacherRecipeSearch.Result searched =
                    TeacherRecipeSearch.run(
                        recipes,
                        SearchPlan.DEFAULT_ETA,
                        r -> TeacherNetworks.scaleLearningRate(conf, r.learningRateFactor()),
                        r ->
                            settings.toBuilder()
                                .jitter(
                                    r.jitter() == 0
                                        ? null
                                        : InputJitter.square(shape[0], r.jitter()))
                                .build(),
                        action,
                        model,
                        ctx.run().path(checkpoints));
                result = searched.trained();
                search = searched.summary();
              }
              ctx.run().delete(checkpoints); // the model is saved: no resume needed
              TeacherInfo info = result.info();
              return new Output(
                  result.modelPath(),
                  HadoopFiles.sha256(result.modelPath(), ctx.hadoop()),
                  info.configuration(),
                  info.trainingSeconds(),
                  info.epochs(),
                  result.training().history(),
                  info.trainingRows(),
                  String.format(
                          "%s, trained by this run on %,d rows, epoch %d of %d kept (%d validation"
                              + " errors of %,d)",
                          info.configuration(),
                          info.trainingRows(),
                          info.epochs(),
                          result.training().history().size(),
                          info.validationErrors(),
                          info.validationExamples())
                      + (search == null ? "" : "; " + search.line()),
                  shape[1],
                  search);
            });
  }

  /**
   * The recipes of {@code teacher.search = halving} (factor × jitter), or null when it is off;
   * refused here, before anything trains, when they cannot run on this data.
   */
  private static List<TeacherRecipeSearch.Recipe> recipes(
      RunConfig config, DataStage.Output data, int features) {
    if (!Params.SEARCH_HALVING.equals(config.get(Params.TEACHER_SEARCH))) {
      return null;
    }
    List<TeacherRecipeSearch.Recipe> recipes =
        TeacherRecipeSearch.recipes(
            config.get(Params.TEACHER_SEARCH_LEARNING_RATE_FACTORS),
            config.get(Params.TEACHER_SEARCH_JITTERS));
    String key = Params.TEACHER_SEARCH.path() + " = " + Params.SEARCH_HALVING;
    if (data.split().validationRows() == 0) {
      throw new IllegalArgumentException(
          key
              + " chooses on validation rows, and the run has none ("
              + Params.DATA_VALIDATION_ROWS.path()
              + " = 0)");
    }
    if (recipes.size() < 2) {
      throw new IllegalArgumentException(
          key
              + " needs at least 2 recipes: "
              + Params.TEACHER_SEARCH_LEARNING_RATE_FACTORS.path()
              + " x "
              + Params.TEACHER_SEARCH_JITTERS.path()
              + " give "
              + recipes.size());
    }
    int side = (int) Math.round(Math.sqrt(features));
    if (side * side != features && recipes.stream().anyMatch(r -> r.jitter() > 0)) {
      throw new IllegalArgumentException(
          Params.TEACHER_SEARCH_JITTERS.path()
              + " has a jitter > 0, which needs square images, but the features of dataset "
              + data.data().train()
              + " have "
              + features
              + " values; give [0]");
    }
    return recipes;
  }

  /**
   * A given teacher must take the dataset's features and have a class for every label (it may
   * predict classes the dataset does not show); a label the teacher has no class for is named with
   * its row.
   */
  private static void requireFits(
      PipelineContext ctx, TeacherModel teacher, String dataset, int[] shape) {
    if (teacher.inputSize() != shape[0]) {
      throw new IllegalArgumentException(
          String.format(
              "Teacher %s takes %d inputs but the features of dataset %s" + " have %d values",
              teacher.path(), teacher.inputSize(), dataset, shape[0]));
    }
    if (shape[1] > teacher.numClasses()) {
      Row r =
          ctx.read(dataset)
              .select("id", "label")
              .where(functions.col("label").geq(teacher.numClasses()))
              .orderBy("id")
              .first();
      throw new IllegalArgumentException(
          String.format(
              "Dataset %s, row id=%d: label %d is outside [0, %d): teacher"
                  + " %s predicts %d classes",
              dataset,
              r.getLong(0),
              r.getInt(1),
              teacher.numClasses(),
              teacher.path(),
              teacher.numClasses()));
    }
  }
}
