package io.distill.jobs.nightly;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.HadoopFiles;
import io.distill.core.OutputKind;
import io.distill.jobs.pipeline.RecordRows;
import io.distill.jobs.pipeline.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly runs' root directory (any Hadoop FS URI) and its layout, declared here once: a run
 * directory per night ({@code <id>/}), {@code latest} (a one-line file naming the champion's
 * night), the nights table ({@code nights/night=<id>/}, Parquet, a row per night and model) and
 * {@code nights.md} (the last nights as a Markdown table).
 */
public final class NightsRoot {
  private static final Logger LOG = LoggerFactory.getLogger(NightsRoot.class);

  /** The champion's night, a one-line file. */
  public static final String LATEST = "latest";

  /** The nights table. */
  public static final String NIGHTS = "nights";

  /** The last nights, as Markdown. */
  public static final String NIGHTS_REPORT = "nights.md";

  /** The nights table's partition column. */
  public static final String NIGHT = "night";

  /** The soft labels kept across nights ({@code soft-labels.cache}). */
  public static final String SOFT_LABELS = "soft-labels";

  /** Names in the root that are not nights. */
  public static final Set<String> RESERVED =
      new TreeSet<>(Set.of(LATEST, NIGHTS, NIGHTS_REPORT, SOFT_LABELS, ".", ".."));

  /** A night's id: a directory name of its own. */
  public static final Pattern NIGHT_ID = Pattern.compile("[A-Za-z0-9_.-]+");

  /** Whether {@code id} can name a night. */
  public static boolean isNightId(String id) {
    return NIGHT_ID.matcher(id).matches() && !RESERVED.contains(id);
  }

  static final OutputKind NIGHT_ROWS = new OutputKind("nightly-rows", "_SUCCESS");

  private final String root;
  private final Configuration conf;

  public NightsRoot(String root, Configuration conf) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.conf = conf;
  }

  public String root() {
    return root;
  }

  /** The run directory of night {@code id}. */
  public String run(String id) {
    return root + "/" + id;
  }

  public String latestFile() {
    return root + "/" + LATEST;
  }

  public String nightsTable() {
    return root + "/" + NIGHTS;
  }

  /** The champion's night, if one was promoted. */
  public Optional<String> champion() {
    Path p = new Path(latestFile());
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(p)) {
        String id = new String(in.readNBytes(256), StandardCharsets.UTF_8).trim();
        if (!NIGHT_ID.matcher(id).matches()) {
          throw new IllegalStateException(
              p + " does not name a night (expected [A-Za-z0-9_.-]+, got '" + id + "')");
        }
        return Optional.of(id);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  /** Makes {@code id} the champion: {@code latest} replaced whole (never seen half-written). */
  public void promote(String id) {
    HadoopFiles.publishFile(
        latestFile(), conf, out -> out.write((id + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  /** Publishes night {@code id}'s rows, replacing only that night's earlier rows. */
  public void writeNight(SparkSession spark, String id, List<NightRecord> rows) {
    AtomicDirectoryCommit.publish(
        nightsTable() + "/" + NIGHT + "=" + id,
        conf,
        NIGHT_ROWS,
        commit -> {
          spark
              .createDataFrame(
                  rows.stream().map(RecordRows::toRow).toList(),
                  RecordRows.schema(NightRecord.class))
              .drop(NIGHT)
              .coalesce(1)
              .write()
              .mode(SaveMode.Overwrite) // the commit's own, empty, temporary directory
              .parquet(commit.temporaryPath());
          return commit.targetPath();
        });
  }

  /** Every night's rows, by night then model (empty before the first night). */
  public List<NightRecord> nights(SparkSession spark) {
    Path table = new Path(nightsTable());
    try {
      if (!table.getFileSystem(conf).exists(table)) {
        return List.of();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + table + ": " + e.getMessage(), e);
    }
    // The night as a string whatever it looks like (Spark would read dates as dates).
    StructType schema = RecordRows.schema(NightRecord.class);
    Dataset<Row> rows = spark.read().schema(schema).parquet(nightsTable());
    return rows.orderBy(NIGHT, "model").collectAsList().stream()
        .map(r -> RecordRows.fromRow(r, NightRecord.class))
        .toList();
  }

  /**
   * Deletes the oldest nights' run directories beyond the newest {@code keep}, never one in {@code
   * protect} (the champion, tonight) and never a directory this job did not write (one without a
   * run manifest); returns the nights deleted.
   */
  public List<String> prune(int keep, Set<String> protect) {
    Path dir = new Path(root);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      List<String> nights = new ArrayList<>();
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (s.isDirectory()
            && isNightId(name)
            && !name.startsWith(".")
            && fs.exists(new Path(s.getPath(), RunDirectory.MANIFEST))) {
          nights.add(name);
        }
      }
      nights.sort(Comparator.reverseOrder());
      List<String> deleted = new ArrayList<>();
      for (int i = keep; i < nights.size(); i++) {
        String night = nights.get(i);
        if (!protect.contains(night)) {
          fs.delete(new Path(dir, night), true);
          deleted.add(night);
        }
      }
      if (!deleted.isEmpty()) {
        LOG.info("Nightly: kept the newest {} runs; deleted {}", keep, deleted);
      }
      return deleted;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prune " + root + ": " + e.getMessage(), e);
    }
  }
}
