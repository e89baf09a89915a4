package io.distill.teacher;

import io.distill.dataset.DatasetSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Columns of a soft-label dataset: the input row's {@code id}, then either the teacher's {@code
 * teacher_logits} and {@code soft_labels} = softmax(logits / T) (both array&lt;float&gt; of K), or,
 * with top-k, only the k largest probabilities at T ({@code top_k_probabilities}, descending) and
 * their class indices ({@code top_k_indices}). Features and labels stay in the dataset they came
 * from; join by id.
 */
public final class SoftLabelSchema {
  public static final String TEACHER_LOGITS = "teacher_logits";
  public static final String SOFT_LABELS = "soft_labels";
  public static final String TOP_K_INDICES = "top_k_indices";
  public static final String TOP_K_PROBABILITIES = "top_k_probabilities";

  /** The JSON written inside the output directory (Spark readers skip names starting with '_'). */
  public static final String MANIFEST = "_manifest.json";

  private static final StructType ID =
      new StructType(
          new StructField[] {
            DataTypes.createStructField(DatasetSchema.ID, DataTypes.LongType, false)
          });

  private SoftLabelSchema() {}

  static StructType full() {
    return ID.add(TEACHER_LOGITS, DataTypes.createArrayType(DataTypes.FloatType, false), false)
        .add(SOFT_LABELS, DataTypes.createArrayType(DataTypes.FloatType, false), false);
  }

  static StructType topK() {
    return ID.add(TOP_K_INDICES, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
        .add(TOP_K_PROBABILITIES, DataTypes.createArrayType(DataTypes.FloatType, false), false);
  }
}
