package io.distill.jobs.pipeline;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.OutputKind;
import java.util.List;
import org.apache.spark.sql.SaveMode;

/**
 * The run's small Parquet tables ({@code metrics/}, {@code history/}), one row per record,
 * published whole.
 */
final class Tables {
  /** The run's tables are Spark Parquet outputs (earlier ones hold Spark's _SUCCESS). */
  static final OutputKind KIND = new OutputKind("table", "_SUCCESS");

  private Tables() {}

  static <R extends Record> String write(
      PipelineContext ctx, List<R> rows, Class<R> type, String target) {
    return AtomicDirectoryCommit.publish(
        target,
        ctx.hadoop(),
        KIND,
        commit -> {
          ctx.spark()
              .createDataFrame(
                  rows.stream().map(RecordRows::toRow).toList(), RecordRows.schema(type))
              .coalesce(1)
              .write()
              .mode(SaveMode.Overwrite)
              .parquet(commit.temporaryPath());
          return commit.targetPath();
        });
  }

  static <R extends Record> List<R> read(PipelineContext ctx, String path, Class<R> type) {
    return ctx.read(path).collectAsList().stream().map(r -> RecordRows.fromRow(r, type)).toList();
  }
}
