package io.distill.bench;

import io.distill.jobs.nightly.NightRecord;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The nightly benchmark's section: a row per night and distilled student, then the ratios. */
final class NightlyTable {
  private NightlyTable() {}

  static String render(
      List<NightRecord> records, List<Map<String, Object>> nights, String command, String machine) {
    StringBuilder b = new StringBuilder("## A simulated week of nightly distillation\n\n");
    b.append("Command: `").append(command).append("` (").append(machine).append(")\n\n");
    b.append(
        "Full MNIST arriving in date partitions (night 1: half the training split; night 2: a tenth"
            + " of night 1's rows more; nights 3-7: the rest in five parts); the test split fixed."
            + " conf/nightly.conf: the holdout is the rows whose id hashes below 10 % (never"
            + " trained on by any night), soft labels are kept per teacher in the runs root, and"
            + " tonight's students replace the champion only when each distilled size is no worse"
            + " by more than 0.2 points on the holdout. Seconds are each stage's own (0 when"
            + " reused); *labelled* = rows the teacher ran on.\n\n");
    b.append(
        "| night | what happened | rows added | labelled | soft labels s | students s | night s |"
            + " size | holdout errors | champion's | promoted | why |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|---|\n");
    double firstSoft = Double.NaN;
    double secondSoft = Double.NaN;
    long firstRows = 0;
    long secondRows = 0;
    for (Map<String, Object> night : nights) {
      String id = (String) night.get("night");
      for (NightRecord r : records) {
        if (!r.night().equals(id) || !"distilled".equals(r.role())) {
          continue;
        }
        if (id.endsWith("-01")) {
          firstSoft = r.softLabelSeconds();
          firstRows = r.rowsAdded();
        } else if (id.endsWith("-02")) {
          secondSoft = r.softLabelSeconds();
          secondRows = r.rowsAdded();
        }
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %,d | %,d | %.1f | %.1f | %.0f | %s | %,d of %,d | %s | %s | %s |%n",
                id,
                night.get("what"),
                r.rowsAdded(),
                r.teacherRowsLabelled(),
                r.softLabelSeconds(),
                r.studentSeconds(),
                (Double) night.get("seconds"),
                r.size(),
                r.holdoutErrors(),
                r.holdoutExamples(),
                r.championErrors() == null ? "—" : String.format("%,d", r.championErrors()),
                r.promoted() ? "yes" : "**no**",
                r.reason().replace("|", "\\|")));
      }
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%nNight 2 added %,d rows to night 1's %,d (%.1f %%): its soft-label stage (anti-join on"
                + " id, the teacher on the new rows, the copy into the run) took %.1f s against"
                + " night 1's %.1f s, **%.1f %%** (target: at most 15 %%).%n",
            secondRows,
            firstRows,
            100.0 * secondRows / firstRows,
            secondSoft,
            firstSoft,
            100 * secondSoft / firstSoft));
    return b.toString();
  }
}
