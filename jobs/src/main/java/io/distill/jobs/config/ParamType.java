package io.distill.jobs.config;

import com.typesafe.config.ConfigValue;
import java.util.List;

/**
 * How the values of a {@link Param} are read from HOCON, checked and written back. {@link #read}
 * adds one problem per mistake to {@code problems}, naming the full key, what was expected and what
 * was got, and then returns null.
 *
 * @param <T> the value's Java type
 */
public interface ParamType<T> {
  /** The value at {@code path}, or null (with problems added) when it is not acceptable. */
  T read(ConfigValue value, String path, List<String> problems);

  /** The value as plain JSON-ready data: String, Integer, Long, Double, List, Map or null. */
  Object plain(T value);

  /** The type and range, e.g. "Integer >= 1", for documentation. */
  String describe();

  /** The value as HOCON text, e.g. {@code "runs/default"} or {@code [1200, 1200]}. */
  default String render(T value) {
    return ValueReader.hocon(plain(value));
  }

  /** Whether null is an acceptable value. */
  default boolean nullable() {
    return false;
  }
}
