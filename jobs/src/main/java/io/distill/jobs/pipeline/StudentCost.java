package io.distill.jobs.pipeline;

import io.distill.jobs.config.StudentSize;
import io.distill.losses.DistillationLoss;
import io.distill.student.StudentNetworks;
import io.distill.trainer.NetworkFlops;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What a student size costs before it trains: its parameters and forward flops per example, as the
 * report counts them for a trained one. An MLP's follow from its widths; a student given as DL4J
 * JSON (at its width factor) is built and initialised once to count them.
 */
record StudentCost(long parameters, double flops) {
  static StudentCost of(PipelineContext ctx, StudentSize size, int features, int classes) {
    if (size.mlp()) {
      return new StudentCost(
          mlpParameters(features, size.hidden(), classes),
          mlpForwardFlops(features, size.hidden(), classes));
    }
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            StudentNetworks.fromJson(
                StudentStage.dl4jJson(ctx, size),
                size.dl4jJson(),
                DistillationLoss.hardLabelsOnly()));
    net.init();
    return new StudentCost(net.numParams(), NetworkFlops.forward(net, features));
  }

  /** An MLP's weights and biases: features → hidden widths → classes. */
  static long mlpParameters(int features, List<Integer> hidden, int classes) {
    long biases = classes;
    for (int w : hidden) {
      biases += w;
    }
    return mlpWeights(features, hidden, classes) + biases;
  }

  /** An MLP's forward flops per example: 2 per weight, as {@code NetworkFlops} counts them. */
  static double mlpForwardFlops(int features, List<Integer> hidden, int classes) {
    return 2.0 * mlpWeights(features, hidden, classes);
  }

  /** An MLP's weights (its dense layers' inputs × outputs), without the biases. */
  private static long mlpWeights(int features, List<Integer> hidden, int classes) {
    long total = 0;
    long in = features;
    for (int w : hidden) {
      total += in * w;
      in = w;
    }
    return total + in * classes;
  }
}
