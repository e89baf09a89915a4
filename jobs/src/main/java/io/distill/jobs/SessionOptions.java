package io.distill.jobs;

import picocli.CommandLine.Option;

/**
 * Options every command takes for its session: {@code --verbose} (Spark's and Hadoop's full logs
 * instead of the pipeline's own lines) and {@code --overwrite} (replace an output path that this
 * job did not write). See {@link Sessions}.
 */
final class SessionOptions {
  @Option(
      names = "--verbose",
      description =
          "Keep Spark's and Hadoop's full INFO logs (by default they are at WARN"
              + " and the pipeline's own progress lines at INFO).")
  boolean verbose;

  @Option(
      names = "--overwrite",
      description =
          "Replace an output path that exists and was not written by this job (a directory of"
              + " other files, a file, another kind of output), and work in a run.dir that is not"
              + " a run's. Without it such a path is refused and nothing is written or deleted.")
  boolean overwrite;

  boolean verbose() {
    return verbose;
  }

  boolean overwrite() {
    return overwrite;
  }
}
