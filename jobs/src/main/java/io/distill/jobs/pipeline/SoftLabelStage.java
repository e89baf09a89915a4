package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.dataset.DatasetSchema;
import io.distill.dataset.RowIds;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.SoftLabelSchema;
import io.distill.teacher.TransferSetAction;
import io.distill.trainer.TeacherSignal;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The "soft-labels" stage: the teacher over the whole training split (training and validation rows)
 * and the test split (whose logits give the agreement figures; its labels are not read here), and,
 * with a transfer set, over the training rows and their jittered copies. The outputs hold ids and
 * the teacher's outputs; the features stay in the data and are joined back by id.
 */
final class SoftLabelStage {
  private SoftLabelStage() {}

  /**
   * The soft labels of the training and test splits; with a transfer set, its rows ({@code
   * transferData}: training rows and copies, with features) and their soft labels ({@code
   * transfer}), else null. {@code teacherOutputs} fingerprints what the students read of them: the
   * same as {@code fingerprint} but without the soft-label temperature when they read the logits
   * (which do not depend on it), so that changing it retrains no student.
   */
  record Output(
      String train,
      String test,
      String transfer,
      String transferData,
      long transferRows,
      String fingerprint,
      String teacherOutputs,
      int topK,
      double temperature,
      long labelledRows)
      implements StageOutput {
    /**
     * Where these soft labels hold the teacher's outputs: logits, or the top-k at the soft-label
     * temperature.
     */
    TeacherSignal signal() {
      return topK > 0
          ? TeacherSignal.topK(
              SoftLabelSchema.TOP_K_INDICES, SoftLabelSchema.TOP_K_PROBABILITIES, temperature)
          : TeacherSignal.logits(SoftLabelSchema.TEACHER_LOGITS);
    }

    @Override
    public List<String> paths() {
      List<String> out = new ArrayList<>(List.of(train, test));
      if (transfer != null) {
        out.addAll(List.of(transfer, transferData));
      }
      return out;
    }
  }

  /** The keys the soft-label stage reads. */
  static final StageParams PARAMS =
      StageParams.of(
              "soft-labels",
              Params.with(
                  Params.TEACHER_INPUT,
                  Params.SOFT_LABELS_TEMPERATURE,
                  Params.SOFT_LABELS_BATCH_SIZE,
                  Params.SOFT_LABELS_TOP_K,
                  Params.SOFT_LABELS_TRANSFER_COPIES,
                  Params.SOFT_LABELS_TRANSFER_JITTER,
                  Params.TRAINING_SEED))
          // Where earlier soft labels are kept changes what is computed, not what is produced.
          .execution(Params.SOFT_LABELS_CACHE);

  static Output run(PipelineContext ctx, DataStage.Output data, TeacherStage.Output teacher) {
    RunConfig c = ctx.config();
    double temperature = c.get(Params.SOFT_LABELS_TEMPERATURE);
    int batch = c.get(Params.SOFT_LABELS_BATCH_SIZE);
    int topK = c.get(Params.SOFT_LABELS_TOP_K);
    int copies = c.get(Params.SOFT_LABELS_TRANSFER_COPIES);
    int shift = c.get(Params.SOFT_LABELS_TRANSFER_JITTER);
    long seed = c.get(Params.TRAINING_SEED);
    String transferKey =
        copies == 0 ? "" : "|transfer " + copies + " x " + shift + "px, seed " + seed;
    String inputs =
        HadoopFiles.sha256Hex(
            teacher.fingerprint()
                + "|"
                + data.data().fingerprint()
                + "|"
                + data.split().fingerprint());
    String teacherOutputs =
        HadoopFiles.sha256Hex(
            "teacher outputs|"
                + teacher.fingerprint()
                + "|"
                + data.data().fingerprint()
                + "|"
                + data.split().fingerprint()
                + "|"
                + batch
                + (topK == 0 ? "|logits" : "|top " + topK + " at T=" + temperature)
                + transferKey);
    return ctx.stages()
        .run(
            "soft-labels",
            inputs,
            Output.class,
            fingerprint -> {
              // The splits first: labelling them checks every row, so a bad row fails the stage
              // before a transfer set is
              // made from the training rows.
              long[] labelled = {0};
              String trainOut =
                  label(ctx, teacher, data.data().train(), DatasetSchema.TRAIN, labelled);
              String testOut =
                  label(ctx, teacher, data.data().test(), DatasetSchema.TEST, labelled);
              String transferData = null;
              long transferRows = 0;
              if (copies > 0) {
                // The transfer set copies the training rows only: no jittered copy of a validation
                // image is trained on.
                String train = data.data().train();
                TransferSetAction.Result transfer =
                    TransferSetAction.of(ctx.spark())
                        .data(data.trainingRows(ctx), train + " (training rows)")
                        .output(ctx.run().transfer(DatasetSchema.TRAIN))
                        .copies(copies)
                        .maxShift(shift)
                        .seed(seed)
                        .execute();
                transferData = transfer.outputPath();
                transferRows = transfer.rows();
              }
              // The transfer set's ids depend on the largest id of the data: never cached. Its
              // training rows keep their ids and have their soft labels in trainOut already: the
              // teacher labels the jittered copies only.
              String transferOut =
                  transferData == null
                      ? null
                      : labelTransfer(ctx, teacher, data, transferData, trainOut, labelled);
              return new Output(
                  trainOut,
                  testOut,
                  transferOut,
                  transferData,
                  transferRows,
                  fingerprint,
                  teacherOutputs,
                  topK,
                  temperature,
                  labelled[0]);
            });
  }

