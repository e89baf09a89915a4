package io.distill.jobs.report;

import io.distill.student.SearchSummary;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run's report says about the run itself.
 *
 * @param runId the run's id (required)
 * @param runDir the run's directory, or null
 * @param dataset a description of the dataset (path, split sizes), or null
 * @param teacher how the teacher was made (shape, training data, epoch kept), or null
 * @param stageSeconds wall seconds per stage, in the order the stages ran (a null or NaN value
 *     shows as "—")
 * @param stageWork what each stage processed (rows, examples, flops), by stage name; stages without
 *     are "—"
 * @param configuration the resolved configuration's text, or null
 * @param checks paragraphs the report gives before its verdict (the teacher check, the target's
 *     answer), or null
 * @param searches each searched model's settings search, by model name (empty: no search)
 */
public record RunFacts(
    String runId,
    String runDir,
    String dataset,
    String teacher,
    Map<String, Double> stageSeconds,
    Map<String, StageWork> stageWork,
    String configuration,
    String checks,
    Map<String, SearchSummary> searches) {
  /** Facts without a settings search. */
  public RunFacts(
      String runId,
      String runDir,
      String dataset,
      String teacher,
      Map<String, Double> stageSeconds,
      Map<String, StageWork> stageWork,
      String configuration,
      String checks) {
    this(runId, runDir, dataset, teacher, stageSeconds, stageWork, configuration, checks, null);
  }

  /**
   * Facts without checks (the teacher check and the target's answer: paragraphs, separated by a
   * blank line, that the report gives before its verdict).
   */
  public RunFacts(
      String runId,
      String runDir,
      String dataset,
      String teacher,
      Map<String, Double> stageSeconds,
      Map<String, StageWork> stageWork,
      String configuration) {
    this(runId, runDir, dataset, teacher, stageSeconds, stageWork, configuration, null, null);
  }

  /** Facts without the stages' work. */
  public RunFacts(
      String runId,
      String runDir,
      String dataset,
      String teacher,
      Map<String, Double> stageSeconds,
      String configuration) {
    this(runId, runDir, dataset, teacher, stageSeconds, null, configuration, null, null);
  }

  public RunFacts {
    stageWork = stageWork == null ? Map.of() : Map.copyOf(stageWork);
    searches =
        searches == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(searches));
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("A run report needs the run's id");
    }
    runDir = runDir == null ? "" : runDir;
    dataset = dataset == null ? "" : dataset;
    teacher = teacher == null ? "" : teacher;
    Map<String, Double> stages =
        stageSeconds == null ? new LinkedHashMap<>() : new LinkedHashMap<>(stageSeconds);
    if (stages.containsKey(null)) {
      throw new IllegalArgumentException("A stage of run " + runId + " has no name: " + stages);
    }
    stageSeconds = Collections.unmodifiableMap(stages);
    configuration = configuration == null ? "" : configuration;
  }
}
