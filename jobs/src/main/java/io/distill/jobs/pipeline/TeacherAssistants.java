package io.distill.jobs.pipeline;

import io.distill.core.HadoopFiles;
import io.distill.student.ModelMetrics;
import io.distill.student.StudentSpec;
import io.distill.student.StudentSweep;
import io.distill.student.TrainedStudent;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.SoftLabelSchema;
import io.distill.teacher.TeacherInput;
import io.distill.trainer.TeacherSignal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Teacher assistants (Mirzadeh et al. 2020, {@code students.assistant = on}), after the sweep: each
 * size after the first is distilled a second time, from the distilled student of the sizes listed
 * before it that is most accurate on validation (the assistant), with the size's own settings. The
 * assistant labels the training split like a teacher ({@link SoftLabelAction} over its model file:
 * its logits), once per assistant; the assisted students of one assistant train as one sweep,
 * without baselines. Validation decides per size: when the assisted student is more accurate, its
 * model is published as the size's distilled student ({@code <size>-distilled}) and the size's own
 * record is dropped (a later run without assistants trains it again); otherwise nothing changes.
 * The test split is not read.
 */
final class TeacherAssistants {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherAssistants.class);

  /** Between a size and its assistant in the assisted student's name. */
  static final String VIA = "-via-";

  private TeacherAssistants() {}

  /** The sweep's models, the chosen ones in place, and each size's choice. */
  record Result(List<TrainedStudent> models, List<AssistantChoice> choices) {}

  /**
   * @param sweep a student sweep set up like the run's (output, records, settings, validation rows)
   * @param rows the rows the students train on, their name, and the dataset they come from (the
   *     training split or the transfer set)
   */
  static Result run(
      PipelineContext ctx,
      DataStage.Output data,
      List<StudentSpec> specs,
      List<TrainedStudent> trained,
      Dataset<Row> rows,
      String rowsName,
      String rowsSource,
      String dataFingerprint,
      UnaryOperator<StudentSweep> sweep) {
    Map<String, TrainedStudent> distilled = new LinkedHashMap<>();
    for (TrainedStudent t : trained) {
      if (ModelMetrics.DISTILLED.equals(t.role())) {
        distilled.put(t.size(), t);
      }
    }
    Map<String, List<StudentSpec>> byAssistant = new LinkedHashMap<>();
    Map<String, TrainedStudent> assistants = new LinkedHashMap<>();
    Map<String, String> sizeOf = new LinkedHashMap<>(); // assisted spec name -> its size
    for (int i = 1; i < specs.size(); i++) {
      TrainedStudent best = null;
      for (int j = 0; j < i; j++) {
        TrainedStudent candidate = distilled.get(specs.get(j).name());
        if (candidate != null
            && !Double.isNaN(candidate.validationAccuracy())
            && (best == null || candidate.validationAccuracy() > best.validationAccuracy())) {
          best = candidate;
        }
      }
      if (best == null || !distilled.containsKey(specs.get(i).name())) {
        continue;
      }
      assistants.put(best.model(), best);
      String name = specs.get(i).name() + VIA + best.size();
      sizeOf.put(name, specs.get(i).name());
      byAssistant
          .computeIfAbsent(best.model(), k -> new ArrayList<>())
          .add(specs.get(i).named(name));
    }
    Map<String, TrainedStudent> assisted = new LinkedHashMap<>();
    for (Map.Entry<String, List<StudentSpec>> e : byAssistant.entrySet()) {
      TrainedStudent assistant = assistants.get(e.getKey());
      // The rows the students train on (the training rows, or the transfer set), and the whole
      // training split for the validation rows.
      String split = data.data().train();
      String labels = label(ctx, split, "assistant-" + assistant.model(), assistant);
      String trainingLabels =
          rowsSource.equals(split)
              ? labels
              : label(ctx, rowsSource, "assistant-" + assistant.model() + "-transfer", assistant);
      LOG.info(
          "Teacher assistant {}: distilling {} from it",
          assistant.model(),
          e.getValue().stream().map(StudentSpec::name).toList());
      for (TrainedStudent t :
          sweep
              .apply(StudentSweep.of(ctx.spark()))
              .specs(e.getValue())
              .baselines(false)
              .trainingData(rows, rowsName)
              .trainingSoftLabels(ctx.read(trainingLabels), trainingLabels)
              .validationSoftLabels(ctx.read(labels), labels)
              .teacher(TeacherSignal.logits(SoftLabelSchema.TEACHER_LOGITS))
              .dataFingerprint(
                  dataFingerprint
                      + "|assistant "
                      + HadoopFiles.sha256(assistant.modelPath(), ctx.hadoop()))
              .execute()) {
        assisted.put(sizeOf.get(t.size()), t);
      }
    }
    List<AssistantChoice> choices = new ArrayList<>();
    List<TrainedStudent> out = new ArrayList<>();
    for (TrainedStudent t : trained) {
      TrainedStudent a = ModelMetrics.DISTILLED.equals(t.role()) ? assisted.get(t.size()) : null;
      if (a == null) {
        out.add(t);
        continue;
      }
      String assistantSize = a.size().substring(t.size().length() + VIA.length());
      boolean wins = a.validationAccuracy() > t.validationAccuracy();
      AssistantChoice choice =
          new AssistantChoice(
              t.size(),
              assistantSize,
              a.model(),
              t.validationAccuracy(),
              a.validationAccuracy(),
              wins);
      LOG.info("Teacher assistant, {}", choice.line());
      choices.add(choice);
      out.add(wins ? adopt(ctx, t, a) : t);
    }
    return new Result(out, choices);
  }

  /** The assistant's logits over the dataset at {@code input}, as soft labels {@code name}. */
  private static String label(
      PipelineContext ctx, String input, String name, TrainedStudent assistant) {
    return SoftLabelAction.of(ctx.spark())
        .teacher(assistant.modelPath())
        .teacherInput(TeacherInput.AS_IS)
        .data(input)
        .output(ctx.run().softLabels(name))
        .temperature(1.0) // the assisted students read the logits, which T does not change
        .execute()
        .outputPath();
  }

  /** The assisted student becomes the size's distilled student, under its name and path. */
  private static TrainedStudent adopt(
      PipelineContext ctx, TrainedStudent direct, TrainedStudent assisted) {
    String path = direct.modelPath();
    HadoopFiles.publishCopy(assisted.modelPath(), path, ctx.hadoop());
    // Its file now holds the assisted student: the record of the size's own must not find it.
    ctx.run().studentRecords().delete(direct.model());
    return new TrainedStudent(
        direct.model(),
        direct.role(),
        direct.size(),
        direct.temperature(),
        direct.alpha(),
        path,
        assisted.history(),
        assisted.trainingSeconds(),
        assisted.trainedNow(),
        null,
        assisted.keptEpoch());
  }
}
