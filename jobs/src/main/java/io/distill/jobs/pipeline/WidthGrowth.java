package io.distill.jobs.pipeline;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.StudentSize;
import io.distill.student.ModelMetrics;
import io.distill.student.TrainedStudent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distil to a target by changing width. Growing ({@code students.target-grow-steps}, {@code
 * students.target-grow-factor}): after the sweep, while no distilled student meets the run's
 * target, a wider MLP trains, beside its hard-label baseline: the sweep's largest MLP with every
 * hidden width times the factor, then that factor wider again, up to the steps allowed, and never
 * to a student that costs as much as the teacher to run (its forward flops: a distilled student is
 * to be cheaper than its teacher). Narrowing ({@code students.target-narrow-steps}): then, while an
 * MLP meets the target and a smaller MLP of the run with as many hidden layers misses it, an MLP
 * with the geometric mean of their widths trains between the two (a bisection on the log of the
 * width), with the settings of the one that meets it, so that the answer is the smallest found and
 * not merely the smallest of the sweep's sizes. A student is judged exactly as the run's answer is
 * ({@link DistillationTarget}), on the validation rows only.
 */
final class WidthGrowth {
  private static final Logger LOG = LoggerFactory.getLogger(WidthGrowth.class);

  private WidthGrowth() {}

  /**
   * Every student, the sweep's then those trained for the target, the names of the sizes trained
   * for the target (grown wider, then narrowed) in order, and why growing stopped short (null when
   * it did not).
   */
  record Result(List<TrainedStudent> models, List<String> grown, String stopped) {}

  /**
   * Grows while the target is not met.
   *
   * @param sizes the sweep's sizes
   * @param trained the sweep's students
   * @param teacherFlops the teacher's forward flops per example (NaN when unknown: an ONNX graph),
   *     read only when a size is to grow
   * @param train trains one more size (its distilled student and its baseline) as the sweep would
   */
  static Result run(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      List<StudentSize> sizes,
      List<TrainedStudent> trained,
      int features,
      int classes,
      DoubleSupplier teacherFlops,
      Function<StudentSize, List<TrainedStudent>> train) {
    RunConfig c = ctx.config();
    Double drop = c.get(Params.STUDENTS_TARGET_ACCURACY_DROP);
    Double agreement = c.get(Params.STUDENTS_TARGET_AGREEMENT);
    int steps = c.get(Params.STUDENTS_TARGET_GROW_STEPS);
    int narrowSteps = c.get(Params.STUDENTS_TARGET_NARROW_STEPS);
    double factor = c.get(Params.STUDENTS_TARGET_GROW_FACTOR);
    Result unchanged = new Result(trained, List.of(), null);
    if ((drop == null && agreement == null) || steps + narrowSteps == 0) {
      return unchanged;
    }
    Optional<StudentSize> largest =
        sizes.stream()
            .filter(s -> s.mlp() && !s.hidden().isEmpty())
            .max(Comparator.comparingLong(s -> mlpParameters(features, s.hidden(), classes)));
    TeacherCheck check = largest.isEmpty() ? null : TeacherCheck.of(ctx, data, soft, trained);
    if (check == null) {
      return unchanged; // no hidden layer to widen, or no validation rows to judge on
    }
    List<TrainedStudent> all = new ArrayList<>(trained);
    Map<String, Long> parameters = new LinkedHashMap<>();
    Map<String, Double> agreements = new LinkedHashMap<>();
    measure(ctx, data, teacher, soft, trained, agreement != null, parameters, agreements);
    Set<String> names = new HashSet<>();
    Map<String, StudentSize> bySize = new LinkedHashMap<>();
    sizes.forEach(s -> bySize.put(s.name(), s));
    names.addAll(bySize.keySet());
    List<String> grown = new ArrayList<>();
    String stopped = null;
    double teacherCost = Double.NaN;
    StudentSize size = largest.get();
    for (int step = 1; step <= steps; step++) {
      Optional<DistillationTarget> target =
          DistillationTarget.of(drop, agreement, check, all, parameters, agreements, grown, null);
      if (target.isEmpty() || target.get().met()) {
        break;
      }
      size = wider(size, factor, names);
      if (step == 1) {
        teacherCost = teacherFlops.getAsDouble();
      }
      double cost = mlpForwardFlops(features, size.hidden(), classes);
      if (cost >= teacherCost) { // false when the teacher's cost is unknown (NaN)
        stopped =
            String.format(
                "growing stopped before %s, which would cost %.1f %% of the teacher's forward flops",
                size.name(), 100 * cost / teacherCost);
        LOG.info(
            "Target: not met; {}: a distilled student is to be cheaper than its teacher", stopped);
        break;
      }
      names.add(size.name());
      LOG.info(
          "Target: not met ({}, the closest, is {}); growing width, {} of at most {}: {} ({}"
              + " parameters)",
          target.get().student(),
          target.get().shortfall(),
          step,
          steps,
          size.name(),
          String.format("%,d", mlpParameters(features, size.hidden(), classes)));
      List<TrainedStudent> more = train.apply(size);
      measure(ctx, data, teacher, soft, more, agreement != null, parameters, agreements);
      all.addAll(more);
      grown.add(size.name());
      bySize.put(size.name(), size);
    }
    for (int step = 1; step <= narrowSteps; step++) {
      Optional<DistillationTarget> target =
          DistillationTarget.of(drop, agreement, check, all, parameters, agreements, grown, null);
      if (target.isEmpty() || !target.get().met()) {
        break;
      }
      String answer = target.get().student();
      StudentSize meets = bySize.get(sizeOf(all, answer));
      if (meets == null || !meets.mlp() || meets.hidden().isEmpty()) {
        break; // a dl4j-json student has no width to narrow
      }
      long meetsParameters = parameters.get(answer);
      // every distilled student smaller than the answer misses the target (the answer is the
      // smallest that meets it); the largest of them that is an MLP of the same depth bounds it
      Optional<StudentSize> misses =
          all.stream()
              .filter(s -> ModelMetrics.DISTILLED.equals(s.role()))
              .filter(s -> parameters.getOrDefault(s.model(), Long.MAX_VALUE) < meetsParameters)
              .map(s -> bySize.get(s.size()))
              .filter(s -> s != null && s.mlp() && s.hidden().size() == meets.hidden().size())
              .max(Comparator.comparingLong(s -> mlpParameters(features, s.hidden(), classes)));
      if (misses.isEmpty()) {
        break;
      }
      List<Integer> between = between(misses.get().hidden(), meets.hidden());
      long betweenParameters = mlpParameters(features, between, classes);
      if (betweenParameters <= mlpParameters(features, misses.get().hidden(), classes)
          || betweenParameters >= meetsParameters) {
        break; // no MLP strictly between the two
      }
      StudentSize narrower = meets.widened(freeName(StudentSize.mlpShape(between), names), between);
      names.add(narrower.name());
      LOG.info(
          "Target: met by {} ({} parameters), missed by {}; narrowing, {} of at most {}: {} ({}"
              + " parameters)",
          answer,
          String.format("%,d", meetsParameters),
          misses.get().name(),
          step,
          narrowSteps,
          narrower.name(),
          String.format("%,d", betweenParameters));
      List<TrainedStudent> more = train.apply(narrower);
      measure(ctx, data, teacher, soft, more, agreement != null, parameters, agreements);
      all.addAll(more);
      grown.add(narrower.name());
      bySize.put(narrower.name(), narrower);
    }
    return new Result(List.copyOf(all), List.copyOf(grown), stopped);
  }

