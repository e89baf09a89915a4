package io.distill.trainer;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Networks kept in an executor JVM between rounds, one per concurrently running task, so a round
 * costs a parameter copy rather than building and initialising a network. Keyed by configuration
 * JSON.
 */
final class WorkerNetworks {
  private static final int MAX_IDLE_PER_CONFIGURATION = 8;
  private static final Map<String, Queue<MultiLayerNetwork>> IDLE = new ConcurrentHashMap<>();

  private WorkerNetworks() {}

  static MultiLayerNetwork borrow(String configurationJson) {
    MultiLayerNetwork net =
        IDLE.computeIfAbsent(configurationJson, k -> new ConcurrentLinkedQueue<>()).poll();
    if (net == null) {
      net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configurationJson));
      net.init();
    }
    return net;
  }

  static void giveBack(String configurationJson, MultiLayerNetwork net) {
    Queue<MultiLayerNetwork> idle =
        IDLE.computeIfAbsent(configurationJson, k -> new ConcurrentLinkedQueue<>());
    if (idle.size() < MAX_IDLE_PER_CONFIGURATION) {
      idle.add(net);
    }
  }
}
