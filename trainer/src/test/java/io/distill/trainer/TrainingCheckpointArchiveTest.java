package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.losses.DistillationLoss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.example.gadget.Gadget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/** A checkpoint read on resume is data too: one holding a Java object is refused unread. */
class TrainingCheckpointArchiveTest {
  @TempDir Path dir;

  @Test
  void aCheckpointWithAJavaObjectEntryIsRefusedOnResume() throws Exception {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            Networks.mlp(4, new Adam(1e-3), DistillationLoss.hardLabelsOnly(), 1));
    net.init();
    String checkpoints = dir.resolve("checkpoints").toString();
    TrainingCheckpoint.write(checkpoints, 1, net, List.of(), 1, null, new Configuration());
    Path model = dir.resolve("checkpoints/epoch-0001.zip");
    Files.write(model, Gadget.inModelZip(Files.readAllBytes(model)));
    Files.deleteIfExists(dir.resolve("checkpoints/.epoch-0001.zip.crc"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainingCheckpoint.latest(checkpoints, new Configuration()));
    assertTrue(e.getMessage().contains("holds entry 'preprocessor.bin'"), e.getMessage());
    assertTrue(e.getMessage().contains("epoch-0001.zip"), e.getMessage());
    assertFalse(Gadget.ran, "the object was deserialized");
  }

  /** A damaged checkpoint is skipped: training starts afresh instead of failing every resume. */
  @Test
  void aTruncatedOrDamagedCheckpointIsSkipped() throws Exception {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            Networks.mlp(4, new Adam(1e-3), DistillationLoss.hardLabelsOnly(), 1));
    net.init();
    String checkpoints = dir.resolve("damaged").toString();
    TrainingCheckpoint.write(checkpoints, 1, net, List.of(), 1, null, new Configuration());
    assertTrue(TrainingCheckpoint.latest(checkpoints, new Configuration()).isPresent());
    Path model = dir.resolve("damaged/epoch-0001.zip");
    byte[] zip = Files.readAllBytes(model);
    Files.write(model, Arrays.copyOf(zip, zip.length / 2));
    Files.deleteIfExists(dir.resolve("damaged/.epoch-0001.zip.crc"));
    assertTrue(TrainingCheckpoint.latest(checkpoints, new Configuration()).isEmpty());
    Files.writeString(dir.resolve("damaged/checkpoint.json"), "{\"epoch\": 1, \"mod");
    Files.deleteIfExists(dir.resolve("damaged/.checkpoint.json.crc"));
    assertTrue(TrainingCheckpoint.latest(checkpoints, new Configuration()).isEmpty());
  }
}
