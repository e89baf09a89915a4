package io.distill.student;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import io.distill.dataset.EmbeddedMnist;
import io.distill.losses.DistillationLoss;
import io.distill.trainer.LabelLayout;
import io.distill.trainer.Optimiser;
import io.distill.trainer.SparkTrainer;
import io.distill.trainer.TrainingResult;
import io.distill.trainer.TrainingSettings;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class StudentNetworksTest {
  /**
   * A small CNN written as DL4J JSON (softmax + MCXENT, as users write them) becomes a logits
   * student.
   */
  @Test
  void aCnnGivenAsDl4jJsonTrainsAsADistilledStudent() {
    String json =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .updater(new Adam(2e-3))
            .list()
            .layer(new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.RELU).build())
            .layer(
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                    .kernelSize(2, 2)
                    .stride(2, 2)
                    .build())
            .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(10)
                    .activation(Activation.SOFTMAX)
                    .build())
            .setInputType(InputType.convolutionalFlat(28, 28, 1))
            .build()
            .toJson();
    MultiLayerConfiguration conf =
        StudentNetworks.fromJson(json, "cnn.json", new DistillationLoss(0.5, 4));
    BaseOutputLayer out = (BaseOutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer();
    assertEquals(new DistillationLoss(0.5, 4), out.getLossFn());
    assertTrue(out.getActivationFn() instanceof ActivationIdentity);
    assertEquals(784, LabelLayout.inputSize(conf));

    TrainingResult result =
        SparkTrainer.of(LocalSpark.session())
            .name("cnn")
            .network(conf)
            .trainingData(
                EmbeddedMnist.train()
                    .where("id < 2000")
                    .selectExpr(
                        "id",
                        "features",
                        "label",
                        "transform(sequence(0, 9), k -> CAST(IF(k = label, 5.0, 0.0) AS FLOAT)) AS teacher_logits"))
            .teacherLogitsColumn("teacher_logits")
            .validationData(
                EmbeddedMnist.test()
                    .selectExpr(
                        "id",
                        "features",
                        "label",
                        "transform(sequence(0, 9), k -> CAST(IF(k = label, 5.0, 0.0) AS FLOAT)) AS teacher_logits"))
            .settings(
                TrainingSettings.builder().epochs(2).workers(2).batchSizePerWorker(32).build())
            .execute();
    assertTrue(result.lastEpoch().validationAccuracy() > 0.8, result.lastEpoch().toString());
    // The JSON's own updater is what trained it: nothing replaces it (Optimiser's precedence).
    for (int i = 0; i < conf.getConfs().size(); i++) {
      if (result.network().getLayerWiseConfigurations().getConf(i).getLayer()
          instanceof BaseLayer l) {
        assertEquals(new Adam(2e-3), l.getIUpdater(), "layer " + i);
      }
    }
  }

  /** An MLP student learns with the optimiser it is given, schedule included, on every layer. */
  @Test
  void anMlpStudentTakesTheOptimisersUpdater() {
    Optimiser optimiser = Optimiser.adam(0.01, 0.5);
    MultiLayerConfiguration conf =
        StudentNetworks.mlp(
            784, new int[] {10}, 10, 1, 1, optimiser, DistillationLoss.hardLabelsOnly(), 1);
    for (int i = 0; i < conf.getConfs().size(); i++) {
      assertEquals(
          optimiser.updater(),
          ((BaseLayer) conf.getConf(i).getLayer()).getIUpdater(),
          "layer " + i);
    }
    MultiLayerConfiguration constant =
        StudentNetworks.mlp(
            784,
            new int[] {10},
            10,
            1,
            1,
            Optimiser.adam(0.01, 1),
            DistillationLoss.hardLabelsOnly(),
            1);
    assertEquals(new Adam(0.01), ((BaseLayer) constant.getConf(0).getLayer()).getIUpdater());
  }

  @Test
  void badJsonAndBadArgumentsAreNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                StudentNetworks.fromJson(
                    "{not json", "conf/bad.json", DistillationLoss.hardLabelsOnly()));
    assertTrue(
        e.getMessage().startsWith("Configuration conf/bad.json is not a DL4J"), e.getMessage());
    assertEquals(
        "hidden[1] must be at least 1, cannot be: 0",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    StudentNetworks.mlp(
                        784,
                        new int[] {10, 0},
                        10,
                        1,
                        1,
                        Optimiser.adam(1e-3, 1),
                        DistillationLoss.hardLabelsOnly(),
                        1))
            .getMessage());
    assertEquals(
        "inputRetain (a retain probability) must be in (0, 1], cannot be: 0.0",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    StudentNetworks.mlp(
                        784,
                        new int[] {10},
                        10,
                        0,
                        1,
                        Optimiser.adam(1e-3, 1),
                        DistillationLoss.hardLabelsOnly(),
                        1))
            .getMessage());
  }
}
