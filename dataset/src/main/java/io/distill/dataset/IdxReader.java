package io.distill.dataset;

import io.distill.core.DataSource;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;

/**
 * Reads IDX files (the MNIST format), gzip-compressed or raw, from any {@link DataSource}.
 *
 * <p>Every method checks what it reads and refuses malformed input with an {@link
 * IdxFormatException} that names the file: a wrong magic number, a header that is cut short, fewer
 * bytes than the header promises (truncated), bytes left over after the last record, labels outside
 * {@code [0, numClasses)}.
 *
 * <p>Cost: {@link #checkComplete} streams the whole file once (for gzip that is one decompression
 * pass); {@link #openRecords} skips to its first record, which for gzip means decompressing
 * everything before it.
 */
public final class IdxReader {
  private static final int MAX_DIMENSION = 1 << 16;

  private IdxReader() {}

  /** Reads and checks the header only. */
  public static IdxHeader readHeader(
      DataSource source, IdxKind expected, Configuration hadoopConf) {
    try (DataInputStream in = new DataInputStream(source.open(hadoopConf))) {
      return readHeader(in, source, expected);
    } catch (IOException e) {
      throw unreadable(source, e);
    }
  }

  /**
   * Reads the header and streams the body to the end: the file must hold exactly the records its
   * header promises, no fewer (truncated) and no more (trailing bytes).
   */
  public static IdxHeader checkComplete(
      DataSource source, IdxKind expected, Configuration hadoopConf) {
    try (DataInputStream in = new DataInputStream(source.open(hadoopConf))) {
      IdxHeader header = readHeader(in, source, expected);
      long expectedBody = (long) header.count() * header.recordBytes();
      long body = countRemaining(in);
      checkBodyLength(source, header, body, expectedBody);
      return header;
    } catch (IOException e) {
      throw unreadable(source, e);
    }
  }

  /**
   * Reads a whole labels file and checks every label is in {@code [0, numClasses)}.
   *
   * @return one byte per record, each the label (0 ≤ label &lt; numClasses)
   */
  public static byte[] readLabels(DataSource source, int numClasses, Configuration hadoopConf) {
    if (numClasses < 1 || numClasses > 256) {
      throw new IllegalArgumentException(
          "numClasses must be in [1, 256], cannot be: " + numClasses);
    }
    try (DataInputStream in = new DataInputStream(source.open(hadoopConf))) {
      IdxHeader header = readHeader(in, source, IdxKind.LABELS);
      byte[] labels = new byte[header.count()];
      int read = in.readNBytes(labels, 0, labels.length);
      long extra = countRemaining(in);
      checkBodyLength(source, header, read + extra, labels.length);
      for (int i = 0; i < labels.length; i++) {
        int label = labels[i] & 0xff;
        if (label >= numClasses) {
          throw new IdxFormatException(
              String.format(
                  "%s: label at record %d is %d, expected 0-%d", source, i, label, numClasses - 1));
        }
      }
      return labels;
    } catch (IOException e) {
      throw unreadable(source, e);
    }
  }

  /**
   * Opens records {@code [start, start + count)} of a file for streaming. The iterator's byte array
   * is reused between records; close it when done.
   *
   * @throws IdxFormatException (from the iterator) when the file ends before the last requested
   *     record
   */
  public static RecordIterator openRecords(
      DataSource source, IdxKind expected, long start, int count, Configuration hadoopConf) {
    DataInputStream in = null;
    try {
      in = new DataInputStream(source.open(hadoopConf));
      IdxHeader header = readHeader(in, source, expected);
      if (start < 0 || count < 0 || start + count > header.count()) {
        throw new IllegalArgumentException(
            String.format(
                "%s: records [%d, %d) are outside the file's %d records",
                source, start, start + count, header.count()));
      }
      long toSkip = start * header.recordBytes();
      long skipped = skipFully(in, toSkip);
      if (skipped < toSkip) {
        throw truncated(source, header, header.headerBytes() + skipped);
      }
      return new RecordIterator(source, header, in, start, count);
    } catch (IOException e) {
      closeQuietly(in);
      throw unreadable(source, e);
    } catch (RuntimeException e) {
      closeQuietly(in);
      throw e;
    }
  }

  /**
   * Records of one IDX file, in order; {@link #index()} is the zero-based record number of the last
   * one read.
   */
  public static final class RecordIterator implements Iterator<byte[]>, Closeable {
    private final DataSource source;
    private final IdxHeader header;
    private final DataInputStream in;
    private final long end;
    private final byte[] record;
    private long next;

    private RecordIterator(
        DataSource source, IdxHeader header, DataInputStream in, long start, int count) {
      this.source = source;
      this.header = header;
      this.in = in;
      this.next = start;
      this.end = start + count;
      this.record = new byte[header.recordBytes()];
    }

