package io.distill.dataset;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Rows of a dataset kept or left out by whether their id is among another dataset's ids. */
public final class RowIds {
  private RowIds() {}

  /** The rows of {@code rows} whose id is not an id of {@code other} (an anti-join on id). */
  public static Dataset<Row> absentFrom(Dataset<Row> rows, Dataset<Row> other) {
    return join(rows, other, "left_anti");
  }

  /** The rows of {@code rows} whose id is an id of {@code other} (a semi-join on id). */
  public static Dataset<Row> presentIn(Dataset<Row> rows, Dataset<Row> other) {
    return join(rows, other, "left_semi");
  }

  private static Dataset<Row> join(Dataset<Row> rows, Dataset<Row> other, String how) {
    Dataset<Row> ids = other.select(DatasetSchema.ID);
    return rows.join(ids, rows.col(DatasetSchema.ID).equalTo(ids.col(DatasetSchema.ID)), how);
  }
}
