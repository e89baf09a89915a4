package io.distill.jobs;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.SerialFilter;
import io.distill.core.SerialFilterPlugin;
import java.net.URISyntaxException;
import java.net.URL;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a command, and what a person sees in its log. By default Spark's and
 * Hadoop's own loggers are at WARN and the pipeline's at INFO (one line per stage, epoch and
 * model), with Spark's console progress bar on: the jar's {@code
 * io/distill/jobs/log4j2-quiet.properties} replaces the log4j2 configuration spark-submit started
 * with. {@code --verbose} keeps Spark's full logs; so does a configuration given with {@code
 * -Dlog4j2.configurationFile=...} (e.g. {@code --driver-java-options}) or found by log4j2 itself (a
 * cluster's {@code log4j2.properties} in Spark's conf directory, on the driver's classpath), which
 * is never overridden: only Spark's built-in defaults are replaced.
 */
final class Sessions {
  static final String QUIET_LOGS = "/io/distill/jobs/log4j2-quiet.properties";

  private Sessions() {}

  /**
   * The session for {@code appName} (joining one that exists, as under spark-submit), logs set up
   * first.
   */
  static SparkSession create(String appName, SessionOptions options) {
    SparkSession spark = create(appName, options.verbose());
    // Set either way: a session that is joined (tests, notebooks) keeps no earlier command's
    // choice.
    spark
        .sparkContext()
        .hadoopConfiguration()
        .setBoolean(AtomicDirectoryCommit.OVERWRITE_FOREIGN, options.overwrite());
    return spark;
  }

  static SparkSession create(String appName, boolean verbose) {
    if (!verbose) {
      quietLogs();
    }
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (!verbose) {
      builder.config("spark.ui.showConsoleProgress", "true");
    }
    // Defaults for this application, each only where spark-submit's --conf did not set it:
    // students trained concurrently share the executors fairly; a training round's parameters (MBs
    // of floats,
    // which do not compress) are broadcast and returned without compression or a detour through the
    // block manager;
    // packed training blocks that spill to local disk are compressed (image features are mostly
    // zeros).
    // Only the JDK's, Spark's and the project's classes may be deserialized, on the driver and on
    // every executor (added to the user's own plugins, if any).
    SerialFilter.install();
    String plugins = System.getProperty("spark.plugins");
    builder.config(
        "spark.plugins",
        plugins == null || plugins.isBlank()
            ? SerialFilterPlugin.class.getName()
            : plugins + "," + SerialFilterPlugin.class.getName());
    defaultConf(builder, "spark.scheduler.mode", "FAIR");
    defaultConf(builder, "spark.broadcast.compress", "false");
    defaultConf(builder, "spark.task.maxDirectResultSize", String.valueOf(128L << 20));
    defaultConf(builder, "spark.rdd.compress", "true");
    return builder.getOrCreate();
  }

  /**
   * Whether log4j2 runs a configuration of the cluster's or the user's: one it found itself, not
   * its default, Spark's defaults ({@code org/apache/spark/log4j2-defaults.properties}, which Spark
   * loads when log4j2 found none) or this jar's quiet one.
   */
  static boolean hasOwnLogConfiguration() {
    return isOwnLogConfiguration(
        ((LoggerContext) LogManager.getContext(false))
            .getConfiguration()
            .getConfigurationSource()
            .getLocation());
  }

  /** {@link #hasOwnLogConfiguration} for a configuration read from {@code location}. */
  static boolean isOwnLogConfiguration(String location) {
    return location != null
        && !location.endsWith("org/apache/spark/log4j2-defaults.properties")
        && !location.endsWith(QUIET_LOGS);
  }

  private static void defaultConf(SparkSession.Builder builder, String key, String value) {
    if (System.getProperty(key) == null) {
      builder.config(key, value);
    }
  }

  /**
   * Spark and Hadoop at WARN, the pipeline at INFO, unless the user gave a log4j2 configuration of
   * their own.
   */
  static void quietLogs() {
    if (System.getProperty("log4j2.configurationFile") != null || hasOwnLogConfiguration()) {
      return;
    }
    URL quiet = Sessions.class.getResource(QUIET_LOGS);
    if (quiet == null) {
      throw new IllegalStateException("the jar lacks " + QUIET_LOGS);
    }
    try {
      Configurator.reconfigure(quiet.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
