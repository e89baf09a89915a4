package io.distill.dataset;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The schema every labelled dataset in the pipeline has: {@code id} long (stable, unique within a
 * dataset), {@code features} array&lt;float&gt; (pixels scaled to [0, 1] for images), {@code label}
 * int (the class index). Splits are separate datasets ({@code <dir>/train}, {@code <dir>/test}),
 * not a column.
 */
public final class DatasetSchema {
  public static final String ID = "id";
  public static final String FEATURES = "features";
  public static final String LABEL = "label";

  /** Train split directory name under an imported dataset. */
  public static final String TRAIN = "train";

  /** Test split directory name under an imported dataset. */
  public static final String TEST = "test";

  public static final StructType SCHEMA =
      new StructType(
          new StructField[] {
            DataTypes.createStructField(ID, DataTypes.LongType, false),
            DataTypes.createStructField(
                FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), false),
            DataTypes.createStructField(LABEL, DataTypes.IntegerType, false)
          });

  private DatasetSchema() {}

  /**
   * Checks that {@code actual} has the three columns with the right types (extra columns are
   * allowed; nullability is not checked, since Parquet reads arrays back as containsNull=true).
   *
   * @throws IllegalArgumentException naming the dataset, the column, what was expected and what was
   *     found
   */
  public static void requireLabelledDataset(StructType actual, String dataset) {
    List<String> problems = new ArrayList<>();
    requireColumn(actual, ID, DataTypes.LongType, problems);
    requireColumn(actual, FEATURES, DataTypes.createArrayType(DataTypes.FloatType), problems);
    requireColumn(actual, LABEL, DataTypes.IntegerType, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "Dataset "
              + dataset
              + " does not have the labelled-dataset schema: "
              + String.join("; ", problems)
              + " (found "
              + actual.simpleString()
              + ")");
    }
  }

  private static void requireColumn(
      StructType actual, String name, DataType expected, List<String> problems) {
    StructField field = null;
    for (StructField f : actual.fields()) {
      if (f.name().equals(name)) {
        field = f;
      }
    }
    if (field == null) {
      problems.add("column '" + name + "' is missing, expected " + expected.simpleString());
      return;
    }
    DataType got = field.dataType();
    boolean matches =
        expected instanceof ArrayType
            ? got instanceof ArrayType
                && ((ArrayType) got).elementType().equals(((ArrayType) expected).elementType())
            : got.equals(expected);
    if (!matches) {
      problems.add(
          "column '"
              + name
              + "' is "
              + got.simpleString()
              + ", expected "
              + expected.simpleString());
    }
  }
}
