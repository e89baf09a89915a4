package io.distill.jobs.pipeline;

import io.distill.core.Fingerprint;
import io.distill.core.RecordStore;
import io.distill.jobs.config.RunConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a stage, reuses its recorded output, or (when the stage is left out of {@code
 * distill.stages}) looks it up: the pipeline's one cache, {@link RunDirectory#stageRecords()}. A
 * stage is reused when its record has the fingerprint of the current inputs and everything it
 * produced still exists. Times every stage for the manifest and the report.
 */
final class StageRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

  private final RunDirectory run;
  private final RunConfig config;
  private final RecordStore records;
  private final Map<String, Map<String, Object>> times;

  /**
   * The keys the stage this runner serves reads (null: the pipeline's own runner, which runs no
   * stage).
   */
  private final StageParams params;

  StageRunner(RunDirectory run, RunConfig config) {
    this(run, config, run.stageRecords(), new LinkedHashMap<>(), null);
  }

  private StageRunner(
      RunDirectory run,
      RunConfig config,
      RecordStore records,
      Map<String, Map<String, Object>> times,
      StageParams params) {
    this.run = run;
    this.config = config;
    this.records = records;
    this.times = times;
    this.params = params;
  }

  /** This runner for a stage that reads {@code params} (sharing the records and times). */
  StageRunner reading(StageParams params) {
    return new StageRunner(run, config, records, times, params);
  }

  /**
   * A stage's fingerprint: its own inputs ({@code stageInputs}: upstream outputs, files, anything
   * that is not a key) with the values of every configuration key it declared as an input. Every
   * stage is keyed by this, so a key a stage reads cannot be left out of its fingerprint (see
   * {@link StageParams}).
   */
  static String fingerprint(String name, String stageInputs, RunConfig config, StageParams params) {
    return Fingerprint.of("stage " + name)
        .add("inputs", stageInputs)
        .add("config", config.valuesOf(params.inputs()))
        .hex();
  }

  /** Status and seconds of each stage so far, for the manifest. */
  Map<String, Map<String, Object>> times() {
    return times;
  }

  /**
   * Runs stage {@code name} (or reuses its output) keyed by {@link #fingerprint} of {@code
   * stageInputs}; the work gets that fingerprint, for the output to carry downstream.
   */
  <O extends StageOutput> O run(
      String name, String stageInputs, Class<O> type, Function<String, O> work) {
    return run(name, name, stageInputs, type, work);
  }

  /**
   * As above, for a step recorded as {@code name} that runs as part of the configured stage {@code
   * partOf}.
   */
  <O extends StageOutput> O run(
      String name, String partOf, String stageInputs, Class<O> type, Function<String, O> work) {
    if (params == null) {
      throw new IllegalStateException(
          "stage " + name + " runs without declaring the keys it reads");
    }
    String fingerprint = fingerprint(name, stageInputs, config, params);
    Optional<RecordStore.Entry<O>> record = records.read(name, type);
    if (!config.runs(partOf)) {
      if (record.isEmpty()) {
        throw new IllegalStateException(
            "Stage '"
                + partOf
                + "' is not in distill.stages and "
                + run.root()
                + " has no earlier output of it: add it to the stages");
      }
      LOG.info("Stage {}: not in distill.stages, using its earlier output", name);
      times.put(name, Map.of("status", "not run", "seconds", 0.0));
      return record.get().output();
    }
    if (record.isPresent()
        && record.get().fingerprint().equals(fingerprint)
        && record.get().output().paths().stream().allMatch(run::exists)) {
      LOG.info("Stage {}: output already exists for the same inputs, not redone", name);
      times.put(name, Map.of("status", "reused", "seconds", 0.0));
      return record.get().output();
    }
    if (record.isPresent()) {
      LOG.info(
          "Stage {}: inputs changed since its last run (fingerprint {} -> {}), running again",
          name,
          record.get().fingerprint().substring(0, 12),
          fingerprint.substring(0, 12));
    } else {
      LOG.info("Stage {}: running", name);
    }
    long started = System.nanoTime();
    O output = work.apply(fingerprint);
    double seconds = (System.nanoTime() - started) / 1e9;
    records.write(name, fingerprint, seconds, output);
    times.put(name, Map.of("status", "ran", "seconds", seconds));
    LOG.info("Stage {}: done in {} s", name, String.format("%.1f", seconds));
    return output;
  }

  /** Seconds each stage took when it last ran (from its record), for the report. */
  Map<String, Double> recordedSeconds() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String s : RunConfig.STAGES) {
      records.read(s, Object.class).ifPresent(e -> out.put(s, e.seconds()));
    }
    return out;
  }
}
