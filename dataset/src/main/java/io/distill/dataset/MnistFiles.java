package io.distill.dataset;

import io.distill.core.DataSource;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The four standard MNIST IDX files of one dataset: train and test images and labels. A directory
 * may hold each either gzip-compressed ({@code train-images-idx3-ubyte.gz}) or raw ({@code
 * train-images-idx3-ubyte}).
 */
public final class MnistFiles {
  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

  /** The embedded default: the first 5,000 train and 1,000 test images of MNIST, inside the jar. */
  public static final String EMBEDDED_DIR = "classpath:/io/distill/dataset/mnist-slice";

  private final String directory;
  private final DataSource trainImages;
  private final DataSource trainLabels;
  private final DataSource testImages;
  private final DataSource testLabels;

  private MnistFiles(
      String directory,
      DataSource trainImages,
      DataSource trainLabels,
      DataSource testImages,
      DataSource testLabels) {
    this.directory = directory;
    this.trainImages = trainImages;
    this.trainLabels = trainLabels;
    this.testImages = testImages;
    this.testLabels = testLabels;
  }

  /** The slice of MNIST shipped inside the project. */
  public static MnistFiles embedded() {
    return in(EMBEDDED_DIR, new Configuration());
  }

  /**
   * Finds the four files in a directory (any Hadoop FS URI or {@code classpath:} directory), each
   * as {@code name.gz} or {@code name}.
   *
   * @throws IllegalArgumentException listing every file that is in neither form
   */
  public static MnistFiles in(String directory, Configuration hadoopConf) {
    String dir =
        directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory;
    List<String> missing = new ArrayList<>();
    DataSource[] found = new DataSource[4];
    String[] names = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};
    for (int i = 0; i < names.length; i++) {
      DataSource gz = DataSource.of(dir + "/" + names[i] + ".gz");
      DataSource raw = DataSource.of(dir + "/" + names[i]);
      if (gz.exists(hadoopConf)) {
        found[i] = gz;
      } else if (raw.exists(hadoopConf)) {
        found[i] = raw;
      } else {
        missing.add(names[i] + "[.gz]");
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "MNIST directory "
              + dir
              + " lacks "
              + String.join(", ", missing)
              + " (expected the four standard IDX files, gzip or raw; bin/fetch-mnist DIR downloads them)");
    }
    return new MnistFiles(dir, found[0], found[1], found[2], found[3]);
  }

  public String directory() {
    return directory;
  }

  public DataSource trainImages() {
    return trainImages;
  }

  public DataSource trainLabels() {
    return trainLabels;
  }

  public DataSource testImages() {
    return testImages;
  }

  public DataSource testLabels() {
    return testLabels;
  }
}
