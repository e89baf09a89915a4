package io.distill.trainer;

import io.distill.core.ModelArchive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The one way the project restores a MultiLayerNetwork from a DL4J model zip's bytes: the zip's
 * entries are checked to be network data ({@link ModelArchive}) before DL4J reads any of it.
 */
public final class NetworkZips {
  private NetworkZips() {}

  /**
   * The network in {@code zip} (with its updater state when {@code withUpdater}); {@code name}
   * names the file in a refusal.
   *
   * @throws ModelArchive.RefusedEntryException when the zip holds anything but network data
   */
  public static MultiLayerNetwork restore(byte[] zip, String name, boolean withUpdater)
      throws IOException {
    ModelArchive.requireDataOnly(new ByteArrayInputStream(zip), name);
    return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), withUpdater);
  }

  /**
   * The network (without updater state) in the model zip at {@code path}, any Hadoop FS path: read
   * with a bound on its size, then as {@link #restore}.
   *
   * @param what what the file is, for the message when it cannot be read ("the student model")
   */
  public static MultiLayerNetwork read(String path, Configuration conf, String what) {
    Path p = new Path(path);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return restore(ModelArchive.readBounded(in, path), path, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + what + " " + path + ": " + e.getMessage(), e);
    }
  }
}
