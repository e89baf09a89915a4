package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Records to rows and back, and a table written before a nullable column was added: its rows read
 * with that component null, while a missing primitive column is still an error.
 */
class RecordRowsTest {
  record Scored(String model, long testErrors, Long onlyRight) {}

  @Test
  void aRecordRoundTrips() {
    Scored s = new Scored("a", 12, 3L);
    Row plain = RecordRows.toRow(s);
    Object[] values = new Object[plain.length()];
    for (int i = 0; i < values.length; i++) {
      values[i] = plain.get(i);
    }
    Row row = new GenericRowWithSchema(values, RecordRows.schema(Scored.class));
    assertEquals(s, RecordRows.fromRow(row, Scored.class));
    assertEquals(
        "struct<model:string,test_errors:bigint,only_right:bigint>",
        RecordRows.schema(Scored.class).simpleString());
  }

  @Test
  void aNullableColumnAnOlderTableLacksReadsAsNull() {
    StructType older =
        new StructType().add("model", DataTypes.StringType).add("test_errors", DataTypes.LongType);
    Row row = new GenericRowWithSchema(new Object[] {"a", 12L}, older);
    Scored read = RecordRows.fromRow(row, Scored.class);
    assertEquals("a", read.model());
    assertEquals(12, read.testErrors());
    assertNull(read.onlyRight());
  }

  @Test
  void aMissingPrimitiveColumnIsStillAnError() {
    StructType broken =
        new StructType().add("model", DataTypes.StringType).add("only_right", DataTypes.LongType);
    Row row = new GenericRowWithSchema(new Object[] {"a", 3L}, broken);
    assertThrows(IllegalArgumentException.class, () -> RecordRows.fromRow(row, Scored.class));
  }
}
