package io.distill.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.example.gadget.Gadget;
import org.junit.jupiter.api.Test;

/** The process-wide deserialization filter, as installed by the job (and by every Spark test). */
class SerialFilterTest {
  private static byte[] serialize(Object o) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.toByteArray();
  }

  private static Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    }
  }

  @Test
  void aClassOutsideTheAllowListIsRejectedBeforeItsReadObjectRuns() throws Exception {
    SerialFilter.install();
    assertSame(SerialFilter.filter(), ObjectInputFilter.Config.getSerialFilter());
    byte[] gadget = serialize(List.of("harmless", new Gadget()));
    InvalidClassException e = assertThrows(InvalidClassException.class, () -> deserialize(gadget));
    assertTrue(e.getMessage().contains("REJECTED"), e.getMessage());
    assertFalse(Gadget.ran, "the gadget's readObject ran");
  }

  @Test
  void whatSparkAndTheProjectSerializeStillReads() throws Exception {
    SerialFilter.install();
    ArrayList<Object> values =
        new ArrayList<>(List.of("a", 1L, List.of(1, 2), new float[0].length));
    values.add(new OutputKind("scores", null));
    assertEquals(values.toString(), deserialize(serialize(values)).toString());
    // A Spark job: its closures, tasks and results cross Java serialization under the filter.
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(LocalSpark.session().sparkContext());
    int offset = 3;
    assertEquals(
        List.of(4, 5, 6), sc.parallelize(List.of(1, 2, 3), 2).map(x -> x + offset).collect());
  }
}
