package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.teacher.TeacherInfo;
import io.distill.teacher.TeacherModel;
import io.distill.teacher.TeacherModelFile;
import io.distill.teacher.TeacherNetworks;
import io.distill.teacher.TrainTeacherAction;
import io.distill.trainer.EpochStats;
import io.distill.trainer.InputJitter;
import io.distill.trainer.TrainingSettings;
import java.util.List;
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
      int classes)
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
                    (int) teacher.numClasses());
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
              TrainTeacherAction.Result result =
                  TrainTeacherAction.of(ctx.spark())
                      .network(conf)
                      .trainingData(data.trainingRows(ctx), train + " (training rows)")
                      .validationData(data.validationRows(ctx), train + " (validation rows)")
                      .output(model)
                      .settings(
                          settings.toBuilder().checkpointDir(ctx.run().path(checkpoints)).build())
                      .execute();
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
                      info.validationExamples()),
                  shape[1]);
            });
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