    public IdxHeader header() {
      return header;
    }

    /** Record number of the record last returned by {@link #next()}. */
    public long index() {
      return next - 1;
    }

    @Override
    public boolean hasNext() {
      return next < end;
    }

    @Override
    public byte[] next() {
      if (next >= end) {
        throw new NoSuchElementException();
      }
      try {
        int n = in.readNBytes(record, 0, record.length);
        if (n < record.length) {
          throw truncated(source, header, header.headerBytes() + next * record.length + n);
        }
      } catch (IOException e) {
        throw unreadable(source, e);
      }
      next++;
      return record;
    }

    @Override
    public void close() {
      closeQuietly(in);
    }
  }

  private static IdxHeader readHeader(DataInputStream in, DataSource source, IdxKind expected)
      throws IOException {
    int headerBytes = 4 + 4 * expected.dimensions();
    byte[] raw = new byte[headerBytes];
    int n = in.readNBytes(raw, 0, 4);
    if (n < 4) {
      throw new IdxFormatException(
          String.format(
              "%s: truncated: the file ends inside the header (%d of %d bytes)",
              source, n, headerBytes));
    }
    int magic =
        ((raw[0] & 0xff) << 24)
            | ((raw[1] & 0xff) << 16)
            | ((raw[2] & 0xff) << 8)
            | (raw[3] & 0xff);
    if (magic != expected.magic()) {
      throw new IdxFormatException(
          String.format(
              "%s: wrong magic number: expected %d (0x%08x, IDX %s), got %d (0x%08x)",
              source, expected.magic(), expected.magic(), expected.description(), magic, magic));
    }
    int rest = in.readNBytes(raw, 4, headerBytes - 4);
    if (rest < headerBytes - 4) {
      throw new IdxFormatException(
          String.format(
              "%s: truncated: the file ends inside the header (%d of %d bytes)",
              source, 4 + rest, headerBytes));
    }
    int[] dims = new int[expected.dimensions()];
    for (int d = 0; d < dims.length; d++) {
      int o = 4 + 4 * d;
      dims[d] =
          ((raw[o] & 0xff) << 24)
              | ((raw[o + 1] & 0xff) << 16)
              | ((raw[o + 2] & 0xff) << 8)
              | (raw[o + 3] & 0xff);
      if (dims[d] < 0 || (d > 0 && (dims[d] == 0 || dims[d] > MAX_DIMENSION))) {
        throw new IdxFormatException(
            String.format(
                "%s: dimension %d in the header is %d, expected %s",
                source,
                d,
                dims[d],
                d == 0 ? "a record count >= 0" : "a size in [1, " + MAX_DIMENSION + "]"));
      }
    }
    int[] recordShape = new int[dims.length - 1];
    System.arraycopy(dims, 1, recordShape, 0, recordShape.length);
    return new IdxHeader(expected, dims[0], recordShape);
  }

  private static void checkBodyLength(
      DataSource source, IdxHeader header, long body, long expectedBody) {
    if (body < expectedBody) {
      throw truncated(source, header, header.headerBytes() + body);
    }
    if (body > expectedBody) {
      throw new IdxFormatException(
          String.format(
              "%s: %d unexpected bytes after the last of the %d records the header declares (is the count in the"
                  + " header wrong?)",
              source, body - expectedBody, header.count()));
    }
  }

  private static IdxFormatException truncated(
      DataSource source, IdxHeader header, long bytesPresent) {
    long complete = Math.max(0, (bytesPresent - header.headerBytes()) / header.recordBytes());
    return new IdxFormatException(
        String.format(
            "%s: truncated: the header declares %d records of %d bytes (%d bytes in all), the file ends after"
                + " %d bytes (%d complete records)",
            source,
            header.count(),
            header.recordBytes(),
            header.fileBytes(),
            bytesPresent,
            complete));
  }

  private static long countRemaining(InputStream in) throws IOException {
    byte[] buffer = new byte[1 << 16];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      total += n;
    }
    return total;
  }

  private static long skipFully(InputStream in, long bytes) throws IOException {
    long skipped = 0;
    while (skipped < bytes) {
      long s = in.skip(bytes - skipped);
      if (s <= 0) {
        if (in.read() < 0) {
          break;
        }
        s = 1;
      }
      skipped += s;
    }
    return skipped;
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // reading is over; nothing to lose
      }
    }
  }

  private static RuntimeException unreadable(DataSource source, IOException e) {
    if (e instanceof EOFException) {
      return new IdxFormatException(
          source + ": truncated: unexpected end of file (" + e.getMessage() + ")", e);
    }
    if (e instanceof ZipException) {
      return new IdxFormatException(source + ": corrupt gzip data: " + e.getMessage(), e);
    }
    return new UncheckedIOException("Cannot read " + source + ": " + e.getMessage(), e);
  }
}
