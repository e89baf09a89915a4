package io.distill.jobs.report;

import io.distill.student.ModelMetrics;
import io.distill.student.PairedComparison;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * What a run's models show, computed once for the run report and for {@code bench/quality}: the
 * teacher; per student size (a name of the sweep) its distilled student beside its hard-label
 * baseline; per shape (sizes of the same network, T and α listed under several names and seeds) the
 * mean and spread of their errors; the share of the baseline→teacher gap distillation closes; and
 * the verdict the report leads with.
 *
 * <p>The metrics must hold at most one teacher and, per student size, exactly one distilled and one
 * baseline student; model names must be unique and every model must have been measured on the same
 * number of test examples. Anything else is refused with an {@link IllegalArgumentException} naming
 * the size or model.
 *
 * @param teacher the teacher, if the run has one
 * @param sizes the student sizes, ordered by the distilled student's parameters, then name
 * @param shapes the sizes grouped by shape, T and α, in the same order
 */
public record RunSummary(
    Optional<ModelMetrics> teacher, List<SizeSummary> sizes, List<ShapeSummary> shapes) {
  public RunSummary {
    Objects.requireNonNull(teacher, "teacher");
    sizes = List.copyOf(sizes);
    shapes = List.copyOf(shapes);
  }

  /**
   * One student size: its distilled student beside its hard-label baseline.
   *
   * @param gain baseline errors − distilled errors (positive when distillation helped)
   * @param gapClosed gain / (baseline errors − teacher errors); empty without a teacher or when
   *     that is not positive
   */
  public record SizeSummary(
      String size,
      ModelMetrics distilled,
      ModelMetrics baseline,
      long gain,
      OptionalDouble gapClosed) {
    /** The gap closed as a percentage with one decimal ("83.5%"), or "n/a". */
    public String gapClosedText() {
      return gapClosed.isPresent() ? Formats.percent(gapClosed.getAsDouble(), 1) : Formats.NA;
    }
  }

  /**
   * The sizes of one shape, T and α (one per seed): errors as mean and sample standard deviation,
   * per seed in the sweep's order, and the gap closed on the means.
   */
  public record ShapeSummary(
      String shape, double temperature, double alpha, List<SizeSummary> seeds) {
    public List<Long> baselineErrors() {
      return seeds.stream().map(s -> s.baseline().testErrors()).toList();
    }

    public List<Long> distilledErrors() {
      return seeds.stream().map(s -> s.distilled().testErrors()).toList();
    }

    public double baselineMean() {
      return mean(baselineErrors());
    }

    public double distilledMean() {
      return mean(distilledErrors());
    }

    public double baselineSd() {
      return sd(baselineErrors());
    }

    public double distilledSd() {
      return sd(distilledErrors());
    }

    /** Whether the distilled students make fewer errors than the baselines, on the mean. */
    public boolean distillationWins() {
      return distilledMean() < baselineMean();
    }

    /**
     * (baseline mean − distilled mean) / (baseline mean − teacher errors), when that denominator is
     * positive.
     */
    public OptionalDouble gapClosed(Optional<ModelMetrics> teacher) {
      if (teacher.isEmpty() || !(baselineMean() - teacher.get().testErrors() > 0)) {
        return OptionalDouble.empty();
      }
      return OptionalDouble.of(
          (baselineMean() - distilledMean()) / (baselineMean() - teacher.get().testErrors()));
    }

    /** The first seed's distilled student (its parameters, bytes and speed stand for the shape). */
    public ModelMetrics distilled() {
      return seeds.get(0).distilled();
    }
  }

  /**
   * Validates and pairs {@code metrics} (see the class comment).
   *
   * @param shapeOfSize the shape of each size name (e.g. "800x800" for sizes "800x800-s1" and
   *     "800x800-s2"); a size it does not name is its own shape
   */
  public static RunSummary of(List<ModelMetrics> metrics, Map<String, String> shapeOfSize) {
    Objects.requireNonNull(metrics, "metrics");
    Map<String, Integer> positions = new HashMap<>();
    ModelMetrics teacher = null;
    Map<String, ModelMetrics> distilled = new LinkedHashMap<>();
    Map<String, ModelMetrics> baseline = new LinkedHashMap<>();
    for (int i = 0; i < metrics.size(); i++) {
      ModelMetrics m = metrics.get(i);
      if (m == null) {
        throw new IllegalArgumentException("The run's metrics hold null at position " + i);
      }
      if (m.model() == null || m.model().isBlank()) {
        throw new IllegalArgumentException(
            "The model at position " + i + " of the run's metrics has no name: " + m);
      }
      Integer earlier = positions.putIfAbsent(m.model(), i);
      if (earlier != null) {
        throw new IllegalArgumentException(
            "Duplicate model name '"
                + m.model()
                + "' (positions "
                + earlier
                + " and "
                + i
                + " of the run's metrics); each model of a run needs a unique name");
      }
      String role = m.role() == null ? "" : m.role();
      switch (role) {
        case ModelMetrics.TEACHER -> {
          if (teacher != null) {
            throw new IllegalArgumentException(
                "The run's metrics hold two teachers, '"
                    + teacher.model()
                    + "' and '"
                    + m.model()
                    + "'; a run has one teacher");
          }
          teacher = m;
        }
        case ModelMetrics.DISTILLED, ModelMetrics.BASELINE -> {
          if (m.size() == null || m.size().isBlank()) {
            throw new IllegalArgumentException(
                "The " + role + " student '" + m.model() + "' has no size");
          }
          Map<String, ModelMetrics> bySize =
              role.equals(ModelMetrics.DISTILLED) ? distilled : baseline;
          ModelMetrics other = bySize.putIfAbsent(m.size(), m);
          if (other != null) {
            throw new IllegalArgumentException(
                "Student size "
                    + m.size()
                    + " has two "
                    + role
                    + " students, '"
                    + other.model()
                    + "' and '"
                    + m.model()
                    + "'; each size needs exactly one distilled and one baseline"
                    + " student");
          }
        }
        default ->
            throw new IllegalArgumentException(
                "Model '"
                    + m.model()
                    + "' has role '"
                    + m.role()
                    + "'; expected "
                    + ModelMetrics.TEACHER
                    + ", "
                    + ModelMetrics.DISTILLED
                    + " or "
                    + ModelMetrics.BASELINE);
      }
    }
    requirePairs(distilled, baseline);
    requireOneTestSet(metrics);
    List<SizeSummary> sizes = new ArrayList<>();
    for (ModelMetrics d : distilled.values()) {
      ModelMetrics b = baseline.get(d.size());
      long gain = b.testErrors() - d.testErrors();
      OptionalDouble gap = OptionalDouble.empty();
      if (teacher != null && b.testErrors() - teacher.testErrors() > 0) {
        gap = OptionalDouble.of((double) gain / (b.testErrors() - teacher.testErrors()));
      }
      sizes.add(new SizeSummary(d.size(), d, b, gain, gap));
    }
    sizes.sort(
        Comparator.comparingLong((SizeSummary s) -> s.distilled().parameters())
            .thenComparing(SizeSummary::size));
    Map<String, List<SizeSummary>> byShape = new LinkedHashMap<>();
    for (SizeSummary s : sizes) {
      String shape = shapeOfSize.getOrDefault(s.size(), s.size());
      byShape
          .computeIfAbsent(
              shape + "|" + s.distilled().temperature() + "|" + s.distilled().alpha(),
              k -> new ArrayList<>())
          .add(s);
    }
    List<ShapeSummary> shapes = new ArrayList<>();
    byShape
        .values()
        .forEach(
            seeds ->
                shapes.add(
                    new ShapeSummary(
                        shapeOfSize.getOrDefault(seeds.get(0).size(), seeds.get(0).size()),
                        seeds.get(0).distilled().temperature(),
                        seeds.get(0).distilled().alpha(),
                        seeds)));
    return new RunSummary(Optional.ofNullable(teacher), sizes, shapes);
  }

  /** {@link #of(List, Map)} with every size its own shape. */
  public static RunSummary of(List<ModelMetrics> metrics) {
    return of(metrics, Map.of());
  }

  private static void requirePairs(
      Map<String, ModelMetrics> distilled, Map<String, ModelMetrics> baseline) {
    List<String> unpaired = new ArrayList<>();
    for (ModelMetrics d : distilled.values()) {
      if (!baseline.containsKey(d.size())) {
        unpaired.add(
            "size " + d.size() + " has a distilled student ('" + d.model() + "') but no baseline");
      }
    }
    for (ModelMetrics b : baseline.values()) {
      if (!distilled.containsKey(b.size())) {
        unpaired.add(
            "size "
                + b.size()
                + " has a baseline student ('"
                + b.model()
                + "') but no distilled student");
      }
    }
    if (!unpaired.isEmpty()) {
      throw new IllegalArgumentException(
          "Students come in pairs of one size, distilled beside its hard-label"
              + " baseline: "
              + String.join("; ", unpaired));
    }
  }

  private static void requireOneTestSet(List<ModelMetrics> metrics) {
    TreeMap<Long, List<String>> examples = new TreeMap<>();
    for (ModelMetrics m : metrics) {
      examples.computeIfAbsent(m.testExamples(), k -> new ArrayList<>()).add(m.model());
    }
    if (examples.size() > 1) {
      List<String> groups = new ArrayList<>();
      examples.forEach((n, models) -> groups.add(n + " (" + String.join(", ", models) + ")"));
      throw new IllegalArgumentException(
          "The models were measured on different numbers of test examples, so their"
              + " errors cannot be compared: "
              + String.join("; ", groups));
    }
  }

  /** The size of this name, if the run has it. */
  /** The first shape of that name (e.g. "800x800", over its seeds), if the sweep has it. */
  public Optional<ShapeSummary> findShape(String shape) {
    return shapes.stream().filter(s -> s.shape().equals(shape)).findFirst();
  }

  public Optional<SizeSummary> find(String size) {
    return sizes.stream().filter(s -> s.size().equals(size)).findFirst();
  }

  /** Every model: the teacher first, then per size the baseline and the distilled student. */
  public List<ModelMetrics> models() {
    List<ModelMetrics> models = new ArrayList<>();
    teacher.ifPresent(models::add);
    for (SizeSummary s : sizes) {
      models.add(s.baseline());
      models.add(s.distilled());
    }
    return models;
  }

  /** The test examples every model was measured on; -1 for a run without models. */
  public long testExamples() {
    List<ModelMetrics> models = models();
    return models.isEmpty() ? -1 : models.get(0).testExamples();
  }

  /** The student sizes' names, in order. */
  public List<String> sizeNames() {
    return sizes.stream().map(SizeSummary::size).toList();
  }

  /**
   * The report's first sentence: at how many shapes distillation beat the hard-label baseline (on
   * the mean over seeds), and the smallest distilled student that keeps at least 99 % of the
   * teacher's accuracy (else the most accurate one) with the share of the teacher's parameters it
   * needs and its throughput against the teacher's.
   */
  public String verdict() {
    if (shapes.isEmpty()) {
      return "The run has no students.";
    }
    long wins = shapes.stream().filter(ShapeSummary::distillationWins).count();
    long ties = shapes.stream().filter(s -> s.distilledMean() == s.baselineMean()).count();
    long losses = shapes.size() - wins - ties;
    StringBuilder b =
        new StringBuilder(
            "Distilled students beat their hard-label baselines at "
                + wins
                + " of "
                + shapes.size()
                + " size"
                + (shapes.size() == 1 ? "" : "s")
                + (shapes.stream().anyMatch(s -> s.seeds().size() > 1)
                    ? " (mean test errors over the seeds)"
                    : "")
                + (ties + losses == 0
                    ? ""
                    : ", tie at " + ties + " and lose at " + (losses == 0 ? "none" : losses))
                + beyondNoise()
                + ".");
    if (teacher.isPresent()) {
      // Smallest first: by forward flops (what serving costs), then parameters.
      ModelMetrics t = teacher.get();
      Comparator<ShapeSummary> bySize =
          Comparator.comparingDouble((ShapeSummary s) -> s.distilled().forwardFlops())
              .thenComparingLong(s -> s.distilled().parameters());
      ShapeSummary smallest = shapes.stream().min(bySize).orElseThrow();
      ShapeSummary best =
          shapes.stream().max(Comparator.comparingDouble(s -> keeps(s, t))).orElseThrow();
      b.append(" The smallest distilled student, ")
          .append(cost(smallest, t))
          .append(", keeps ")
          .append(Formats.percent(keeps(smallest, t), 1))
          .append(" of the teacher's accuracy");
      if (best != smallest) {
        b.append("; the most accurate, ")
            .append(cost(best, t))
            .append(", keeps ")
            .append(Formats.percent(keeps(best, t), 1));
      }
      b.append('.');
      shapes.stream()
          .filter(s -> keeps(s, t) >= 0.99)
          .min(bySize)
          .filter(s -> s != smallest && s != best)
          .ifPresent(
              s ->
                  b.append(" The smallest that keeps 99% of the teacher's accuracy: ")
                      .append(cost(s, t))
                      .append('.'));
    }
    return b.toString();
  }

  /**
   * How many of the one-seed shapes' differences go beyond the test rows' noise (McNemar's exact
   * test, {@link PairedComparison#SIGNIFICANCE}): "; beyond the test split's noise (McNemar p <
   * 0.05): 2 of the 3 wins, not the loss", or "" when no such shape has paired counts or every one
   * ties.
   */
  private String beyondNoise() {
    List<PairedComparison> measured =
        shapes.stream()
            .filter(s -> s.seeds().size() == 1)
            .map(s -> s.distilled().paired())
            .flatMap(Optional::stream)
            .toList();
    if (measured.isEmpty()) {
      return "";
    }
    long wins = measured.stream().filter(p -> p.gain() > 0).count();
    long losses = measured.stream().filter(p -> p.gain() < 0).count();
    long realWins = measured.stream().filter(p -> p.gain() > 0 && p.significant()).count();
    long realLosses = measured.stream().filter(p -> p.gain() < 0 && p.significant()).count();
    if (wins + losses == 0) {
      return "";
    }
    return "; beyond the test split's noise (McNemar p < "
        + Formats.fixed(PairedComparison.SIGNIFICANCE, 2)
        + "): "
        + (wins == 0 ? "" : of(realWins, wins, "win"))
        + (wins > 0 && losses > 0 ? ", " : "")
        + (losses == 0 ? "" : of(realLosses, losses, "loss"));
  }

  /** "2 of the 3 wins", "the win", "none of the 2 losses". */
  private static String of(long some, long all, String what) {
    String plural = what.equals("loss") ? "losses" : what + "s";
    if (all == 1) {
      return (some == 1 ? "the " : "not the ") + what;
    }
    return (some == 0 ? "none" : some == all ? "all" : String.valueOf(some))
        + " of the "
        + all
        + " "
        + plural;
  }

  /**
   * A distilled shape's cost beside the teacher's: "30x30 (1.1% of its forward flops, 5.8% of its
   * parameters, 650× its examples per second)"; a figure the teacher lacks is left out.
   */
  private static String cost(ShapeSummary s, ModelMetrics teacher) {
    ModelMetrics d = s.distilled();
    List<String> parts = new ArrayList<>();
    if (d.forwardFlops() > 0 && teacher.forwardFlops() > 0) {
      parts.add(
          Formats.percent(d.forwardFlops() / teacher.forwardFlops(), 1) + " of its forward flops");
    }
    parts.add(
        Formats.percent((double) d.parameters() / teacher.parameters(), 1) + " of its parameters");
    double speedup = d.throughputPerSecond() / teacher.throughputPerSecond();
    if (Double.isFinite(speedup) && speedup > 0) {
      parts.add(Formats.fixed(speedup, 1) + "× its examples per second");
    }
    return s.shape() + " (" + String.join(", ", parts) + ")";
  }

  /** The shape's mean distilled accuracy as a share of the teacher's. */
  private static double keeps(ShapeSummary s, ModelMetrics teacher) {
    double accuracy = 1 - s.distilledMean() / teacher.testExamples();
    return accuracy / teacher.testAccuracy();
  }

  static double mean(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
  }

  /** Sample standard deviation; 0 for one value. */
  static double sd(List<Long> values) {
    if (values.size() < 2) {
      return 0;
    }
    double m = mean(values);
    double sum = 0;
    for (long v : values) {
      sum += (v - m) * (v - m);
    }
    return Math.sqrt(sum / (values.size() - 1));
  }
}
