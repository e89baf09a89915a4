package io.distill.jobs.pipeline;

import io.distill.jobs.config.Param;
import java.util.ArrayList;
import java.util.List;

/**
 * The run-configuration keys a stage reads, declared once beside the stage: its {@code inputs},
 * whose values are part of its fingerprint (a change runs the stage again), and its {@code
 * execution} settings, which change how it runs but not what it produces (so a change reuses its
 * output). The pipeline gives each stage a configuration that refuses any other key ({@link
 * io.distill.jobs.config.RunConfig#readableOnly}), so an input cannot be read without being
 * fingerprinted.
 */
record StageParams(String stage, List<Param<?>> inputs, List<Param<?>> execution) {
  StageParams {
    inputs = List.copyOf(inputs);
    execution = List.copyOf(execution);
  }

  static StageParams of(String stage, List<Param<?>> inputs) {
    return new StageParams(stage, inputs, List.of());
  }

  StageParams execution(Param<?>... settings) {
    return new StageParams(stage, inputs, List.of(settings));
  }

  /** Every key the stage may read. */
  List<Param<?>> all() {
    List<Param<?>> out = new ArrayList<>(inputs);
    out.addAll(execution);
    return out;
  }
}
