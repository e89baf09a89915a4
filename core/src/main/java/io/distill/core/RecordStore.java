package io.distill.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache of finished work: one JSON file per entry in a directory on any Hadoop file system,
 * holding the fingerprint of the entry's inputs, its seconds, when it finished, and its typed
 * output (a Java record, written and read back with Jackson). A rerun asks {@link #find} with the
 * fingerprint of its current inputs and reuses the output only if they match. The pipeline keeps
 * its stages' records here ({@code run.dir/_stages/<stage>.json}) and the student sweep its models'
 * ({@code run.dir/_stages/students/<model>.json}): one cache, one format. Each file is written
 * whole or not at all ({@link HadoopFiles#writeJson}).
 */
public final class RecordStore {
  private static final Logger LOG = LoggerFactory.getLogger(RecordStore.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final String dir;
  private final Configuration conf;

  public RecordStore(String dir, Configuration conf) {
    this.dir = dir;
    this.conf = conf;
  }

  /** What one entry recorded. */
  public record Entry<T>(
      String name, String fingerprint, double seconds, String finishedAt, T output) {}

  /** The directory the records live in. */
  public String dir() {
    return dir;
  }

  /** The entry {@code name}, whatever its fingerprint, if there is one. */
  public <T> Optional<Entry<T>> read(String name, Class<T> type) {
    Path path = path(name);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      JsonNode node;
      try (InputStream in = fs.open(path)) {
        node = JSON.readTree(in);
      }
      // Records written before the typed outputs held them under "outputs".
      JsonNode output = node.has("output") ? node.get("output") : node.get("outputs");
      T value;
      try {
        value = output == null || output.isNull() ? null : JSON.treeToValue(output, type);
      } catch (JsonProcessingException e) {
        LOG.warn(
            "The record {} does not hold a {} (written by another version?): ignoring it ({})",
            path,
            type.getSimpleName(),
            e.getOriginalMessage());
        return Optional.empty();
      }
      if (value == null) {
        return Optional.empty();
      }
      return Optional.of(
          new Entry<>(
              node.path("name").asText(name),
              node.path("fingerprint").asText(),
              node.path("seconds").asDouble(),
              node.path("finishedAt").asText(),
              value));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** The output of {@code name} if it was recorded for exactly this fingerprint. */
  public <T> Optional<T> find(String name, String fingerprint, Class<T> type) {
    return read(name, type).filter(e -> e.fingerprint().equals(fingerprint)).map(Entry::output);
  }

  /** Records {@code output} as the result of {@code name} for inputs with this fingerprint. */
  public <T> void write(String name, String fingerprint, double seconds, T output) {
    HadoopFiles.writeJson(
        path(name).toString(),
        new Entry<>(name, fingerprint, seconds, Instant.now().toString(), output),
        conf);
  }

  /** Forgets the entry {@code name}. */
  public void delete(String name) {
    Path path = path(name);
    try {
      path.getFileSystem(conf).delete(path, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + path + ": " + e.getMessage(), e);
    }
  }

  private Path path(String name) {
    return new Path(dir + "/" + name + ".json");
  }
}
