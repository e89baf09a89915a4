package io.distill.bench;

import io.distill.jobs.nightly.NightRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The nightly benchmark's section: a row per night (rows added and labelled, seconds, each
 * distilled size's holdout errors against the champion's, promoted or not), then the teacher-time
 * ratio.
 */
final class NightlyTable {
  private NightlyTable() {}

  static String render(
      List<NightRecord> records, List<Map<String, Object>> nights, String command, String machine) {
    Set<String> sizes = new LinkedHashSet<>();
    records.stream().filter(r -> "distilled".equals(r.role())).forEach(r -> sizes.add(r.size()));
    StringBuilder b = new StringBuilder("## A simulated week of nightly distillation\n\n");
    b.append("Command: `").append(command).append("` (").append(machine).append(")\n\n");
    b.append(
        "Full MNIST arriving in date partitions (night 1: half the training split; night 2: a tenth"
            + " of night 1's rows more; nights 3-7: the rest in five parts); the test split fixed."
            + " conf/nightly.conf: the holdout is the rows whose id hashes below 10 % (never"
            + " trained on by any night); soft labels are kept per teacher in the runs root; the"
            + " students continue from the champion's (nightly.students = warm: the rows added"
            + " since the champion and as many earlier ones) and replace it only when each"
            + " distilled size is no worse by more than 0.2 points on the holdout. *Rows added*:"
            + " since the champion's night; *labelled*: rows the teacher ran on; seconds are each"
            + " stage's own; *holdout errors*: tonight's distilled student / the champion's.\n\n");
    List<String> header =
        new ArrayList<>(
            List.of(
                "night",
                "what happened",
                "rows added",
                "labelled",
                "soft labels s",
                "students s",
                "night s"));
    sizes.forEach(s -> header.add(s + " holdout errors"));
    header.add("promoted");
    b.append("| ").append(String.join(" | ", header)).append(" |\n|");
    for (int i = 0; i < header.size(); i++) {
      b.append(i < 2 || i == header.size() - 1 ? "---|" : "---:|");
    }
    b.append('\n');
    double firstSoft = Double.NaN;
    double secondSoft = Double.NaN;
    long firstRows = 0;
    long secondRows = 0;
    for (int n = 0; n < nights.size(); n++) {
      Map<String, Object> night = nights.get(n);
      String id = (String) night.get("night");
      List<NightRecord> rows =
          records.stream()
              .filter(r -> r.night().equals(id) && "distilled".equals(r.role()))
              .toList();
      if (rows.isEmpty()) {
        continue;
      }
      NightRecord first = rows.get(0);
      if (n == 0) {
        firstSoft = first.softLabelSeconds();
        firstRows = first.rowsAdded();
      } else if (n == 1) {
        secondSoft = first.softLabelSeconds();
        secondRows = first.rowsAdded();
      }
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %,d | %,d | %.1f | %.1f | %.0f |",
              id,
              night.get("what"),
              first.rowsAdded(),
              first.teacherRowsLabelled(),
              first.softLabelSeconds(),
              first.studentSeconds(),
              (Double) night.get("seconds")));
      for (String size : sizes) {
        NightRecord r = rows.stream().filter(x -> x.size().equals(size)).findFirst().orElse(null);
        b.append(
            r == null
                ? " — |"
                : String.format(
                    Locale.ROOT,
                    " %,d / %s of %,d |",
                    r.holdoutErrors(),
                    r.championErrors() == null ? "—" : String.format("%,d", r.championErrors()),
                    r.holdoutExamples()));
      }
      b.append(first.promoted() ? " yes |\n" : " **no** (exit 3) |\n");
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%nNight 2 added %,d rows to night 1's %,d (%.1f %%): its soft-label stage (anti-join on"
                + " id, the teacher on the new rows, the copy of the split's soft labels into the run)"
                + " took %.1f s against night 1's %.1f s: **%.1f %%** (target: at most 15 %%).%n",
            secondRows,
            firstRows,
            100.0 * secondRows / firstRows,
            secondSoft,
            firstSoft,
            100 * secondSoft / firstSoft));
    return b.toString();
  }
}
