package io.distill.jobs.pipeline;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.StudentSize;
import io.distill.student.ModelMetrics;
import io.distill.student.NetworkWidth;
import io.distill.student.TrainedStudent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distil to a target by changing width, of an MLP (its hidden widths) or of a student given as DL4J
 * JSON (its units and channels, {@link NetworkWidth}, as a size's {@code width} factor). The
 * sweep's sizes fall into families ({@link #sameFamily}: MLPs with as many hidden layers, or one
 * JSON at any width). Growing ({@code students.target-grow-steps}, {@code
 * students.target-grow-factor}): after the sweep, family by family (the one whose largest size is
 * smallest first), while no distilled student of the family meets the run's target, a wider student
 * trains, beside its hard-label baseline: the family's largest size times the factor, then that
 * factor wider again, up to the steps allowed per family, never to a student that costs as much as
 * the teacher to run (its forward flops: a distilled student is to be cheaper than its teacher),
 * and, once some student meets the target, never to one with as many parameters as that answer (it
 * could not be a smaller one). So a sweep of MLPs and CNNs finds the smallest of either that meets
 * it. Narrowing ({@code students.target-narrow-steps}): then, while a student meets the target and
 * a smaller one of the same family misses it (an MLP with as many hidden layers, or the same JSON
 * at another width), a student with the geometric mean of their widths trains between the two (a
 * bisection on the log of the width), with the settings of the one that meets it, so that the
 * answer is the smallest found and not merely the smallest of the sweep's sizes. A student is
 * judged exactly as the run's answer is ({@link DistillationTarget}), on the validation rows only.
 */
final class WidthGrowth {
  private static final Logger LOG = LoggerFactory.getLogger(WidthGrowth.class);

  private WidthGrowth() {}

  /**
   * Every student, the sweep's then those trained for the target, the names of the sizes trained
   * for the target (grown wider, then narrowed) in order, and why growing stopped short (each
   * family's reason, joined by "; "; null when none did).
   */
  record Result(List<TrainedStudent> models, List<String> grown, String stopped) {}

