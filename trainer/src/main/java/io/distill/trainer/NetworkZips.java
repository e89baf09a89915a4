package io.distill.trainer;

import io.distill.core.ModelArchive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
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
}
