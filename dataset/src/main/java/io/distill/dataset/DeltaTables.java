package io.distill.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Delta Lake tables given as paths. A directory with a {@code _delta_log} is a Delta table and is
 * read as one, never as plain Parquet (which would include the files Delta has removed, so rows
 * come back that the table no longer holds). Its version, the number of its latest commit in {@code
 * _delta_log/}, is what identifies its content: a run reads the table as of the version it
 * fingerprinted. Reading needs Delta Lake's data source on the classpath (the application jar
 * carries {@code delta-spark}).
 */
public final class DeltaTables {
  /** The transaction log's directory in a Delta table. */
  public static final String LOG = "_delta_log";

  private static final Pattern COMMIT = Pattern.compile("(\\d{20})\\.json");

  private DeltaTables() {}

  /** Whether {@code path} is a Delta table (holds a {@code _delta_log} directory). */
  public static boolean isDelta(String path, Configuration conf) {
    Path log = new Path(path, LOG);
    try {
      FileSystem fs = log.getFileSystem(conf);
      return fs.exists(log) && fs.getFileStatus(log).isDirectory();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot look at " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * The table's latest version: the largest commit number in its log.
   *
   * @throws IllegalArgumentException naming the table when its log holds no commit
   */
  public static long version(String path, Configuration conf) {
    Path log = new Path(path, LOG);
    long latest = -1;
    try {
      for (FileStatus s : log.getFileSystem(conf).listStatus(log)) {
        Matcher m = COMMIT.matcher(s.getPath().getName());
        if (m.matches()) {
          latest = Math.max(latest, Long.parseLong(m.group(1)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + log + ": " + e.getMessage(), e);
    }
    if (latest < 0) {
      throw new IllegalArgumentException(
          "Delta table "
              + path
              + " has no commit in "
              + LOG
              + "/ (expected 00000000000000000000.json"
              + " or later)");
    }
    return latest;
  }

  /**
   * Delta refuses to open a table in a session built without its SQL extension and catalog (which
   * only path-based reads do not need); this check is relaxed for such a session, which cannot be
   * given them once it exists (notebooks, an application joining the session).
   */
  static final String REQUIRED_CONFS_CHECK =
      "spark.databricks.delta.requiredSparkConfsCheck.enabled";

  /** The table as of {@code version}. */
  public static Dataset<Row> read(SparkSession spark, String path, long version) {
    if (!spark.conf().get("spark.sql.extensions", "").contains("DeltaSparkSessionExtension")) {
      spark.conf().set(REQUIRED_CONFS_CHECK, "false");
    }
    return spark.read().format("delta").option("versionAsOf", version).load(path);
  }
}
