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
    return convolutional(0.002, 0.85)
        .layer(conv(5, 6))
        .layer(pool(SubsamplingLayer.PoolingType.MAX))
        .layer(conv(5, 12))
        .layer(pool(SubsamplingLayer.PoolingType.MAX))
        .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
        .layer(softmax())
        .setInputType(InputType.convolutionalFlat(28, 28, 1))
        .build();
  }

  /**
   * How {@code cnn-tiny.json} was made: average pool 2 (to 14x14), conv 3x3x8, max pool 2, softmax
   * 10. Its optimiser (Adam at 0.004, decay 0.9 per epoch) is fixed here, not searched: the rate
   * the MLP students' searches chose most often on the slice, with a decay between theirs.
   */
  static MultiLayerConfiguration tinyCnn() {
    return convolutional(0.004, 0.9)
        .layer(pool(SubsamplingLayer.PoolingType.AVG))
        .layer(conv(3, 8))
        .layer(pool(SubsamplingLayer.PoolingType.MAX))
        .layer(softmax())
        .setInputType(InputType.convolutionalFlat(28, 28, 1))
        .build();
  }

  /** Seed 42, Adam at {@code rate} × {@code decay} per epoch, ReLU initialisation. */
  private static NeuralNetConfiguration.ListBuilder convolutional(double rate, double decay) {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .updater(new Adam(new ExponentialSchedule(ScheduleType.EPOCH, rate, decay)))
        .weightInit(WeightInit.RELU)
        .list();
  }

  private static ConvolutionLayer conv(int kernel, int channels) {
    return new ConvolutionLayer.Builder(kernel, kernel)
        .nOut(channels)
        .activation(Activation.RELU)
        .build();
  }

  private static SubsamplingLayer pool(SubsamplingLayer.PoolingType type) {
    return new SubsamplingLayer.Builder(type).kernelSize(2, 2).stride(2, 2).build();
  }

  private static OutputLayer softmax() {
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nOut(10)
        .activation(Activation.SOFTMAX)
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
