package io.distill.jobs.pipeline;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.Fingerprint;
import io.distill.core.HadoopFiles;
import io.distill.dataset.RowIds;
import io.distill.teacher.SoftLabelAction;
import io.distill.teacher.SoftLabelSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Soft labels kept across runs ({@code soft-labels.cache}), so that a run over a dataset that grew
 * labels only its new rows. Keyed by what produced them: a directory per teacher (its fingerprint,
 * the sha256 of its file), input scaling, temperature and top-k ({@code teacher-<key>/}), in it a
 * table per split, made of parts ({@code part=<when>-<uuid>/}, each published whole by {@link
 * SoftLabelAction}) holding the soft labels of rows that had none when the part was written. A row
 * is known by its id.
 *
 * <p>For a split: the rows with no soft labels in the table (an anti-join on id) are labelled by
 * the teacher into a new part; then the split's soft labels (the table's rows whose id is in the
 * split, checked to be one per row) are copied into the run directory, so a run keeps what it used
 * whatever later runs add. A lease on the teacher's directory keeps two runs from labelling the
 * same rows at once.
 *
 * <p>Cost per split: one pass over the split's ids and the table's ids (anti-join) and the
 * teacher's forward pass over the new rows only; the copy reads the table once and writes the
 * split's soft labels ({@code 8 + 16·K} bytes a row before compression), no features.
 */
final class SoftLabelCache {
  private static final Logger LOG = LoggerFactory.getLogger(SoftLabelCache.class);
  private static final String PART = "part";

  private SoftLabelCache() {}

  /** A split's soft labels in the run: where, rows the teacher labelled now, rows reused. */
  record Labelled(String path, long labelledRows, long reusedRows) {}

  /**
   * The soft labels of {@code input}'s rows at {@code output}, labelling only rows the cache lacks.
   *
   * @param key what produced the soft labels (teacher, scaling, temperature, top-k)
   * @param labeller the soft-label action with teacher and settings, given rows and output here
   */
  static Labelled label(
      PipelineContext ctx,
      String cache,
      Fingerprint key,
      String teacherSha256,
      String input,
      String split,
      String output,
      UnaryOperator<SoftLabelAction> labeller) {
    String teacherDir = cache + "/teacher-" + key.hex().substring(0, 16);
    String table = teacherDir + "/" + split;
    try (RunLease lease = RunLease.acquire(teacherDir, ctx.hadoop(), Duration.ofMinutes(2))) {
      Dataset<Row> rows = ctx.read(input);
      ctx.spark()
          .sparkContext()
          .setJobDescription("Soft-label cache: rows of " + input + " without soft labels");
      long total = rows.count();
      if (!hasParts(ctx, table)) {
        LOG.info(
            "Soft-label cache: no soft labels of {} from teacher {} yet: labelling all {} rows",
            split,
            teacherSha256.substring(0, 12),
            total);
        labelPart(ctx, table, rows, input + " (all " + total + " rows)", false, labeller);
        return new Labelled(copy(ctx, table, rows, input, output, total, total), total, 0);
      }
      // Read several times (its count, then the soft-label action's checks and labelling): the
      // anti-join runs once, its rows kept in memory or spilled to disk.
      Dataset<Row> missing =
          RowIds.absentFrom(rows, ctx.spark().read().parquet(table))
              .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        long fresh = missing.count();
        if (fresh == 0) {
          LOG.info(
              "Soft-label cache: all {} rows of {} have soft labels from teacher {}: the teacher"
                  + " does not run",
              total,
              split,
              teacherSha256.substring(0, 12));
        } else {
          LOG.info(
              "Soft-label cache: {} of {} rows of {} have soft labels from teacher {}; labelling the"
                  + " {} new ones",
              total - fresh,
              total,
              split,
              teacherSha256.substring(0, 12),
              fresh);
          labelPart(
              ctx,
              table,
              missing,
              input + " (" + fresh + " rows without soft labels)",
              true,
              labeller);
        }
        return new Labelled(
            copy(ctx, table, rows, input, output, total, fresh), fresh, total - fresh);
      } finally {
        missing.unpersist();
      }
    }
  }

  /**
   * The teacher over {@code rows}, published whole as a new part of {@code table}; {@code spread}
   * repartitions them over every core first.
   */
  private static void labelPart(
      PipelineContext ctx,
      String table,
      Dataset<Row> rows,
      String name,
      boolean spread,
      UnaryOperator<SoftLabelAction> labeller) {
    String part = table + "/" + PART + "=" + Instant.now().toEpochMilli() + "-" + UUID.randomUUID();
    SoftLabelAction action = labeller.apply(SoftLabelAction.of(ctx.spark())).data(rows, name);
    if (spread) {
      // New rows arrive together (often in the data's last partitions): spread them over every
      // core, at the cost of one shuffle of those rows only.
      action.partitions(ctx.spark().sparkContext().defaultParallelism());
    }
    action.output(part).execute();
  }

  /** The split's soft labels from the table into the run, one per row of the split. */
  private static String copy(
      PipelineContext ctx,
      String table,
      Dataset<Row> rows,
      String input,
      String output,
      long total,
      long fresh) {
    return AtomicDirectoryCommit.publish(
        output,
        ctx.hadoop(),
        SoftLabelAction.KIND,
        commit -> {
          Dataset<Row> labels = ctx.spark().read().parquet(table).drop(PART);
          Dataset<Row> mine = RowIds.presentIn(labels, rows);
          ctx.spark()
              .sparkContext()
              .setJobDescription("Soft-label cache: copying the soft labels of " + input);
          mine.write().mode(SaveMode.Overwrite).parquet(commit.temporaryPath());
          long written = ctx.spark().read().parquet(commit.temporaryPath()).count();
          if (written != total) {
            throw new IllegalStateException(
                "Soft-label cache "
                    + table
                    + " holds "
                    + written
                    + " soft labels for the "
                    + total
                    + " rows of "
                    + input
                    + " (expected one per row: ids repeated in the cache?); nothing published");
          }
          Map<String, Object> manifest = new LinkedHashMap<>();
          manifest.put("cache", table);
          manifest.put("dataset", input);
          manifest.put("rows", total);
          manifest.put("labelledRows", fresh);
          manifest.put("reusedRows", total - fresh);
          manifest.put("createdAt", Instant.now().toString());
          manifest.put("codeVersion", HadoopFiles.codeVersion());
          HadoopFiles.writeJson(
              commit.temporaryPath() + "/" + SoftLabelSchema.MANIFEST, manifest, ctx.hadoop());
          return commit.targetPath();
        });
  }

  private static boolean hasParts(PipelineContext ctx, String table) {
    Path dir = new Path(table);
    try {
      FileSystem fs = dir.getFileSystem(ctx.hadoop());
      if (!fs.exists(dir)) {
        return false;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.isDirectory() && s.getPath().getName().startsWith(PART + "=")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + table + ": " + e.getMessage(), e);
    }
  }
}
