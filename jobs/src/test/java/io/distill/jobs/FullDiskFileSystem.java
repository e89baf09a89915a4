package io.distill.jobs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A local disk that fills up, as a Hadoop file system ({@code fulldisk:///path}, registered with
 * {@code fs.fulldisk.impl}): every write fails with "No space left on device" once the files under
 * {@link #root} would exceed {@link #quotaBytes}, and deleting files frees their space again, as on
 * a real disk. Tests set both; by default there is no limit.
 */
public class FullDiskFileSystem extends RawLocalFileSystem {
  public static volatile java.nio.file.Path root;
  public static volatile long quotaBytes = Long.MAX_VALUE;
  private static final AtomicLong REFUSED = new AtomicLong();

  @Override
  public String getScheme() {
    return "fulldisk";
  }

  @Override
  public URI getUri() {
    return URI.create("fulldisk:///");
  }

  /** How many writes were refused since the JVM started. */
  public static long refusedWrites() {
    return REFUSED.get();
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    return limited(
        super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    return limited(super.create(f, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream createNonRecursive(
      Path f,
      FsPermission permission,
      EnumSet<CreateFlag> flags,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    return limited(
        super.createNonRecursive(
            f, permission, flags, bufferSize, replication, blockSize, progress));
  }

  private FSDataOutputStream limited(FSDataOutputStream out) throws IOException {
    return new FSDataOutputStream(new Limited(out), statistics);
  }

  /** Bytes of the files under {@link #root} now. */
  static long used() {
    java.nio.file.Path r = root;
    if (r == null || !Files.exists(r)) {
      return 0;
    }
    try (Stream<java.nio.file.Path> all = Files.walk(r)) {
      return all.mapToLong(
              p -> {
                try {
                  BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                  return a.isRegularFile() ? a.size() : 0;
                } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
                  return 0; // deleted while walking
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (IOException | UncheckedIOException e) {
      return 0; // a directory deleted while walking: count again next time
    }
  }

  /** Counts what is written and refuses what would not fit. */
  private static final class Limited extends OutputStream {
    private final OutputStream out;
    private long base = -1;
    private long sinceMeasured;

    Limited(OutputStream out) {
      this.out = out;
    }

    /** Refuses {@code bytes} more when they would not fit (the disk measured every 8 KB). */
    private void room(int bytes) throws IOException {
      if (quotaBytes == Long.MAX_VALUE) {
        return;
      }
      sinceMeasured += bytes;
      if (base < 0 || sinceMeasured > 8192) {
        out.flush();
        base = used();
        sinceMeasured = bytes;
      }
      if (base + sinceMeasured > quotaBytes) {
        REFUSED.incrementAndGet();
        throw new IOException("No space left on device");
      }
    }

    @Override
    public void write(int b) throws IOException {
      room(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      room(len);
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
