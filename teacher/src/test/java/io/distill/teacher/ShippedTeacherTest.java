package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.HadoopFiles;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** The teacher shipped in the jar is the file its README describes, and loads as that network. */
class ShippedTeacherTest {
  private static final String DIR = "classpath:/io/distill/teacher/mnist-cnn/";

  @Test
  void theShippedFileMatchesTheSha256InItsReadme() throws Exception {
    String readme;
    try (InputStream in = HadoopFiles.openRaw(DIR + "README.md", new Configuration())) {
      readme = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher m =
        Pattern.compile("`model\\.zip`, ([0-9,]+) bytes, sha256 `([0-9a-f]{64})`").matcher(readme);
    assertTrue(m.find(), "the README's file row names the bytes and sha256");
    String sha256 = HadoopFiles.sha256(DIR + "model.zip", new Configuration());
    assertEquals(m.group(2), sha256, "model.zip is the file the README describes");
    try (InputStream in = HadoopFiles.openRaw(DIR + "model.zip", new Configuration())) {
      assertEquals(Long.parseLong(m.group(1).replace(",", "")), in.readAllBytes().length);
    }
  }

  @Test
  void itLoadsAsTheConvolutionalTeacherWithItsSidecar() {
    TeacherModel teacher = TeacherModelFile.load(DIR + "model.zip", new Configuration());
    assertEquals(784, teacher.inputSize());
    assertEquals(10, teacher.numClasses());
    assertEquals(431_080, teacher.parameterCount());
    assertTrue(teacher.outputsAreLogits());
    TeacherInfo info = teacher.info().orElseThrow();
    assertEquals(55_000, info.trainingRows());
    assertEquals(18, info.validationErrors());
    assertEquals("784-c5x5x20-p2-c5x5x50-p2-500-10", info.configuration());
  }
}
