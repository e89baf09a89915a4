package io.distill.jobs.pipeline;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Spark rows from Java records of flat fields (String, double, long, int, boolean; Long and Double
 * nullable) and back: one column per record component, named after it in snake_case, so the metrics
 * and history tables read naturally in Spark SQL and pandas. Reading back, a nullable component
 * whose column a table lacks (written before the column was added) is null.
 */
public final class RecordRows {
  private RecordRows() {}

  public static StructType schema(Class<? extends Record> type) {
    List<StructField> fields = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      fields.add(
          DataTypes.createStructField(
              snake(c.getName()), sparkType(c.getType()), !c.getType().isPrimitive()));
    }
    return DataTypes.createStructType(fields);
  }

  public static Row toRow(Record record) {
    RecordComponent[] components = record.getClass().getRecordComponents();
    Object[] values = new Object[components.length];
    try {
      for (int i = 0; i < components.length; i++) {
        values[i] = components[i].getAccessor().invoke(record);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    return RowFactory.create(values);
  }

  public static <R extends Record> R fromRow(Row row, Class<R> type) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      String column = snake(components[i].getName());
      boolean present =
          row.schema() == null || Arrays.asList(row.schema().fieldNames()).contains(column);
      // A nullable column that a table written before it existed lacks reads as null.
      values[i] = !present && !types[i].isPrimitive() ? null : row.get(row.fieldIndex(column));
    }
    try {
      Constructor<R> constructor = type.getDeclaredConstructor(types);
      return constructor.newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot read a " + type.getSimpleName() + " from " + row, e);
    }
  }

  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
  }

  private static DataType sparkType(Class<?> type) {
    if (type == String.class) {
      return DataTypes.StringType;
    } else if (type == double.class) {
      return DataTypes.DoubleType;
    } else if (type == long.class) {
      return DataTypes.LongType;
    } else if (type == int.class) {
      return DataTypes.IntegerType;
    } else if (type == boolean.class) {
      return DataTypes.BooleanType;
    } else if (type == Long.class) {
      return DataTypes.LongType;
    } else if (type == Double.class) {
      return DataTypes.DoubleType;
    }
    throw new IllegalArgumentException(
        "No Spark column type for a record component of type " + type);
  }
}
