package io.distill.trainer;

import io.distill.dataset.ImportMnistAction;
import io.distill.dataset.LocalSpark;
import io.distill.dataset.MnistFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The embedded MNIST slice imported to Parquet once per test JVM: 5,000 train and 1,000 test rows. */
final class MnistSlice {
  private static ImportMnistAction.Result imported;

  private MnistSlice() {}

  static synchronized ImportMnistAction.Result imported() {
    if (imported == null) {
      try {
        Path dir = Files.createTempDirectory("mnist-slice");
        dir.toFile().deleteOnExit();
        imported = ImportMnistAction.of(LocalSpark.session()).source(MnistFiles.embedded())
            .output(dir.resolve("data").toString()).execute();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return imported;
  }

  static Dataset<Row> train() {
    return LocalSpark.session().read().parquet(imported().trainPath());
  }

  static Dataset<Row> test() {
    return LocalSpark.session().read().parquet(imported().testPath());
  }
}
