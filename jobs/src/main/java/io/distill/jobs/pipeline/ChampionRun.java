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
    StudentStage.Output students =
        champion
            .stageRecords()
            .read("students", StudentStage.Output.class)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "The champion's run " + champion.root() + " has no students record"))
            .output();
    DataStage.Data data =
        champion
            .stageRecords()
            .read("import", DataStage.Data.class)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "The champion's run " + champion.root() + " has no import record"))
            .output();
    Map<String, String> models = new LinkedHashMap<>();
    students.models().forEach(m -> models.put(m.model(), m.modelPath()));
    return new ChampionRun(runDir, champion.root(), models, students.fingerprint(), data.train());
  }
}
