package io.distill.jobs;

/**
 * A command of distill-job.jar once picocli has filled in its options: {@link #plan()} checks them
 * (every value a configuration parameter also has is checked as that parameter is, with the same
 * messages) and returns the Spark work to run, or throws {@link UsageException} before any Spark
 * work.
 */
interface JobCommand {
  Runnable plan();
}
