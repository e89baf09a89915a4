package io.distill.trainer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.HadoopFiles;
import io.distill.core.ModelArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training checkpoint in a Hadoop FS directory: {@code epoch-NNNN.zip} (the network with its
 * updater state, as DL4J's ModelSerializer writes it) and {@code checkpoint.json} (the last
 * completed epoch, the model file, the history so far, and the best epoch). The JSON is written
 * last and each file is renamed into place, so a reader finds either the previous checkpoint or the
 * new one, whole. Only the newest model and the best one are kept.
 */
public final class TrainingCheckpoint {
  static final String POINTER = "checkpoint.json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(TrainingCheckpoint.class);

  private final int epoch;
  private final MultiLayerNetwork network;
  private final List<EpochStats> history;
  private final int bestEpoch;
  private final MultiLayerNetwork best;

  private TrainingCheckpoint(
      int epoch,
      MultiLayerNetwork network,
      List<EpochStats> history,
      int bestEpoch,
      MultiLayerNetwork best) {
    this.epoch = epoch;
    this.network = network;
    this.history = List.copyOf(history);
    this.bestEpoch = bestEpoch;
    this.best = best;
  }

  /** Last completed epoch (1-based). */
  public int epoch() {
    return epoch;
  }

  /** The network after {@link #epoch()}, with its updater state and iteration/epoch counters. */
  public MultiLayerNetwork network() {
    return network;
  }

  public List<EpochStats> history() {
    return history;
  }

  /** Epoch with the best validation accuracy so far (0 when there is no validation data). */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** The network of {@link #bestEpoch()}, when it was kept (early stopping). */
  public Optional<MultiLayerNetwork> best() {
    return Optional.ofNullable(best);
  }

  /** Writes a checkpoint for {@code epoch}; {@code best} may be null. */
  static void write(
      String dir,
      int epoch,
      MultiLayerNetwork network,
      List<EpochStats> history,
      int bestEpoch,
      MultiLayerNetwork best,
      Configuration conf) {
    Path root = new Path(dir);
    try {
      FileSystem fs = root.getFileSystem(conf);
      fs.mkdirs(root);
      Map<String, Object> previous = readPointer(fs, root).orElse(Map.of());
      String model = String.format("epoch-%04d.zip", epoch);
      writeModel(fs, new Path(root, model), network);
      String bestModel = (String) previous.get("bestModel");
      if (best != null && bestEpoch == epoch) {
        bestModel = "best-" + model;
        writeModel(fs, new Path(root, bestModel), best);
      }
      Map<String, Object> pointer = new LinkedHashMap<>();
      pointer.put("epoch", epoch);
      pointer.put("model", model);
      pointer.put("bestEpoch", bestEpoch);
      pointer.put("bestModel", bestModel);
      pointer.put("history", history);
      HadoopFiles.writeJson(new Path(root, POINTER).toString(), pointer, conf);
      for (String old :
          List.of(
              String.valueOf(previous.get("model")), String.valueOf(previous.get("bestModel")))) {
        if (!old.equals(model) && !old.equals(bestModel) && !old.equals("null")) {
          fs.delete(new Path(root, old), false);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the checkpoint of epoch " + epoch + " to " + dir + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * The newest checkpoint in {@code dir}, if there is one. A checkpoint that cannot be read
   * (truncated, damaged, its model file gone) is skipped with a warning, and training starts
   * afresh; one holding anything but network data is refused ({@link
   * ModelArchive.RefusedEntryException}), since that is not damage.
   */
  public static Optional<TrainingCheckpoint> latest(String dir, Configuration conf) {
    try {
      return read(dir, conf);
    } catch (ModelArchive.RefusedEntryException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "The checkpoint in {} cannot be read ({}); training starts afresh", dir, e.toString());
      return Optional.empty();
    }
  }

  private static Optional<TrainingCheckpoint> read(String dir, Configuration conf)
      throws IOException {
    Path root = new Path(dir);
    FileSystem fs = root.getFileSystem(conf);
    Optional<Map<String, Object>> pointer = readPointer(fs, root);
    if (pointer.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Object> p = pointer.get();
    MultiLayerNetwork network = readModel(fs, new Path(root, (String) p.get("model")));
    MultiLayerNetwork best =
        p.get("bestModel") == null
            ? null
            : readModel(fs, new Path(root, (String) p.get("bestModel")));
    List<EpochStats> history =
        new ArrayList<>(
            JSON.convertValue(p.get("history"), new TypeReference<List<EpochStats>>() {}));
    return Optional.of(
        new TrainingCheckpoint(
            ((Number) p.get("epoch")).intValue(),
            network,
            history,
            ((Number) p.get("bestEpoch")).intValue(),
            best));
  }

  private static Optional<Map<String, Object>> readPointer(FileSystem fs, Path root)
      throws IOException {
    Path pointer = new Path(root, POINTER);
    if (!fs.exists(pointer)) {
      return Optional.empty();
    }
    try (InputStream in = fs.open(pointer)) {
      return Optional.of(JSON.readValue(in, new TypeReference<Map<String, Object>>() {}));
    }
  }

  private static void writeModel(FileSystem fs, Path path, MultiLayerNetwork network) {
    HadoopFiles.publishFile(
        path.toString(), fs.getConf(), out -> ModelSerializer.writeModel(network, out, true));
  }

  private static MultiLayerNetwork readModel(FileSystem fs, Path path) throws IOException {
    try (InputStream in = fs.open(path)) {
      return NetworkZips.restore(
          ModelArchive.readBounded(in, path.toString()), path.toString(), true);
    }
  }
}
