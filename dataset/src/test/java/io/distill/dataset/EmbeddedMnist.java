package io.distill.dataset;

import io.distill.core.LocalSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The embedded MNIST slice imported to Parquet once per test JVM: 5,000 train and 1,000 test rows.
 */
public final class EmbeddedMnist {
  private static ImportMnistAction.Result imported;

  private EmbeddedMnist() {}

  public static synchronized ImportMnistAction.Result imported() {
    if (imported == null) {
      try {
        // Under the module's target/, so `mvn clean` removes it.
        Path dir =
            Files.createTempDirectory(Files.createDirectories(Path.of("target")), "mnist-slice");
        imported =
            ImportMnistAction.of(LocalSpark.session())
                .source(MnistFiles.embedded())
                .output(dir.resolve("data").toString())
                .execute();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return imported;
  }

  public static Dataset<Row> train() {
    return LocalSpark.session().read().parquet(imported().trainPath());
  }

  public static Dataset<Row> test() {
    return LocalSpark.session().read().parquet(imported().testPath());
  }
}
