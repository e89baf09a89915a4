package io.distill.jobs;

import io.distill.core.LocalSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;

/**
 * What the integration tests read from a run directory another process is writing or has written.
 */
final class RunOutputs {
  private RunOutputs() {}

  /**
   * Whether a file named {@code name} exists anywhere under {@code root}; false while {@code root}
   * does not exist or a directory is renamed under the walk (the run is still writing).
   */
  static boolean containsFile(Path root, String name) {
    if (!Files.isDirectory(root)) {
      return false;
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.anyMatch(p -> p.getFileName().toString().equals(name));
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  /**
   * Test accuracy of every model (teacher included) in a finished run's metrics table, by model
   * name.
   */
  static Map<String, Double> accuracies(Path run) {
    Map<String, Double> result = new TreeMap<>();
    for (Row r :
        LocalSpark.session().read().parquet(run.resolve("metrics").toString()).collectAsList()) {
      result.put(r.getAs("model"), r.<Double>getAs("test_accuracy"));
    }
    return result;
  }
}
