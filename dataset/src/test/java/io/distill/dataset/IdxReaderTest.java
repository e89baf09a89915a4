package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.DataSource;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
  private static final Configuration CONF = new Configuration();

  @TempDir Path dir;

  private static byte[] randomPixels(int count, int rows, int cols, long seed) {
    byte[] pixels = new byte[count * rows * cols];
    new Random(seed).nextBytes(pixels);
    return pixels;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readsRecordsOfRawAndGzipFiles(boolean gzip) throws IOException {
    byte[] pixels = randomPixels(7, 3, 2, 1);
    Path file =
        IdxWriter.write(dir.resolve("images"), IdxWriter.images(2051, 7, 3, 2, pixels), gzip);
    DataSource source = DataSource.of(file.toString());

    IdxHeader header = IdxReader.checkComplete(source, IdxKind.IMAGES, CONF);
    assertEquals(7, header.count());
    assertArrayEquals(new int[] {3, 2}, header.recordShape());
    assertEquals(6, header.recordBytes());

    try (IdxReader.RecordIterator records =
        IdxReader.openRecords(source, IdxKind.IMAGES, 2, 4, CONF)) {
      int n = 0;
      while (records.hasNext()) {
        byte[] record = records.next();
        long index = records.index();
        assertEquals(2 + n, index);
        assertArrayEquals(Arrays.copyOfRange(pixels, (int) index * 6, (int) index * 6 + 6), record);
        n++;
      }
      assertEquals(4, n);
    }
  }

  @Test
  void readsLabels() throws IOException {
    byte[] labels = {0, 9, 3, 3, 7};
    Path file = IdxWriter.write(dir.resolve("labels.gz"), IdxWriter.labels(2049, 5, labels), true);
    assertArrayEquals(
        labels, IdxReader.readLabels(DataSource.of(file.toUri().toString()), 10, CONF));
  }

  @Test
  void refusesWrongMagicNumber() throws IOException {
    // A labels file given where images are expected.
    Path file =
        IdxWriter.write(
            dir.resolve("labels-as-images"), IdxWriter.labels(2049, 2, new byte[] {1, 2}), false);
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class,
            () -> IdxReader.checkComplete(DataSource.of(file.toString()), IdxKind.IMAGES, CONF));
    assertTrue(e.getMessage().contains("labels-as-images"), e.getMessage());
    assertTrue(e.getMessage().contains("wrong magic number: expected 2051"), e.getMessage());
    assertTrue(e.getMessage().contains("got 2049"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void refusesTruncatedImages(boolean gzip) throws IOException {
    byte[] complete = IdxWriter.images(2051, 10, 4, 4, randomPixels(10, 4, 4, 2));
    byte[] cut =
        Arrays.copyOf(complete, 16 + 5 * 16 + 3); // 5 whole records and 3 bytes of the sixth
    Path file = IdxWriter.write(dir.resolve("cut-images"), cut, gzip);
    DataSource source = DataSource.of(file.toString());
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class, () -> IdxReader.checkComplete(source, IdxKind.IMAGES, CONF));
    assertTrue(e.getMessage().contains("cut-images: truncated"), e.getMessage());
    assertTrue(e.getMessage().contains("declares 10 records"), e.getMessage());
    assertTrue(e.getMessage().contains("5 complete records"), e.getMessage());

    IdxFormatException inRange =
        assertThrows(
            IdxFormatException.class,
            () -> {
              try (IdxReader.RecordIterator records =
                  IdxReader.openRecords(source, IdxKind.IMAGES, 3, 7, CONF)) {
                while (records.hasNext()) {
                  records.next();
                }
              }
            });
    assertTrue(inRange.getMessage().contains("truncated"), inRange.getMessage());
  }

  @Test
  void refusesGzipCutInTheMiddleOfTheStream() throws IOException {
    Path whole =
        IdxWriter.write(
            dir.resolve("whole.gz"),
            IdxWriter.images(2051, 50, 8, 8, randomPixels(50, 8, 8, 3)),
            true);
    byte[] gz = Files.readAllBytes(whole);
    Path cut = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class,
            () -> IdxReader.checkComplete(DataSource.of(cut.toString()), IdxKind.IMAGES, CONF));
    assertTrue(e.getMessage().contains("cut.gz: truncated"), e.getMessage());
  }

  @Test
  void refusesHeaderCutShort() throws IOException {
    Path file = Files.write(dir.resolve("stub"), new byte[] {0, 0, 8, 3, 0, 0});
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class,
            () -> IdxReader.readHeader(DataSource.of(file.toString()), IdxKind.IMAGES, CONF));
    assertTrue(e.getMessage().contains("ends inside the header (6 of 16 bytes)"), e.getMessage());
  }

  @Test
  void refusesTrailingBytes() throws IOException {
    byte[] body = IdxWriter.labels(2049, 3, new byte[] {1, 2, 3, 4, 5});
    Path file = IdxWriter.write(dir.resolve("long-labels"), body, false);
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class,
            () -> IdxReader.readLabels(DataSource.of(file.toString()), 10, CONF));
    assertTrue(
        e.getMessage().contains("2 unexpected bytes after the last of the 3 records"),
        e.getMessage());
  }

  @Test
  void refusesLabelOutOfRange() throws IOException {
    Path file =
        IdxWriter.write(
            dir.resolve("bad-labels"), IdxWriter.labels(2049, 4, new byte[] {0, 9, 10, 1}), false);
    IdxFormatException e =
        assertThrows(
            IdxFormatException.class,
            () -> IdxReader.readLabels(DataSource.of(file.toString()), 10, CONF));
    assertEquals(file + ": label at record 2 is 10, expected 0-9", e.getMessage());
  }

  @Test
  void missingFileIsNamed() {
    String missing = dir.resolve("nope.gz").toString();
    Exception e =
        assertThrows(
            RuntimeException.class,
            () -> IdxReader.readHeader(DataSource.of(missing), IdxKind.LABELS, CONF));
    assertTrue(e.getMessage().contains(missing), e.getMessage());
  }

  @Test
  void embeddedSliceMatchesAnIndependentRead() throws IOException {
    MnistFiles embedded = MnistFiles.embedded();
    byte[] labels = IdxReader.readLabels(embedded.trainLabels(), 10, CONF);
    assertEquals(5000, labels.length);
    assertEquals(
        5000, IdxReader.checkComplete(embedded.trainImages(), IdxKind.IMAGES, CONF).count());
    assertEquals(
        1000, IdxReader.checkComplete(embedded.testImages(), IdxKind.IMAGES, CONF).count());

    // Independent read with the JDK alone: record 4999 of the training images.
    byte[] expected = new byte[784];
    try (DataInputStream in =
        new DataInputStream(
            new GZIPInputStream(
                IdxReaderTest.class.getResourceAsStream(
                    "/io/distill/dataset/mnist-slice/train-images-idx3-ubyte.gz")))) {
      assertEquals(2051, in.readInt());
      assertEquals(5000, in.readInt());
      in.skipNBytes(8 + 4999L * 784);
      in.readFully(expected);
    }
    try (IdxReader.RecordIterator records =
        IdxReader.openRecords(embedded.trainImages(), IdxKind.IMAGES, 4999, 1, CONF)) {
      assertArrayEquals(expected, records.next());
    }
  }
}
