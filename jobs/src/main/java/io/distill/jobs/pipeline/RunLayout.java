package io.distill.jobs.pipeline;

import java.util.StringJoiner;

/**
 * Every entry of a run directory, declared once: its path relative to {@code run.dir} and what it
 * holds. The stages reach them through {@link RunDirectory}'s typed accessors, and README.md's
 * layout table is {@link #markdownTable()} (a test keeps the two equal; regenerate with {@code java
 * -cp jobs/target/distill-job.jar io.distill.jobs.pipeline.RunLayout}).
 */
public enum RunLayout {
  MANIFEST(
      "manifest.json",
      "`manifest.json`",
      "the configuration as resolved, data and teacher sha256, code version,"
          + " per-stage status and seconds, run status"),
  DATA(
      "data",
      "`data/`",
      "the imported dataset (`train/`, `test/`), when the input had to be imported"),
  QUARANTINE(
      "quarantine/import",
      "`quarantine/import/<split>/`",
      "rows that failed the import's checks, with the"
          + " reason (only with `data.max-bad-rows` > 0)"),
  TEACHER(
      "teacher",
      "`teacher/model.zip` (+ `.json`)",
      "the trained teacher (DL4J zip) and its sidecar, when the run"
          + " trains one; `teacher/checkpoints-<fingerprint>/` while it trains"),
  TRANSFER(
      "transfer",
      "`transfer/train/`",
      "the transfer set: the training rows and `soft-labels.transfer-copies`"
          + " jittered copies of each (Parquet, as `data/`), when that key is > 0"),
  SOFT_LABELS(
      "soft-labels",
      "`soft-labels/train`, `soft-labels/test` (+ `soft-labels/transfer`)",
      "id, `teacher_logits`,"
          + " `soft_labels` (or `top_k_indices`, `top_k_probabilities`) (Parquet) + `_manifest.json`"),
  STUDENTS(
      "students",
      "`students/<size>-distilled/model.zip`, `students/<size>-baseline/model.zip`",
      "the students (and `checkpoints-<fingerprint>/` beside a model while it trains; with"
          + " `students.search = halving`, each trial's checkpoints in `students/_search/<model>/`"
          + " until its model's search is recorded)"),
  METRICS(
      "metrics",
      "`metrics/`",
      "Parquet, one row per model: errors, accuracy, teacher agreement, KL to the teacher,"
          + " parameters, bytes, latency p50/p95, throughput, training seconds; a distilled student's row also"
          + " `distilled_only_right` / `baseline_only_right` (test rows only it / only its baseline gets right; null"
          + " elsewhere and in tables written before 2026-12-07)"),
  HISTORY(
      "history",
      "`history/`",
      "Parquet, one row per model per epoch: loss, validation accuracy and loss," + " examples/s"),
  REPORT(
      "report",
      "`report/`",
      "`report.md`, `report.html`, `accuracy-vs-parameters.png` (distilled and baseline"
          + " lines, teacher point)"),
  STAGES(
      "_stages",
      "`_stages/`",
      "each finished stage's input fingerprint and output (`_stages/students/<model>.json`"
          + " for each student); a rerun skips stages (and single students) whose inputs did not change"),
  LEASE(
      "_lease.json",
      "`_lease.json`",
      "the running job's lease (host, pid, heartbeat): a second run on the same"
          + " directory is refused naming it"),
  SUCCESS("_SUCCESS", "`_SUCCESS`", "written last: a run directory without it is not complete");

  private final String relative;
  private final String shown;
  private final String what;

  RunLayout(String relative, String shown, String what) {
    this.relative = relative;
    this.shown = shown;
    this.what = what;
  }

  /** The path relative to the run directory, e.g. {@code quarantine/import}. */
  public String relative() {
    return relative;
  }

  /** What it holds, as the README says. */
  public String what() {
    return what;
  }

  /** README.md's table of the run directory. */
  public static String markdownTable() {
    StringJoiner out = new StringJoiner("\n", "", "\n");
    out.add("| path | what |").add("|---|---|");
    for (RunLayout entry : values()) {
      out.add("| " + entry.shown + " | " + entry.what + " |");
    }
    return out.toString();
  }

  /** Prints {@link #markdownTable()}. */
  public static void main(String[] args) {
    System.out.print(markdownTable());
  }
}
