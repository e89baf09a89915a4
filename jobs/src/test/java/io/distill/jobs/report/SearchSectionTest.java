package io.distill.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.student.SearchPlan;
import io.distill.student.SearchSummary;
import io.distill.student.SearchTrial;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's and the manifest's account of a settings search. */
class SearchSectionTest {

  private static SearchSummary search(SearchTrial... trials) {
    List<SearchSummary.TrialScore> scores =
        List.of(
            new SearchSummary.TrialScore(trials[0], 9, 0.95),
            new SearchSummary.TrialScore(trials[1], 1, Double.NaN),
            new SearchSummary.TrialScore(trials[2], 3, 0.90));
    return new SearchSummary(new SearchPlan(3, 3, 9).rungs(), scores, 0, 15, 9, 12.5);
  }

  @Test
  void givesEveryTrialTheChoiceItsCostAndWhenADistilledStudentBecameItsBaseline() {
    SearchTrial distilled = new SearchTrial(0, 4, 0.5, true, 0.002, 0.85, 42);
    SearchTrial diverged = new SearchTrial(1, 8, 0.1, false, 1e4, 1, 43);
    SearchTrial hard = new SearchTrial(2, Double.NaN, 1, false, 0.004, 1, 44);
    Map<String, SearchSummary> searches = new LinkedHashMap<>();
    searches.put("100x100-distilled", search(distilled, diverged, hard));
    SearchSummary baseline =
        search(
            new SearchTrial(0, Double.NaN, 1, false, 0.002, 0.85, 42),
            new SearchTrial(1, Double.NaN, 1, false, 0.001, 1, 43),
            hard);
    searches.put(
        "30x30-distilled",
        search(distilled, diverged, hard).adopting(new SearchSummary.TrialScore(hard, 9, 0.97)));
    searches.put("30x30-baseline", baseline);
    MarkdownDocument md = new MarkdownDocument();
    SearchSection.write(md, searches);
    String text = md.toString();
    assertTrue(
        text.contains(
            "| 100x100-distilled | 3 | T=4, alpha=0.5, standardised logits, lr=0.002, decay=0.85,"
                + " seed 42 | 95.00% | 15 (1.7×) | 13 |"),
        text);
    assertTrue(
        text.contains("| 30x30-distilled | 3 | hard labels, lr=0.004, decay=1, seed 44 | 97.00%"),
        text);
    assertTrue(
        text.contains(
            "Validation chose α = 1 (hard labels only) for the distilled student of 30x30:"),
        text);
    assertTrue(
        text.contains(
            "| 100x100-distilled | 1 | T=8, alpha=0.1, lr=10000, decay=1, seed 43 | 1 | diverged |"),
        text);

    assertTrue(
        text.contains(
            "| **30x30-distilled** | **baseline's** | **hard labels, lr=0.004, decay=1, seed 44 (adopted:"),
        text);
    Map<String, Object> manifest = SearchSection.asMap(searches);
    Map<?, ?> adopted = (Map<?, ?>) manifest.get("30x30-distilled");
    assertEquals(true, adopted.get("adoptedBaseline"));
    assertEquals(1.0, ((Map<?, ?>) adopted.get("chosen")).get("alpha"));
    Map<?, ?> d = (Map<?, ?>) manifest.get("100x100-distilled");
    assertEquals(false, d.get("adoptedBaseline"));
    assertEquals(3, ((List<?>) d.get("trials")).size());
    assertEquals(null, ((Map<?, ?>) ((List<?>) d.get("trials")).get(1)).get("validationAccuracy"));
  }

  @Test
  void saysNothingWithoutASearch() {
    MarkdownDocument md = new MarkdownDocument();
    SearchSection.write(md, Map.of());
    assertEquals("", md.toString().trim());
  }
}
