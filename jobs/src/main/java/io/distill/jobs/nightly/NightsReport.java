package io.distill.jobs.nightly;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code nights.md}: the last nights of the nights table as a Markdown table, newest first, one row
 * per night and distilled student: rows added, rows the teacher labelled, holdout errors of
 * tonight's student and of the champion's, agreement with the teacher, promoted or not and why.
 */
final class NightsReport {
  private NightsReport() {}

  static String render(List<NightRecord> rows, int lastNights) {
    Set<String> nights = new LinkedHashSet<>();
    rows.stream().map(NightRecord::night).sorted((a, b) -> b.compareTo(a)).forEach(nights::add);
    List<String> shown = nights.stream().limit(lastNights).toList();
    StringBuilder b = new StringBuilder("# Nightly distillation: the last nights\n\n");
    b.append(
        "Each night's distilled students against the champion's on the holdout (validation rows"
            + " no student trained on). Newest first; the whole history is the Parquet table"
            + " `nights/` beside this file.\n\n");
    b.append(
        "| night | size | rows added | teacher labelled | holdout errors | champion's errors"
            + " | agreement with teacher (holdout / new rows) | promoted | why |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---|---|\n");
    for (String night : shown) {
      for (NightRecord r : rows) {
        if (!r.night().equals(night) || !"distilled".equals(r.role())) {
          continue;
        }
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %,d | %,d | %,d of %,d | %s | %.2f %% / %s | %s | %s |%n",
                r.night(),
                r.size(),
                r.rowsAdded(),
                r.teacherRowsLabelled(),
                r.holdoutErrors(),
                r.holdoutExamples(),
                r.championErrors() == null
                    ? "—"
                    : String.format(Locale.ROOT, "%,d (%s)", r.championErrors(), r.champion()),
                100 * r.teacherAgreement(),
                r.newRowsAgreement() == null
                    ? "—"
                    : String.format(Locale.ROOT, "%.2f %%", 100 * r.newRowsAgreement()),
                r.promoted() ? "yes" : "**no**",
                r.reason().replace("|", "\\|")));
      }
    }
    return b.toString();
  }
}
