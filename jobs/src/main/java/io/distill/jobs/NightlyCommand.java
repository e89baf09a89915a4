package io.distill.jobs;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.nightly.Night;
import io.distill.jobs.nightly.NightsRoot;
import java.time.LocalDate;
import java.time.ZoneOffset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nightly}: the pipeline into {@code <runs-root>/<run-id>} (the run id being today's UTC
 * date unless given), tonight's students scored beside the champion's on the holdout, then {@code
 * <runs-root>/latest} moved to tonight only when the run succeeded and its students are no worse
 * than the champion's ({@link Night}); otherwise the night is recorded "not promoted" and the
 * command exits 3. Rerunning the same night reuses every finished stage and student.
 */
@Command(
    name = "nightly",
    mixinStandardHelpOptions = true,
    description = {
      "The pipeline into DIR/ID (ID: today's UTC date, yyyy-MM-dd, unless given); DIR/latest moves to ID only"
          + " after the run's _SUCCESS and only when its distilled students are no worse than the champion's on the"
          + " holdout (nightly.tolerance); a night not promoted exits 3. A rerun of the same ID reuses finished"
          + " stages."
    })
final class NightlyCommand implements JobCommand {
  static final String LATEST = NightsRoot.LATEST;

  @Option(
      names = "--runs-root",
      paramLabel = "DIR",
      required = true,
      description = "Where the nightly runs go.")
  String root;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "The run's name; default: today's UTC date.")
  String runId = LocalDate.now(ZoneOffset.UTC).toString();

  @Option(
      names = "--keep",
      paramLabel = "N",
      description =
          "Keep the newest N nights' run directories and delete older ones (never the champion's,"
              + " never a directory without a run manifest); default: keep all.")
  Integer keep;

  @Mixin ConfigOptions config = new ConfigOptions();
  @Mixin SessionOptions session = new SessionOptions();

  @Override
  public Runnable plan() {
    if (root.isBlank()) {
      throw new UsageException("nightly: --runs-root must not be blank");
    }
    if (!NightsRoot.isNightId(runId)) {
      throw new UsageException(
          "nightly: --run-id must match [A-Za-z0-9_.-]+ and not be one of "
              + NightsRoot.RESERVED
              + ", cannot be: "
              + runId);
    }
    if (keep != null && keep < 1) {
      throw new UsageException("nightly: --keep must be at least 1, cannot be: " + keep);
    }
    String runsRoot = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    String id = runId;
    String runDir = "run.dir=" + runsRoot + "/" + id;
    RunConfig c = config.load(runDir);
    if (c.get(Params.SOFT_LABELS_CACHE) == null) {
      c = config.load(runDir, "soft-labels.cache=" + runsRoot + "/" + NightsRoot.SOFT_LABELS);
    }
    RunConfig night = c;
    Integer kept = keep;
    return () -> {
      Night.Outcome outcome =
          Night.of(Sessions.create("distill: nightly " + id, session), night, runsRoot, id)
              .keep(kept)
              .execute();
      System.out.println(outcome.line());
      outcome.requirePromoted();
    };
  }
}
