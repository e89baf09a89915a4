package io.distill.teacher;

import io.distill.dataset.DatasetSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Columns of a soft-label dataset: the input's {@code id}, {@code features}, {@code label}, then either the
 * teacher's {@code teacher_logits} and {@code soft_labels} = softmax(logits / T) (both array&lt;float&gt; of K), or,
 * with top-k, only the k largest probabilities at T ({@code top_k_probabilities}, descending) and their class
 * indices ({@code top_k_indices}).
 */
public final class SoftLabelSchema {
  public static final String TEACHER_LOGITS = "teacher_logits";
  public static final String SOFT_LABELS = "soft_labels";
  public static final String TOP_K_INDICES = "top_k_indices";
  public static final String TOP_K_PROBABILITIES = "top_k_probabilities";
  /** The JSON written inside the output directory (Spark readers skip names starting with '_'). */
  public static final String MANIFEST = "_manifest.json";

  private SoftLabelSchema() {}

  static StructType full() {
    return DatasetSchema.SCHEMA
        .add(TEACHER_LOGITS, DataTypes.createArrayType(DataTypes.FloatType, false), false)
        .add(SOFT_LABELS, DataTypes.createArrayType(DataTypes.FloatType, false), false);
  }

  static StructType topK() {
    return DatasetSchema.SCHEMA
        .add(TOP_K_INDICES, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
        .add(TOP_K_PROBABILITIES, DataTypes.createArrayType(DataTypes.FloatType, false), false);
  }
}
