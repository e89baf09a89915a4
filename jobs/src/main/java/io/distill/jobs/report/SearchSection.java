package io.distill.jobs.report;

import static io.distill.jobs.report.Formats.fixed;
import static io.distill.jobs.report.Formats.percent;

import io.distill.jobs.report.MarkdownDocument.Row;
import io.distill.student.SearchSummary;
import io.distill.student.SearchTrial;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's account of the settings search: per model the setting chosen on validation, its
 * score and the search's cost; which sizes' distilled students chose hard labels; then every trial.
 * Also the same facts as plain values for the run's manifest.
 */
public final class SearchSection {
  private SearchSection() {}

  static void write(MarkdownDocument md, Map<String, SearchSummary> searches) {
    if (searches.isEmpty()) {
      return;
    }
    md.heading(2, "How each student's settings were chosen");
    md.paragraph(
        "Each model's settings were searched on the validation rows by successive halving: many settings"
            + " trained for a few epochs, the best continued for more, until one had trained the full budget. The"
            + " baseline of each size had the same number of trials, rungs and seeds as its distilled student. The"
            + " test split was not read.");
    List<Row> rows = new ArrayList<>();
    List<String> hard = new ArrayList<>();
    searches.forEach(
        (model, s) -> {
          SearchTrial c = s.choice();
          rows.add(
              new Row(
                  false,
                  model,
                  String.valueOf(s.trials().size()),
                  c.describe(),
                  percent(s.choiceAccuracy(), 2),
                  s.costEpochs() + " (" + fixed(s.costEpochs() / (double) s.fullEpochs(), 1) + "×)",
                  fixed(s.seconds(), 0)));
          if (model.endsWith("-distilled") && !c.distils()) {
            hard.add(model.substring(0, model.length() - "-distilled".length()));
          }
        });
    md.table(
        List.of(
            "Model",
            "Trials",
            "Chosen setting",
            "Validation accuracy",
            "Epochs trained (full trainings)",
            "Seconds"),
        new boolean[] {false, true, false, true, true, true},
        rows);
    if (!hard.isEmpty()) {
      md.paragraph(
          "Validation chose α = 1 (hard labels only) for the distilled student of "
              + String.join(", ", hard)
              + ": no distilled setting beat the hard-label ones on validation (a hard-label trial won its"
              + " search, or its best distilled trial ended below the baseline, whose model it then became), so"
              + " for "
              + (hard.size() == 1 ? "this size" : "these sizes")
              + " the \"distilled\" student is a hard-label student and distillation did not help.");
    }
    md.heading(3, "Every trial");
    List<Row> trials = new ArrayList<>();
    searches.forEach(
        (model, s) -> {
          for (SearchSummary.TrialScore t : s.trials()) {
            boolean chosen = s.adopted() == null && t.trial().index() == s.chosen();
            trials.add(
                new Row(
                    chosen,
                    model,
                    String.valueOf(t.trial().index()),
                    t.trial().describe(),
                    String.valueOf(t.epochs()),
                    Double.isNaN(t.validationAccuracy())
                        ? "diverged"
                        : percent(t.validationAccuracy(), 2)));
          }
          if (s.adopted() != null) {
            trials.add(
                new Row(
                    true,
                    model,
                    "baseline's",
                    s.adopted().trial().describe() + " (adopted: it beat every trial above)",
                    String.valueOf(s.adopted().epochs()),
                    percent(s.adopted().validationAccuracy(), 2)));
          }
        });
    md.table(
        List.of("Model", "Trial", "Setting", "Epochs", "Validation accuracy"),
        new boolean[] {false, true, false, true, true},
        trials);
  }

  /** The search of each model as plain values (for the manifest); NaN as null. */
  public static Map<String, Object> asMap(Map<String, SearchSummary> searches) {
    Map<String, Object> out = new LinkedHashMap<>();
    searches.forEach(
        (model, s) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("chosen", trial(s.choice(), s.choiceAccuracy(), s.fullEpochs()));
          m.put("costEpochs", s.costEpochs());
          m.put("fullEpochs", s.fullEpochs());
          m.put("seconds", s.seconds());
          m.put("adoptedBaseline", s.adopted() != null);
          List<Object> trials = new ArrayList<>();
          for (SearchSummary.TrialScore t : s.trials()) {
            trials.add(trial(t.trial(), t.validationAccuracy(), t.epochs()));
          }
          m.put("trials", trials);
          out.put(model, m);
        });
    return out;
  }

  private static Map<String, Object> trial(SearchTrial t, double accuracy, int epochs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trial", t.index());
    m.put("temperature", finite(t.temperature()));
    m.put("alpha", t.alpha());
    m.put("standardisedLogits", t.standardise());
    m.put("dkdBeta", t.dkdBeta());
    m.put("learningRate", finite(t.learningRate()));
    m.put("lrDecay", finite(t.lrDecay()));
    m.put("seed", t.seed());
    m.put("epochs", epochs);
    m.put("validationAccuracy", finite(accuracy));
    return m;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