  /** The size of the student named {@code model}. */
  private static String sizeOf(List<TrainedStudent> students, String model) {
    return students.stream()
        .filter(s -> s.model().equals(model))
        .map(TrainedStudent::size)
        .findFirst()
        .orElse(null);
  }

  /** Each hidden layer's geometric mean of the two widths, rounded. */
  static List<Integer> between(List<Integer> narrower, List<Integer> wider) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < wider.size(); i++) {
      out.add((int) Math.round(Math.sqrt((double) narrower.get(i) * wider.get(i))));
    }
    return out;
  }

  /**
   * {@code size} with every hidden width times {@code factor}, rounded, and at least one unit more;
   * named by its shape ("1600x1600"), or with "-grown" where a size of the run has that name.
   */
  static StudentSize wider(StudentSize size, double factor, Set<String> taken) {
    List<Integer> hidden = new ArrayList<>();
    for (int w : size.hidden()) {
      hidden.add((int) Math.max(w + 1L, Math.round(w * factor)));
    }
    return size.widened(freeName(StudentSize.mlpShape(hidden), taken), hidden);
  }

  /** {@code shape}, or with "-grown" where a size of the run has that name. */
  private static String freeName(String shape, Set<String> taken) {
    String name = shape;
    for (int i = 2; taken.contains(name); i++) {
      name = shape + "-grown" + (i == 2 ? "" : "-" + i);
    }
    return name;
  }

  /** An MLP's weights and biases: features → hidden widths → classes. */
  static long mlpParameters(int features, List<Integer> hidden, int classes) {
    long biases = classes;
    for (int w : hidden) {
      biases += w;
    }
    return mlpWeights(features, hidden, classes) + biases;
  }

  /** An MLP's forward flops per example: 2 per weight, as {@code NetworkFlops} counts them. */
  static double mlpForwardFlops(int features, List<Integer> hidden, int classes) {
    return 2.0 * mlpWeights(features, hidden, classes);
  }

  /** An MLP's weights (its dense layers' inputs × outputs), without the biases. */
  private static long mlpWeights(int features, List<Integer> hidden, int classes) {
    long total = 0;
    long in = features;
    for (int w : hidden) {
      total += in * w;
      in = w;
    }
    return total + in * classes;
  }

  /** The distilled students' parameters and (for an agreement target) validation agreements. */
  private static void measure(
      PipelineContext ctx,
      DataStage.Output data,
      TeacherStage.Output teacher,
      SoftLabelStage.Output soft,
      List<TrainedStudent> students,
      boolean agreement,
      Map<String, Long> parameters,
      Map<String, Double> agreements) {
    for (TrainedStudent s : students) {
      if (ModelMetrics.DISTILLED.equals(s.role())) {
        parameters.put(s.model(), EvaluateStage.restore(ctx, s.modelPath()).numParams());
      }
    }
    if (agreement) {
      agreements.putAll(
          DistillationTarget.validationAgreements(ctx, data, teacher, soft, students));
    }
  }
}
