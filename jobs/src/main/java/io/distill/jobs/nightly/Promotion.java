package io.distill.jobs.nightly;

import io.distill.jobs.pipeline.HoldoutScore;
import io.distill.student.ModelMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether tonight's run (the challenger) replaces the champion: the decision and its reason in one
 * line. Tonight is promoted when there is no champion yet, or when it is the champion already (a
 * rerun of the same night), or when each distilled student that the champion also has is at most
 * {@code tolerance} percentage points below the champion's on the holdout. It is not promoted when
 * the champion is a later night (a rerun of an older night never demotes a newer champion; run ids
 * are compared as strings, so dates, the default ids, order them), when there was no holdout to
 * compare on, or when any size loses by more than the tolerance.
 *
 * @param promoted whether {@code latest} moves to tonight
 * @param reason one line: why
 */
public record Promotion(boolean promoted, String reason) {

  /** Decides for {@code night} against {@code champion} (null: none yet) on {@code scores}. */
  public static Promotion decide(
      String night, String champion, List<HoldoutScore> scores, double tolerance) {
    if (champion == null) {
      return new Promotion(true, "the first champion");
    }
    if (champion.equals(night)) {
      return new Promotion(true, "already the champion (a rerun of its night)");
    }
    if (champion.compareTo(night) > 0) {
      return new Promotion(
          false,
          "the champion is a later night ("
              + champion
              + "): a rerun of an older night never replaces it");
    }
    List<HoldoutScore> contested =
        scores.stream()
            .filter(s -> ModelMetrics.DISTILLED.equals(s.role()) && s.contested())
            .toList();
    if (contested.isEmpty()) {
      return new Promotion(
          false,
          scores.isEmpty()
              ? "no holdout rows: nothing shows tonight's students are no worse than the champion's"
              : "no distilled student of tonight has a counterpart in the champion's run");
    }
    List<String> losses = new ArrayList<>();
    for (HoldoutScore s : contested) {
      double drop = 100 * (s.championAccuracy() - s.accuracy());
      if (!(drop <= tolerance + 1e-9)) { // 1e-9: 100 × (0.970 − 0.968) is 0.2000000000000018
        losses.add(
            String.format(
                Locale.ROOT,
                "%s %.2f %% vs the champion's %.2f %% (%d vs %d errors of %d)",
                s.size(),
                100 * s.accuracy(),
                100 * s.championAccuracy(),
                s.errors(),
                s.championErrors(),
                s.examples()));
      }
    }
    if (!losses.isEmpty()) {
      return new Promotion(
          false,
          "worse than the champion ("
              + champion
              + ") by more than "
              + String.format(Locale.ROOT, "%.2f", tolerance)
              + " points on the holdout: "
              + String.join("; ", losses));
    }
    return new Promotion(
        true,
        "no worse than the champion ("
            + champion
            + ") within "
            + String.format(Locale.ROOT, "%.2f", tolerance)
            + " points at each of "
            + contested.size()
            + " size(s) on the holdout");
  }
}
