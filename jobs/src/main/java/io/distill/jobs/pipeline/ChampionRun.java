package io.distill.jobs.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * What a nightly run reads of the champion's run, from its stage records, once: the directory as
 * given and qualified, its students (model name → model file) and their stage fingerprint, and its
 * imported training split (whose ids say which rows are new tonight).
 */
record ChampionRun(
    String given,
    String root,
    Map<String, String> models,
    String studentsFingerprint,
    String train) {

  /**
   * @throws IllegalStateException naming the run when it lacks the records of a finished run
   */
  static ChampionRun read(String runDir, Configuration conf) {
    RunDirectory champion = new RunDirectory(runDir, conf);
    StudentStage.Output students = record(champion, "students", StudentStage.Output.class);
    DataStage.Data data = record(champion, "import", DataStage.Data.class);
    Map<String, String> models = new LinkedHashMap<>();
    students.models().forEach(m -> models.put(m.model(), m.modelPath()));
    return new ChampionRun(runDir, champion.root(), models, students.fingerprint(), data.train());
  }

  /** The output {@code stage} recorded in the champion's run. */
  private static <T> T record(RunDirectory champion, String stage, Class<T> type) {
    return champion
        .stageRecords()
        .read(stage, type)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "The champion's run " + champion.root() + " has no " + stage + " record"))
        .output();
  }
}
