package io.distill.jobs.nightly;

import io.distill.core.HadoopFiles;
import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.pipeline.DistillPipeline;
import io.distill.jobs.pipeline.HoldoutScore;
import io.distill.jobs.pipeline.RunDirectory;
import io.distill.jobs.pipeline.RunLease;
import io.distill.jobs.pipeline.RunResults;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One night of continuous distillation: the pipeline into {@code <runs-root>/<night>} with every
 * student scored beside the champion's on the holdout, then, holding the runs root's lease, the
 * promotion decided ({@link Promotion}), the night's rows published to the nights table, {@code
 * latest} moved when promoted, {@code nights.md} rewritten and (with {@link #keep}) old nights
 * deleted. A night that fails publishes nothing of this; a night not promoted is recorded with its
 * figures and leaves {@code latest} where it was.
 */
public final class Night {
  private static final Logger LOG = LoggerFactory.getLogger(Night.class);

  /** Nights shown in {@code nights.md}. */
  static final int REPORTED_NIGHTS = 14;

  private final SparkSession spark;
  private final RunConfig config;
  private final NightsRoot root;
  private final String night;
  private Integer keep;

  private Night(SparkSession spark, RunConfig config, String runsRoot, String night) {
    this.spark = spark;
    this.config = config;
    this.root = new NightsRoot(runsRoot, spark.sparkContext().hadoopConfiguration());
    this.night = night;
  }

  /** Night {@code night} under {@code runsRoot}; {@code config}'s run.dir must be its run. */
  public static Night of(SparkSession spark, RunConfig config, String runsRoot, String night) {
    return new Night(spark, config, runsRoot, night);
  }

  /** Keeps the newest {@code nights} run directories (null: all). */
  public Night keep(Integer nights) {
    this.keep = nights;
    return this;
  }

  /** What the night did: promoted or not, why, and the rows it recorded. */
  public record Outcome(String night, Promotion promotion, List<NightRecord> rows) {
    public String line() {
      return "Nightly run "
          + night
          + (promotion.promoted() ? " promoted: " : " NOT promoted: ")
          + promotion.reason();
    }

    /**
     * @throws NightNotPromotedException when the night was not promoted
     */
    public void requirePromoted() {
      if (!promotion.promoted()) {
        throw new NightNotPromotedException(line());
      }
    }
  }

  public Outcome execute() {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Optional<String> champion = root.champion();
    // A rerun of the champion's own night compares with, and continues from, what it did the first
    // time (so that its finished stages are reused), not with itself.
    String championRun =
        champion.isPresent() && champion.get().equals(night)
            ? comparedWith(night)
            : champion.map(root::run).orElse(null);
    LOG.info(
        "Nightly {}: champion {}",
        night,
        champion.map(c -> "night " + c).orElse("none yet (the first night)"));
    if (champion.isPresent() && champion.get().compareTo(night) > 0) {
      // Nothing this night could produce would be promoted: do not spend the cluster on it.
      Outcome refused =
          new Outcome(night, Promotion.decide(night, champion.get(), List.of(), 0), List.of());
      LOG.warn(refused.line());
      return refused;
    }
    DistillPipeline.Result result =
        DistillPipeline.of(spark, config).holdout(championRun).execute();
    RunDirectory run = new RunDirectory(result.runDir(), hadoop);
    if (!run.exists(run.path(RunDirectory.SUCCESS))) {
      throw new IllegalStateException(
          "Run " + result.runDir() + " has no _SUCCESS; " + NightsRoot.LATEST + " not moved");
    }
    try (RunLease lease =
        RunLease.acquire(
            root.root(), hadoop, Duration.ofSeconds(config.get(Params.RUN_LEASE_TIMEOUT)))) {
      // Under the lease: the champion as it is now, which another night may have changed.
      Optional<String> now = root.champion();
      Promotion promotion =
          now.equals(champion)
              ? Promotion.decide(
                  night,
                  champion.orElse(null),
                  result.holdout(),
                  config.get(Params.NIGHTLY_TOLERANCE))
              : new Promotion(
                  false,
                  "the champion changed to "
                      + now.orElse("none")
                      + " while this night ran: rerun the night to compare with it");
      List<NightRecord> rows =
          records(result, championRun == null ? null : new Path(championRun).getName(), promotion);
      root.writeNight(spark, night, rows);
      if (promotion.promoted()) {
        root.promote(night);
      }
      List<NightRecord> all = root.nights(spark);
      HadoopFiles.publishFile(
          root.root() + "/" + NightsRoot.NIGHTS_REPORT,
          hadoop,
          out ->
              out.write(
                  NightsReport.render(all, REPORTED_NIGHTS).getBytes(StandardCharsets.UTF_8)));
      if (keep != null) {
        Set<String> protect = new HashSet<>(List.of(night));
        root.champion().ifPresent(protect::add);
        root.prune(keep, protect);
      }
      Outcome outcome = new Outcome(night, promotion, rows);
      if (promotion.promoted()) {
        LOG.info(outcome.line());
      } else {
        LOG.warn(outcome.line());
      }
      return outcome;
    }
  }

  /** The champion run night {@code id} was compared with when it last ran (null: none). */
  private String comparedWith(String id) {
    RunDirectory run = new RunDirectory(root.run(id), spark.sparkContext().hadoopConfiguration());
    if (!run.exists(run.path(RunDirectory.MANIFEST))) {
      return null;
    }
    Object holdout = RunResults.of(spark, run.root()).manifest().get("holdout");
    Object champion = holdout instanceof Map<?, ?> m ? m.get("champion") : null;
    return champion instanceof String s ? s : null;
  }

  private List<NightRecord> records(
      DistillPipeline.Result result, String champion, Promotion promotion) {
    Map<?, ?> manifest = RunResults.of(spark, result.runDir()).manifest();
    Map<?, ?> data = (Map<?, ?>) manifest.get("data");
    Map<?, ?> rows = (Map<?, ?>) data.get("rows");
    long training = number(rows.get("training"));
    long validation = number(rows.get("validation"));
    long before = 0;
    if (champion != null && !champion.equals(night)) {
      Map<?, ?> theirs =
          (Map<?, ?>)
              ((Map<?, ?>) RunResults.of(spark, root.run(champion)).manifest().get("data"))
                  .get("rows");
      before = number(theirs.get("training")) + number(theirs.get("validation"));
    }
    Map<?, ?> teacher = (Map<?, ?>) manifest.get("teacher");
    Map<?, ?> soft = (Map<?, ?>) manifest.get("softLabels");
    long labelled = soft == null ? 0 : number(soft.get("labelledRows"));
    double softSeconds = seconds(result, "soft-labels");
    double studentSeconds = seconds(result, "students");
    double total =
        result.stages().values().stream()
            .mapToDouble(m -> ((Number) m.get("seconds")).doubleValue())
            .sum();
    List<NightRecord> out = new ArrayList<>();
    for (HoldoutScore s : result.holdout()) {
      out.add(
          new NightRecord(
              night,
              s.model(),
              s.role(),
              s.size(),
              String.valueOf(data.get("sha256")),
              String.valueOf(teacher.get("sha256")),
              training,
              validation,
              Math.max(0, training + validation - before),
              labelled,
              s.examples(),
              s.errors(),
              s.accuracy(),
              s.teacherAgreement(),
              s.newRowsAgreement(),
              s.contested() ? champion : null,
              s.championErrors(),
              s.championAccuracy(),
              promotion.promoted(),
              promotion.reason(),
              softSeconds,
              studentSeconds,
              total));
    }
    return out;
  }

  private static double seconds(DistillPipeline.Result result, String stage) {
    Map<String, Object> m = result.stages().get(stage);
    return m == null ? 0 : ((Number) m.get("seconds")).doubleValue();
  }

  private static long number(Object o) {
    return o == null ? 0 : ((Number) o).longValue();
  }
}
