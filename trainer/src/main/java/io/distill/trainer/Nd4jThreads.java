package io.distill.trainer;

import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's thread settings for code running inside a Spark task: its OpenMP threads and its BLAS
 * threads should match the cores the task owns ({@code spark.task.cpus}), or concurrent tasks
 * oversubscribe the executor's cores.
 */
public final class Nd4jThreads {
  private Nd4jThreads() {}

  /**
   * Limits ND4J's OpenMP and BLAS threads in this JVM to {@code threads}; 0 or less leaves them as
   * they are.
   */
  public static void limit(int threads) {
    if (threads > 0 && Nd4j.getEnvironment().maxMasterThreads() != threads) {
      Nd4j.getEnvironment().setMaxThreads(threads);
      Nd4j.getEnvironment().setMaxMasterThreads(threads);
      Nd4j.factory().blas().setMaxThreads(threads);
    }
  }
}
