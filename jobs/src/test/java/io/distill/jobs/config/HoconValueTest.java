package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One reading of a typed value, for --set and the sub-commands' options alike. */
class HoconValueTest {
  private final List<String> problems = new ArrayList<>();

  private Object read(String text) {
    ConfigValue v = HoconValue.parse(text, "--x", problems);
    return v == null ? null : v.unwrapped();
  }

  @Test
  void hoconWhereItIsPlainStringsWhereHoconWouldChangeThem() {
    assertEquals(5, read("5"));
    assertEquals(List.of(800, 800), read("[800, 800]"));
    assertEquals("quoted // text", read("\"quoted // text\""));
    assertEquals("a//b.json", read("a//b.json"));
    assertEquals("s3a://bucket/runs/r1", read("s3a://bucket/runs/r1"));
    assertEquals("x # y", read("x # y"));
    assertEquals(List.of(), problems);
  }

  @Test
  void aStructuredValueMustBeValidHocon() {
    assertNull(read("[1, 2"));
    assertEquals(1, problems.size());
    assertEquals(
        true, problems.get(0).startsWith("--x: the value is not valid HOCON: "), problems.get(0));
  }
}
