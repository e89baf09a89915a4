package io.distill.jobs.pipeline;

import java.util.List;

/** The typed output of a pipeline stage, recorded in {@code _stages/<stage>.json}. */
interface StageOutput {
  /**
   * The files and directories it produced: a recorded stage is reused only while they all exist.
   */
  List<String> paths();
}
