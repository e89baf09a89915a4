package io.distill.jobs.pipeline;

import io.distill.dataset.RecordStore;
import io.distill.jobs.config.RunConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a stage, reuses its recorded output, or (when the stage is left out of {@code distill.stages}) looks it up:
 * the pipeline's one cache, {@link RunDirectory#stages()}. A stage is reused when its record has the fingerprint of
 * the current inputs and everything it produced still exists. Times every stage for the manifest and the report.
 */
final class StageRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

  private final RunDirectory run;
  private final RunConfig config;
  private final RecordStore records;
  private final Map<String, Map<String, Object>> times = new LinkedHashMap<>();

  StageRunner(RunDirectory run, RunConfig config) {
    this.run = run;
    this.config = config;
    this.records = run.stages();
  }

  /** Status and seconds of each stage so far, for the manifest. */
  Map<String, Map<String, Object>> times() {
    return times;
  }

  <O extends StageOutput> O run(String name, String fingerprint, Class<O> type, Supplier<O> work) {
    return run(name, name, fingerprint, type, work);
  }

  /** As above, for a step recorded as {@code name} that runs as part of the configured stage {@code partOf}. */
  <O extends StageOutput> O run(String name, String partOf, String fingerprint, Class<O> type, Supplier<O> work) {
    Optional<RecordStore.Entry<O>> record = records.read(name, type);
    if (!config.runs(partOf)) {
      if (record.isEmpty()) {
        throw new IllegalStateException("Stage '" + partOf + "' is not in distill.stages and " + run.root()
            + " has no earlier output of it: add it to the stages");
      }
      LOG.info("Stage {}: not in distill.stages, using its earlier output", name);
      times.put(name, Map.of("status", "not run", "seconds", 0.0));
      return record.get().output();
    }
    if (record.isPresent() && record.get().fingerprint().equals(fingerprint)
        && record.get().output().paths().stream().allMatch(run::exists)) {
      LOG.info("Stage {}: output already exists for the same inputs, not redone", name);
      times.put(name, Map.of("status", "reused", "seconds", 0.0));
      return record.get().output();
    }
    if (record.isPresent()) {
      LOG.info("Stage {}: inputs changed since its last run (fingerprint {} -> {}), running again", name,
          record.get().fingerprint().substring(0, 12), fingerprint.substring(0, 12));
    } else {
      LOG.info("Stage {}: running", name);
    }
    long started = System.nanoTime();
    O output = work.get();
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
