package io.distill.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing a file on a local disk, where Hadoop keeps a {@code .crc} beside it: what a reader
 * through the checksummed file system finds after each replacement.
 */
class HadoopFilesPublishTest {
  @TempDir Path dir;
  private final Configuration conf = new Configuration();

  private String read(Path file) throws IOException {
    FileSystem fs = FileSystem.getLocal(conf);
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(file.toUri()))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private void publish(Path file, String text, boolean withoutChecksum) {
    HadoopFiles.publishFile(
        file.toUri().toString(),
        conf,
        withoutChecksum,
        out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aReplacedFileIsReadUnderItsOwnChecksum() throws IOException {
    Path file = dir.resolve("checkpoint.json");
    publish(file, "{\"epoch\":1}", false);
    assertTrue(Files.exists(dir.resolve(".checkpoint.json.crc")));
    publish(file, "{\"epoch\":2, \"longer\": true}", false);
    assertEquals("{\"epoch\":2, \"longer\": true}", read(file));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(
          2, left.count(), "only the file and its checksum, no temporary files: " + dir.toFile());
    }
  }

  @Test
  void aFileWrittenWithoutChecksumOverAChecksummedOneLeavesNoStaleChecksum() throws IOException {
    Path file = dir.resolve("teacher.zip.json");
    publish(file, "{\"classes\":10}", false);
    publish(file, "{\"classes\":10, \"edited\": true}", true);
    assertFalse(Files.exists(dir.resolve(".teacher.zip.json.crc")));
    assertEquals("{\"classes\":10, \"edited\": true}", read(file));
  }

  @Test
  void aReplacementStoppedAfterAnyStepReadsWholeAndUnderNoOtherChecksum() throws IOException {
    for (HadoopFiles.LocalStep crashAfter : HadoopFiles.LocalStep.values()) {
      Path file = dir.resolve(crashAfter + ".json");
      publish(file, "{\"epoch\":1}", false);
      RuntimeException crash =
          assertThrows(
              RuntimeException.class,
              () ->
                  HadoopFiles.publishFile(
                      file.toUri().toString(),
                      conf,
                      false,
                      out ->
                          out.write("{\"epoch\":2, \"more\": 1}".getBytes(StandardCharsets.UTF_8)),
                      step -> {
                        if (step == crashAfter) {
                          throw new IllegalStateException("killed after " + step);
                        }
                      }));
      assertEquals("killed after " + crashAfter, crash.getMessage());
      String expected =
          crashAfter == HadoopFiles.LocalStep.OLD_CHECKSUM_DELETED
              ? "{\"epoch\":1}"
              : "{\"epoch\":2, \"more\": 1}";
      assertEquals(expected, read(file), "killed after " + crashAfter);
      publish(file, "{\"epoch\":3}", false); // the next write finds nothing in its way
      assertEquals("{\"epoch\":3}", read(file), "rewritten after " + crashAfter);
    }
  }
}