  /**
   * Grows each family while it does not meet the target, then narrows the answer's.
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
    Map<String, StudentCost> costs = new HashMap<>();
    Function<StudentSize, StudentCost> cost =
        s -> costs.computeIfAbsent(s.name(), k -> StudentCost.of(ctx, s, features, classes));
    boolean growable = sizes.stream().anyMatch(WidthGrowth::hasWidth);
    TeacherCheck check = growable ? TeacherCheck.of(ctx, data, soft, trained) : null;
    if (check == null) {
      return unchanged; // no hidden layer to widen, or no validation rows to judge on
    }
    List<TrainedStudent> all = new ArrayList<>(trained);
    Map<String, Long> parameters = new LinkedHashMap<>();
    Map<String, Double> agreements = new LinkedHashMap<>();
    measure(ctx, data, teacher, soft, trained, agreement != null, parameters, agreements);
    // Every size of the run by name, a grown or narrowed one as soon as it is chosen (its name is
    // then taken).
    Map<String, StudentSize> bySize = new LinkedHashMap<>();
    sizes.forEach(s -> bySize.put(s.name(), s));
    List<String> grown = new ArrayList<>();
    List<String> stops = new ArrayList<>();
    Double teacherCost =
        null; // the teacher's flops (NaN when unknown), read when a size first grows
    for (List<StudentSize> family : families(sizes, s -> cost.apply(s).parameters())) {
      Set<String> members = new HashSet<>();
      family.forEach(s -> members.add(s.name()));
      StudentSize size =
          family.stream().max(Comparator.comparingLong(s -> cost.apply(s).parameters())).get();
      for (int step = 1; step <= steps; step++) {
        List<TrainedStudent> ofFamily =
            all.stream().filter(s -> members.contains(s.size())).toList();
        Optional<DistillationTarget> familyTarget =
            DistillationTarget.of(
                drop, agreement, check, ofFamily, parameters, agreements, grown, null);
        if (familyTarget.isEmpty() || familyTarget.get().met()) {
          break; // a student of this family meets the target
        }
        DistillationTarget answer =
            DistillationTarget.of(drop, agreement, check, all, parameters, agreements, grown, null)
                .orElseThrow();
        StudentSize before = size;
        size = wider(size, factor, bySize.keySet());
        if (teacherCost == null) {
          teacherCost = teacherFlops.getAsDouble();
        }
        StudentCost grownCost = cost.apply(size);
        Optional<Halt> halt =
            halt(before, cost.apply(before), size, grownCost, teacherCost, answer);
        if (halt.isPresent()) {
          LOG.info("Target: {}", halt.get().reason());
          if (halt.get().shortfall()) {
            stops.add(halt.get().reason());
          }
          break;
        }
        bySize.put(size.name(), size);
        LOG.info(
            "Target: not met by the family of {} ({}, its closest, is {}); growing width, {} of at"
                + " most {}: {} ({} parameters)",
            family.get(0).name(),
            familyTarget.get().student(),
            familyTarget.get().shortfall(),
            step,
            steps,
            size.name(),
            String.format("%,d", grownCost.parameters()));
        List<TrainedStudent> more = train.apply(size);
        measure(ctx, data, teacher, soft, more, agreement != null, parameters, agreements);
        all.addAll(more);
        grown.add(size.name());
        members.add(size.name());
      }
    }
    String stopped = stops.isEmpty() ? null : String.join("; ", stops);
    for (int step = 1; step <= narrowSteps; step++) {
      Optional<DistillationTarget> target =
          DistillationTarget.of(drop, agreement, check, all, parameters, agreements, grown, null);
      if (target.isEmpty() || !target.get().met()) {
        break;
      }
      String answer = target.get().student();
      StudentSize meets = bySize.get(sizeOf(all, answer));
      if (meets == null || !hasWidth(meets)) {
        break; // softmax regression has no width to narrow
      }
      long meetsParameters = parameters.get(answer);
      // every distilled student smaller than the answer misses the target (the answer is the
      // smallest that meets it); the largest of them of the same family bounds it
      Optional<StudentSize> misses =
          all.stream()
              .filter(s -> ModelMetrics.DISTILLED.equals(s.role()))
              .filter(s -> parameters.getOrDefault(s.model(), Long.MAX_VALUE) < meetsParameters)
              .map(s -> bySize.get(s.size()))
              .filter(s -> s != null && sameFamily(s, meets))
              .max(Comparator.comparingLong(s -> cost.apply(s).parameters()));
      if (misses.isEmpty()) {
        break;
      }
      StudentSize narrower = between(misses.get(), meets, bySize.keySet());
      long betweenParameters = cost.apply(narrower).parameters();
      if (betweenParameters <= cost.apply(misses.get()).parameters()
          || betweenParameters >= meetsParameters) {
        break; // no student strictly between the two
      }
      bySize.put(narrower.name(), narrower);
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
    }
    return new Result(List.copyOf(all), List.copyOf(grown), stopped);
  }

  /**
   * Why a family stops growing before {@code next}.
   *
   * @param shortfall whether it leaves the target short for that family (the answer says why), as
   *     opposed to a student that could not be a smaller answer than the one that meets it
   */
  record Halt(String reason, boolean shortfall) {}

  /**
   * Why a family should not grow from {@code before} to {@code next}, or empty: {@code next} is no
   * wider in effect, or would cost as much as the teacher to run (its forward flops; never when
   * those are unknown, NaN), or some student already meets the target ({@code answer}) with no more
   * parameters than {@code next} would have, so that it could not be a smaller answer.
   */
  static Optional<Halt> halt(
      StudentSize before,
      StudentCost beforeCost,
      StudentSize next,
      StudentCost nextCost,
      double teacherFlops,
      DistillationTarget answer) {
    if (nextCost.parameters() <= beforeCost.parameters()) {
      return Optional.of(
          new Halt(
              "growing stopped at " + before.name() + ": " + next.name() + " is no wider in effect",
              true));
    }
    if (nextCost.flops() >= teacherFlops) {
      return Optional.of(
          new Halt(
              String.format(
                  "growing stopped before %s, which would cost %.1f %% of the teacher's forward"
                      + " flops",
                  next.name(), 100 * nextCost.flops() / teacherFlops),
              true));
    }
    if (answer.met() && nextCost.parameters() >= answer.parameters()) {
      return Optional.of(
          new Halt(
              String.format(
                  "met by %s (%,d parameters); %s would have %,d, so its family grows no further",
                  answer.student(), answer.parameters(), next.name(), nextCost.parameters()),
              false));
    }
    return Optional.empty();
  }

