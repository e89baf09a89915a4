package io.distill.core;

import java.io.ObjectInputFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide filter on Java deserialization (JEP 290) that the job installs on the driver
 * and, through {@link SerialFilterPlugin}, on every executor: only classes of the JDK, Scala,
 * Spark, Hadoop, Parquet, ND4J/DL4J, the libraries Spark's own messages carry, and this project may
 * be deserialized; any other class is rejected before its {@code readObject} runs. Spark moves
 * tasks, closures and results with Java serialization, so a gadget class from some other jar on the
 * classpath, reached through any stream, is stopped here.
 *
 * <p>A filter the user installed (for example with {@code -Djdk.serialFilter=...}) is kept as it
 * is.
 */
public final class SerialFilter {
  private static final Logger LOG = LoggerFactory.getLogger(SerialFilter.class);

  /** The allow-list, in {@code jdk.serialFilter} syntax: the packages named, then nothing else. */
  public static final String PATTERN =
      String.join(
          ";",
          "java.**",
          "javax.**",
          "scala.**",
          "org.apache.spark.**",
          "org.apache.hadoop.**",
          "org.apache.parquet.**",
          "org.apache.commons.math3.**",
          "org.apache.commons.lang3.**",
          "org.apache.logging.**",
          "org.slf4j.**",
          "org.json4s.**",
          "org.roaringbitmap.**",
          "com.google.common.**",
          "com.fasterxml.jackson.**",
          "com.typesafe.config.**",
          "breeze.**",
          "io.delta.**",
          "org.nd4j.**",
          "org.deeplearning4j.**",
          "io.distill.**",
          "!*");

  private static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(PATTERN);

  private SerialFilter() {}

  /** The filter itself (for streams that set one of their own). */
  public static ObjectInputFilter filter() {
    return FILTER;
  }

  /**
   * Installs the filter as this JVM's serial filter, once; keeps one that is already installed (the
   * user's own, with a line saying so).
   */
  public static synchronized void install() {
    ObjectInputFilter current = ObjectInputFilter.Config.getSerialFilter();
    if (current == FILTER) {
      return;
    }
    if (current != null) {
      LOG.info("Keeping the JVM's own deserialization filter ({})", current);
      return;
    }
    ObjectInputFilter.Config.setSerialFilter(FILTER);
    LOG.debug("Installed the deserialization filter {}", PATTERN);
  }
}
