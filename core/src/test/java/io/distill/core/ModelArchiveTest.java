package io.distill.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.example.gadget.Gadget;
import org.junit.jupiter.api.Test;

/** A model zip is read only when it holds network data and nothing else. */
class ModelArchiveTest {
  private static byte[] zip(String... entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      for (String e : entries) {
        z.putNextEntry(new ZipEntry(e));
        z.write(new byte[] {1, 2, 3});
        z.closeEntry();
      }
    }
    return out.toByteArray();
  }

  @Test
  void networkDataPasses() throws IOException {
    byte[] model = zip("configuration.json", "coefficients.bin", "updaterState.bin");
    assertDoesNotThrow(
        () -> ModelArchive.requireDataOnly(new ByteArrayInputStream(model), "m.zip"));
  }

  @Test
  void anyOtherEntryIsRefusedNamingTheFileAndTheEntryAndIsNeverRead() throws IOException {
    byte[] model = Gadget.inModelZip(zip("configuration.json", "coefficients.bin"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ModelArchive.requireDataOnly(
                    new ByteArrayInputStream(model), "s3a://b/teacher.zip"));
    assertEquals(
        "Model file s3a://b/teacher.zip holds entry 'preprocessor.bin', which is not network data"
            + " (configuration.json, coefficients.bin, updaterState.bin, noParams.marker): refused"
            + " unread, since DL4J would deserialize Java objects from it",
        e.getMessage());
    assertFalse(Gadget.ran);
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ModelArchive.requireDataOnly(
                new ByteArrayInputStream(zip("configuration.json", "normalizer.bin")), "m"));
  }
}
