package io.distill.dataset;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A validation split carved from a labelled training dataset: deterministic, stratified by label,
 * of an exact size, and never materialised. Every row gets a key {@code u = xxhash64(seed, id)}
 * mapped to [0, 1); for each label {@code c} with {@code n_c} rows, the {@code q_c} rows with the
 * smallest {@code (u, id)} are validation rows, where the quotas {@code q_c} share the requested
 * size in proportion to the label counts (largest remainder, so they sum to it exactly). The split
 * is kept as one threshold {@code (u_c, id_c)} per label, so "is this row a validation row" is a
 * column expression: the training rows are the dataset minus the validation rows, read from the
 * same files, and the same thresholds give the same split on every read, in every stage, on any
 * cluster.
 *
 * <p>Cost of {@link #compute}: one aggregation for the label counts, then one pass over the rows
 * whose key falls below a per-label bound of about 1.5 times their quota's share (a window over
 * those few candidates finds each label's threshold); only the per-label counts and thresholds
 * reach the driver. Applying the split is a broadcast join with a table of one row per label and a
 * filter, no shuffle.
 *
 * @param seed the hash seed: another seed gives another split
 * @param rows validation rows, summed over the labels
 * @param thresholds per label, the largest validation key; labels without validation rows are
 *     absent
 */
public record ValidationSplit(long seed, long rows, List<Threshold> thresholds)
    implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String KEY = "_split_key";

  /**
   * One label's cut: rows of {@code label} whose {@code (key, id)} is at most {@code (key, id)}
   * here.
   */
  public record Threshold(int label, double key, long id, long quota) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  public ValidationSplit {
    thresholds = List.copyOf(thresholds);
  }

  /** No validation rows: every row is a training row. */
  public static ValidationSplit none() {
    return new ValidationSplit(0, 0, List.of());
  }

  /**
   * Carves {@code size} rows out of {@code data} (id, label), stratified by label.
   *
   * @throws IllegalArgumentException naming the dataset when {@code size} is negative or not below
   *     its row count
   */
  public static ValidationSplit compute(Dataset<Row> data, String name, long size, long seed) {
    if (size < 0) {
      throw new IllegalArgumentException("validation rows must be at least 0, cannot be: " + size);
    }
    if (size == 0) {
      return none();
    }
    Map<Integer, Long> counts = new LinkedHashMap<>();
    for (Row r :
        data.groupBy(DatasetSchema.LABEL).count().orderBy(DatasetSchema.LABEL).collectAsList()) {
      counts.put(r.getInt(0), r.getLong(1));
    }
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    if (total == 0) {
      throw new IllegalArgumentException("Dataset " + name + " is empty: no rows to train on");
    }
    if (size >= total) {
      throw new IllegalArgumentException(
          "Dataset "
              + name
              + " has "
              + total
              + " rows: cannot carve a validation"
              + " split of "
              + size
              + " rows from it (expected fewer than "
              + total
              + ")");
    }
    Map<Integer, Long> quotas = quotas(counts, size);
    SparkSession spark = data.sparkSession();
    Dataset<Row> keyed =
        data.select(
            functions.col(DatasetSchema.ID), functions.col(DatasetSchema.LABEL), key(seed).as(KEY));
    for (double slack = 1.5; ; slack *= 2) {
      List<Row> bounds = new ArrayList<>();
      for (Map.Entry<Integer, Long> e : quotas.entrySet()) {
        if (e.getValue() > 0) {
          double share = (double) e.getValue() / counts.get(e.getKey());
          // Binomial spread: the quota's share, plus 50 % and 6 standard deviations of headroom.
          double bound =
              Math.min(1.0, share * slack + 6 * Math.sqrt(share / counts.get(e.getKey())) + 1e-9);
          bounds.add(RowFactory.create(e.getKey(), bound, e.getValue()));
        }
      }
      StructType schema =
          new StructType()
              .add("_label", DataTypes.IntegerType)
              .add("_bound", DataTypes.DoubleType)
              .add("_quota", DataTypes.LongType);
      Dataset<Row> limits = functions.broadcast(spark.createDataFrame(bounds, schema));
      Dataset<Row> candidates =
          keyed
              .join(limits, keyed.col(DatasetSchema.LABEL).equalTo(limits.col("_label")))
              .where(functions.col(KEY).lt(functions.col("_bound")));
      Dataset<Row> ranked =
          candidates.withColumn(
              "_rank",
              functions
                  .row_number()
                  .over(
                      Window.partitionBy(DatasetSchema.LABEL)
                          .orderBy(functions.col(KEY), functions.col(DatasetSchema.ID))));
      List<Row> cuts =
          ranked
              .where(functions.col("_rank").equalTo(functions.col("_quota")))
              .select(DatasetSchema.LABEL, KEY, DatasetSchema.ID, "_quota")
              .collectAsList();
      if (cuts.size() == bounds.size()) {
        List<Threshold> thresholds = new ArrayList<>();
        for (Row c : cuts) {
          thresholds.add(new Threshold(c.getInt(0), c.getDouble(1), c.getLong(2), c.getLong(3)));
        }
        thresholds.sort((a, b) -> Integer.compare(a.label(), b.label()));
        return new ValidationSplit(seed, size, thresholds);
      }
      // Some label had fewer candidates than its quota below the bound (improbable): widen and try
      // again.
    }
  }

  /**
   * The rows of {@code data} (id, label) whose key is below {@code fraction}: a split that depends
   * on each row's id and the seed only, so a row that is a validation row tonight stays one on
   * every later night however many rows arrive (what a nightly holdout needs: no student of an
   * earlier night trained on it). Stratified in expectation only; every label present gets a
   * threshold, recorded as the key {@code fraction} with no id at it.
   *
   * @throws IllegalArgumentException naming the dataset when {@code fraction} is not in (0, 1) or
   *     when the split would leave no training rows
   */
  public static ValidationSplit fraction(
      Dataset<Row> data, String name, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException(
          "the validation fraction must be in (0, 1), cannot be: " + fraction);
    }
    List<Threshold> thresholds = new ArrayList<>();
    long rows = 0;
    long total = 0;
    for (Row r :
        data.groupBy(DatasetSchema.LABEL)
            .agg(
                functions.count(functions.lit(1)),
                functions.sum(functions.when(key(seed).lt(fraction), 1L).otherwise(0L)))
            .orderBy(DatasetSchema.LABEL)
            .collectAsList()) {
      long inside = r.isNullAt(2) ? 0 : r.getLong(2);
      thresholds.add(new Threshold(r.getInt(0), fraction, Long.MIN_VALUE, inside));
      rows += inside;
      total += r.getLong(1);
    }
    if (total == 0) {
      throw new IllegalArgumentException("Dataset " + name + " is empty: no rows to train on");
    }
    if (rows >= total) {
      throw new IllegalArgumentException(
          "Dataset "
              + name
              + " has "
              + total
              + " rows: a validation fraction of "
              + fraction
              + " leaves no training rows");
    }
    return new ValidationSplit(seed, rows, thresholds);
  }

  /**
   * Largest-remainder apportionment of {@code size} over the labels in proportion to their counts.
   */
  static Map<Integer, Long> quotas(Map<Integer, Long> counts, long size) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    Map<Integer, Long> quotas = new LinkedHashMap<>();
    List<double[]> remainders = new ArrayList<>();
    long given = 0;
    for (Map.Entry<Integer, Long> e : counts.entrySet()) {
      double exact = (double) size * e.getValue() / total;
      long q = (long) Math.floor(exact);
      quotas.put(e.getKey(), q);
      given += q;
      remainders.add(new double[] {exact - q, e.getKey()});
    }
    remainders.sort(
        (a, b) -> a[0] != b[0] ? Double.compare(b[0], a[0]) : Double.compare(a[1], b[1]));
    for (int i = 0; given < size; i++, given++) {
      quotas.merge((int) remainders.get(i)[1], 1L, Long::sum);
    }
    return quotas;
  }

  /** The row key in [0, 1): the top 53 bits of {@code xxhash64(seed, id)}. */
  static Column key(long seed) {
    return functions
        .shiftrightunsigned(
            functions.xxhash64(functions.lit(seed), functions.col(DatasetSchema.ID)), 11)
        .cast(DataTypes.DoubleType)
        .multiply(0x1.0p-53);
  }

  /** The rows of {@code data} (a labelled dataset) that are validation rows. */
  public Dataset<Row> validation(Dataset<Row> data) {
    return select(data, true);
  }

  /** The rows of {@code data} that are not validation rows: what models are fitted on. */
  public Dataset<Row> training(Dataset<Row> data) {
    return select(data, false);
  }

  private Dataset<Row> select(Dataset<Row> data, boolean validation) {
    Objects.requireNonNull(data, "data");
    if (thresholds.isEmpty()) {
      return validation ? data.limit(0) : data;
    }
    List<Row> rows = new ArrayList<>();
    for (Threshold t : thresholds) {
      rows.add(RowFactory.create(t.label(), t.key(), t.id()));
    }
    StructType schema =
        new StructType()
            .add("_split_label", DataTypes.IntegerType)
            .add("_split_key_max", DataTypes.DoubleType)
            .add("_split_id_max", DataTypes.LongType);
    Dataset<Row> cuts = functions.broadcast(data.sparkSession().createDataFrame(rows, schema));
    Column key = key(seed);
    Column inside =
        key.lt(cuts.col("_split_key_max"))
            .or(
                key.equalTo(cuts.col("_split_key_max"))
                    .and(data.col(DatasetSchema.ID).leq(cuts.col("_split_id_max"))));
    Column isValidation = functions.coalesce(inside, functions.lit(false));
    Dataset<Row> joined =
        data.join(cuts, data.col(DatasetSchema.LABEL).equalTo(cuts.col("_split_label")), "left");
    return joined
        .where(validation ? isValidation : functions.not(isValidation))
        .select(Arrays.stream(data.columns()).map(data::col).toArray(Column[]::new));
  }

  /** Validation rows per label, as carved. */
  public Map<Integer, Long> quotas() {
    Map<Integer, Long> q = new LinkedHashMap<>();
    thresholds.forEach(t -> q.put(t.label(), t.quota()));
    return q;
  }
}