  /**
   * A split's soft labels into the run: from the soft-label cache when one is set (the teacher
   * labels only rows it lacks), else all rows by the teacher; adds the rows labelled to {@code
   * labelled[0]}.
   */
  private static String label(
      PipelineContext ctx,
      TeacherStage.Output teacher,
      String input,
      String name,
      long[] labelled) {
    RunConfig c = ctx.config();
    String cache = c.get(Params.SOFT_LABELS_CACHE);
    if (cache == null) {
      return labelAll(ctx, teacher, input, name, labelled);
    }
    Fingerprint key =
        Fingerprint.of("soft-label cache")
            .add("teacher", teacher.fingerprint())
            .add("teacher-input", String.valueOf(c.teacherInput()))
            .add("temperature", c.get(Params.SOFT_LABELS_TEMPERATURE))
            .add("top-k", c.get(Params.SOFT_LABELS_TOP_K));
    SoftLabelCache.Labelled out =
        SoftLabelCache.label(
            ctx,
            cache,
            key,
            teacher.fingerprint(),
            input,
            name,
            ctx.run().softLabels(name),
            action -> settings(ctx, teacher, action));
    labelled[0] += out.labelledRows();
    return out.path();
  }

  private static String labelAll(
      PipelineContext ctx,
      TeacherStage.Output teacher,
      String input,
      String name,
      long[] labelled) {
    SoftLabelAction.Result r =
        settings(ctx, teacher, SoftLabelAction.of(ctx.spark()))
            .data(input)
            .output(ctx.run().softLabels(name))
            .execute();
    labelled[0] += r.labelledRows();
    return r.outputPath();
  }

  /**
   * The transfer set's soft labels: its training rows' taken from the training split's ({@code
   * trainSoftLabels}, same teacher and settings), the teacher run over its jittered copies only.
   * Only the training rows' soft labels are offered: the copies' ids start above the largest
   * training row's id, which a validation row's id may equal.
   */
  private static String labelTransfer(
      PipelineContext ctx,
      TeacherStage.Output teacher,
      DataStage.Output data,
      String transferData,
      String trainSoftLabels,
      long[] labelled) {
    Dataset<Row> trainingRowsSoftLabels =
        RowIds.presentIn(ctx.read(trainSoftLabels), data.trainingRows(ctx));
    SoftLabelAction.Result r =
        settings(ctx, teacher, SoftLabelAction.of(ctx.spark()))
            .data(transferData)
            .known(trainingRowsSoftLabels, trainSoftLabels + " (training rows)")
            .output(ctx.run().softLabels("transfer"))
            .execute();
    labelled[0] += r.labelledRows();
    return r.outputPath();
  }

  /** The teacher and the soft-label settings of this run, on {@code action}. */
  private static SoftLabelAction settings(
      PipelineContext ctx, TeacherStage.Output teacher, SoftLabelAction action) {
    RunConfig c = ctx.config();
    return action
        .teacher(teacher.model())
        .teacherInput(c.teacherInput())
        .temperature(c.get(Params.SOFT_LABELS_TEMPERATURE))
        .batchSize(c.get(Params.SOFT_LABELS_BATCH_SIZE))
        .topK(c.get(Params.SOFT_LABELS_TOP_K));
  }
}
