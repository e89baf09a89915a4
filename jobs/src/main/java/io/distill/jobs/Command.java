package io.distill.jobs;

import java.util.List;

/** A sub-command of distill-job.jar: parses and validates its options, then returns the Spark work to run. */
interface Command {
  String name();

  /** Usage lines, indented, for --help. */
  String usage();

  /** Parses {@code args}; throws {@link UsageException} on a bad command line, before any Spark work. */
  Runnable plan(List<String> args);
}
