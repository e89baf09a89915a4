package io.distill.jobs;

import picocli.CommandLine.Option;

/**
 * {@code --verbose}: Spark's and Hadoop's full logs instead of the pipeline's own lines (see {@link
 * Sessions}).
 */
final class Verbosity {
  @Option(
      names = "--verbose",
      description =
          "Keep Spark's and Hadoop's full INFO logs (by default they are at WARN"
              + " and the pipeline's own progress lines at INFO).")
  boolean verbose;

  boolean verbose() {
    return verbose;
  }
}
