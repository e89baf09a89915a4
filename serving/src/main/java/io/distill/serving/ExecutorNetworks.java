package io.distill.serving;

import io.distill.core.HadoopFiles;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The networks a {@link DistilledModel} scores with, held by an executor JVM by the sha256 of their
 * zip: restored once per JVM; each task thread then borrows its own copy (a DL4J network must not
 * run in two threads at once), cloned in memory from the first, and gives it back for the next
 * task.
 */
final class ExecutorNetworks {
  private static final Map<String, MultiLayerNetwork> LOADED = new ConcurrentHashMap<>();
  private static final Map<String, Queue<MultiLayerNetwork>> IDLE = new ConcurrentHashMap<>();
  private static final Map<String, Integer> LOADS = new ConcurrentHashMap<>();

  private ExecutorNetworks() {}

  /**
   * A network of its own for this thread.
   *
   * @param zip read (from the broadcast) only the first time in this JVM
   * @throws IllegalStateException when the bytes read do not have the sha256 the driver recorded
   */
  static MultiLayerNetwork borrow(String sha256, Supplier<byte[]> zip) {
    MultiLayerNetwork idle =
        IDLE.computeIfAbsent(sha256, k -> new ConcurrentLinkedQueue<>()).poll();
    if (idle != null) {
      return idle;
    }
    MultiLayerNetwork first = LOADED.get(sha256);
    if (first == null) {
      synchronized (ExecutorNetworks.class) {
        first = LOADED.get(sha256);
        if (first == null) {
          byte[] bytes = zip.get();
          String got = HadoopFiles.sha256Hex(bytes);
          if (!got.equals(sha256)) {
            throw new IllegalStateException(
                "The model's bytes on this executor have sha256 "
                    + got
                    + ", the driver's have "
                    + sha256);
          }
          first = DistilledModel.restore(bytes, "sha256 " + sha256);
          LOADS.merge(sha256, 1, Integer::sum);
          LOADED.put(sha256, first);
          return first;
        }
      }
    }
    return first.clone();
  }

  static void giveBack(String sha256, MultiLayerNetwork network) {
    IDLE.computeIfAbsent(sha256, k -> new ConcurrentLinkedQueue<>()).add(network);
  }

  /** How many times this JVM restored the network with this hash (for tests: once). */
  static int loads(String sha256) {
    return LOADS.getOrDefault(sha256, 0);
  }
}