  /** The size of the student named {@code model}. */
  private static String sizeOf(List<TrainedStudent> students, String model) {
    return students.stream()
        .filter(s -> s.model().equals(model))
        .map(TrainedStudent::size)
        .findFirst()
        .orElse(null);
  }

  /**
   * The sweep's sizes with a width to change, by family ({@link #sameFamily}), the family whose
   * largest size has the fewest parameters first: it grows first, so that once a small student
   * meets the target the larger families' growth is bounded by it.
   */
  static List<List<StudentSize>> families(
      List<StudentSize> sizes, ToLongFunction<StudentSize> parameters) {
    List<List<StudentSize>> families = new ArrayList<>();
    for (StudentSize s : sizes) {
      if (!hasWidth(s)) {
        continue;
      }
      Optional<List<StudentSize>> family =
          families.stream().filter(f -> sameFamily(f.get(0), s)).findFirst();
      if (family.isPresent()) {
        family.get().add(s);
      } else {
        families.add(new ArrayList<>(List.of(s)));
      }
    }
    families.sort(
        Comparator.comparingLong(f -> f.stream().mapToLong(parameters).max().getAsLong()));
    return families;
  }

  /** Whether a size has a width to change: an MLP with a hidden layer, or any dl4j-json size. */
  private static boolean hasWidth(StudentSize s) {
    return !s.mlp() || !s.hidden().isEmpty();
  }

  /** MLPs with as many hidden layers, or the same DL4J JSON (at any width). */
  static boolean sameFamily(StudentSize a, StudentSize b) {
    return a.mlp()
        ? b.mlp() && a.hidden().size() == b.hidden().size()
        : !b.mlp() && a.dl4jJson().equals(b.dl4jJson());
  }

  /**
   * A size between two of the same family, with the settings of {@code wider}: each hidden width
   * the geometric mean of theirs (an MLP), or the geometric mean of their width factors (DL4J
   * JSON); named by its shape.
   */
  static StudentSize between(StudentSize narrower, StudentSize wider, Set<String> taken) {
    if (wider.mlp()) {
      List<Integer> hidden = between(narrower.hidden(), wider.hidden());
      return wider.widened(freeName(StudentSize.mlpShape(hidden), taken), hidden);
    }
    return withWidth(wider, Math.sqrt(narrower.widthFactor() * wider.widthFactor()), taken);
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
   * {@code size} with every hidden width times {@code factor}: an MLP's rounded, and at least one
   * unit more; a DL4J JSON's width factor times it. Named by its shape ("1600x1600",
   * "cnn-tiny-x2"), or with "-grown" where a size of the run has that name.
   */
  static StudentSize wider(StudentSize size, double factor, Set<String> taken) {
    if (!size.mlp()) {
      return withWidth(size, size.widthFactor() * factor, taken);
    }
    List<Integer> hidden = new ArrayList<>();
    for (int w : size.hidden()) {
      hidden.add((int) Math.max(w + 1L, Math.round(w * factor)));
    }
    return size.widened(freeName(StudentSize.mlpShape(hidden), taken), hidden);
  }

  /** A DL4J JSON size at width factor {@code width}, named by its shape. */
  private static StudentSize withWidth(StudentSize size, double width, Set<String> taken) {
    String shape = size.withWidth(size.name(), width).shape();
    return size.withWidth(freeName(shape, taken), width);
  }

  /** {@code shape}, or with "-grown" where a size of the run has that name. */
  private static String freeName(String shape, Set<String> taken) {
    String name = shape;
    for (int i = 2; taken.contains(name); i++) {
      name = shape + "-grown" + (i == 2 ? "" : "-" + i);
    }
    return name;
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
