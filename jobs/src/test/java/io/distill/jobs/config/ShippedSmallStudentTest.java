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
 * The small convolutional student shipped in the jar ({@link Params#SMALL_CNN_STUDENT}): where its
 * JSON comes from (this builder), and that it is a student smaller than the shipped teacher in
 * parameters and in forward flops, by more than ten times.
 */
class ShippedSmallStudentTest {

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

  @Test
  void isTheBuildersNetworkAndATenthOfTheTeacherOrLess() throws Exception {
    Configuration conf = new Configuration();
    String json;
    try (InputStream in = HadoopFiles.openRaw(Params.SMALL_CNN_STUDENT, conf)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    MultiLayerConfiguration shipped = MultiLayerConfiguration.fromJson(json);
    assertEquals(smallCnn(), shipped, "cnn-small.json is what smallCnn() builds");

    MultiLayerNetwork student = new MultiLayerNetwork(shipped);
    student.init();
    MultiLayerNetwork teacher;
    try (InputStream in = HadoopFiles.openRaw(Params.SHIPPED_TEACHER, conf)) {
      teacher = ModelSerializer.restoreMultiLayerNetwork(in, false);
    }
    assertEquals(8_474, student.numParams());
    assertTrue(
        student.numParams() * 10 <= teacher.numParams(), student.numParams() + " parameters");
    double studentFlops = NetworkFlops.forward(student, 784);
    double teacherFlops = NetworkFlops.forward(teacher, 784);
    assertTrue(
        studentFlops * 10 <= teacherFlops,
        "forward flops " + studentFlops + " against the teacher's " + teacherFlops);
  }
}
