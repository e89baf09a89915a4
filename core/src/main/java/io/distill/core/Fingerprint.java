package io.distill.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;

/**
 * The identity of a piece of work's complete inputs, for {@link RecordStore}: named parts (values
 * written as JSON, files by the sha256 of their bytes, upstream work by its own fingerprint) hashed
 * together. Two runs with equal parts get equal fingerprints; a changed file content changes it
 * even when its name stays.
 */
public final class Fingerprint {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final Map<String, String> parts = new TreeMap<>();

  private Fingerprint(String what) {
    parts.put("", what);
  }

  /** A fingerprint of the work named {@code what} (e.g. "students"). */
  public static Fingerprint of(String what) {
    return new Fingerprint(what);
  }

  /** A part given as a value (a string, number, list, map or record, written as JSON). */
  public Fingerprint add(String name, Object value) {
    try {
      parts.put(name, value instanceof String s ? s : JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "Cannot write part " + name + " of a fingerprint: " + e.getMessage(), e);
    }
    return this;
  }

  /** A part given as a file, by the sha256 of its bytes (any Hadoop FS path). */
  public Fingerprint addFile(String name, String path, Configuration conf) {
    parts.put(name, "sha256:" + HadoopFiles.sha256(path, conf));
    return this;
  }

  /** The sha256, in hex, of the parts. */
  public String hex() {
    StringBuilder b = new StringBuilder();
    parts.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return HadoopFiles.sha256Hex(b.toString());
  }

  @Override
  public String toString() {
    return hex();
  }
}
