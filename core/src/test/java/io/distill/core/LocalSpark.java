package io.distill.core;

import java.io.File;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session tests run on: local mode with 2 cores, bound to 127.0.0.1, no UI. One per JVM,
 * stopped at exit; tests share it the way jobs in one application share a SparkContext.
 */
public final class LocalSpark {
  private static SparkSession session;

  private LocalSpark() {}

  public static synchronized SparkSession session() {
    if (session == null) {
      // Every Spark test runs under the job's deserialization filter, as the job does.
      SerialFilter.install();
      session =
          SparkSession.builder()
              .appName("distill-tests")
              .master("local[2]")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              // Running tasks report their accumulators with each heartbeat (RowProgressTest waits
              // for one).
              .config("spark.executor.heartbeatInterval", "1s")
              .config("spark.plugins", SerialFilterPlugin.class.getName())
              .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
    }
    return session;
  }

  /**
   * The directory beside the project that holds shared datasets ({@code ../shared}), as tests see
   * it.
   */
  public static File sharedDir() {
    return new File(System.getProperty("distill.shared.dir", "../shared"));
  }
}
