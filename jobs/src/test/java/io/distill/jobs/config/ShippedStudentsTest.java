package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.HadoopFiles;
import io.distill.trainer.NetworkFlops;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The convolutional students shipped in the jar ({@link Params#SMALL_CNN_STUDENT}, {@link
 * Params#TINY_CNN_STUDENT}): where each JSON comes from (the builders here), and that each is
 * smaller than the shipped teacher in parameters and in forward flops, by more than ten times.
 */
class ShippedStudentsTest {

  /** How {@code cnn-small.json} was made: conv 5x5x6, pool 2, conv 5x5x12, pool 2, dense 32, 10. */
  static MultiLayerConfiguration smallCnn() {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .updater(new Adam(new ExponentialSchedule(ScheduleType.EPOCH, 0.002, 0.85)))
        .weightInit(WeightInit.RELU)
        .list()
        .layer(new ConvolutionLayer.Builder(5, 5).nOut(6).activation(Activation.RELU).build())
        .layer(
            new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .build())
        .layer(new ConvolutionLayer.Builder(5, 5).nOut(12).activation(Activation.RELU).build())
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
        .build();
  }

  /**
   * How {@code cnn-tiny.json} was made: average pool 2 (to 14x14), conv 3x3x8, max pool 2, softmax
   * 10. Its optimiser (Adam at 0.004, decay 0.9 per epoch) is fixed here, not searched: the rate
   * the MLP students' searches chose most often on the slice, with a decay between theirs.
   */
  static MultiLayerConfiguration tinyCnn() {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .updater(new Adam(new ExponentialSchedule(ScheduleType.EPOCH, 0.004, 0.9)))
        .weightInit(WeightInit.RELU)
        .list()
        .layer(
            new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG)
                .kernelSize(2, 2)
                .stride(2, 2)
                .build())
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build())
        .layer(
            new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .build())
        .layer(
            new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(10)
                .activation(Activation.SOFTMAX)
                .build())
        .setInputType(InputType.convolutionalFlat(28, 28, 1))
        .build();
  }

  @Test
  void smallCnnIsTheBuildersNetworkAndATenthOfTheTeacherOrLess() throws Exception {
    assertShipped(Params.SMALL_CNN_STUDENT, smallCnn(), 8_474);
  }

  @Test
  void tinyCnnIsTheBuildersNetworkAndATenthOfTheTeacherOrLess() throws Exception {
    assertShipped(Params.TINY_CNN_STUDENT, tinyCnn(), 2_970);
  }

  private static void assertShipped(String path, MultiLayerConfiguration built, long params)
      throws Exception {
    Configuration conf = new Configuration();
    String json;
    try (InputStream in = HadoopFiles.openRaw(path, conf)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    MultiLayerConfiguration shipped = MultiLayerConfiguration.fromJson(json);
    assertEquals(built, shipped, path + " is what its builder makes");

    MultiLayerNetwork student = new MultiLayerNetwork(shipped);
    student.init();
    MultiLayerNetwork teacher;
    try (InputStream in = HadoopFiles.openRaw(Params.SHIPPED_TEACHER, conf)) {
      teacher = ModelSerializer.restoreMultiLayerNetwork(in, false);
    }
    assertEquals(params, student.numParams());
    assertTrue(
        student.numParams() * 10 <= teacher.numParams(), student.numParams() + " parameters");
    double studentFlops = NetworkFlops.forward(student, 784);
    double teacherFlops = NetworkFlops.forward(teacher, 784);
    assertTrue(
        studentFlops * 10 <= teacherFlops,
        "forward flops " + studentFlops + " against the teacher's " + teacherFlops);
  }
}
