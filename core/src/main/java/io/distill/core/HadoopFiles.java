package io.distill.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.SparkException;

/** Small helpers over Hadoop FileSystem paths and Spark failures shared by the jobs. */
public final class HadoopFiles {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private HadoopFiles() {}

  /**
   * The sha256 of a file's bytes (any Hadoop FS path, or {@code classpath:/...}), in hex; one
   * streaming read.
   */
  public static String sha256(String path, Configuration conf) {
    try (InputStream in = openRaw(path, conf)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(path + " does not exist (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + " to hash it: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The bytes of a file as stored (no decompression): a Hadoop FS path, or a {@code classpath:/...}
   * resource.
   */
  public static InputStream openRaw(String path, Configuration conf) throws IOException {
    if (path.startsWith(DataSource.CLASSPATH_PREFIX)) {
      String name = path.substring(DataSource.CLASSPATH_PREFIX.length());
      InputStream in =
          HadoopFiles.class.getResourceAsStream(name.startsWith("/") ? name : "/" + name);
      if (in == null) {
        throw new FileNotFoundException("No resource " + name + " on the classpath (" + path + ")");
      }
      return in;
    }
    Path p = new Path(path);
    return p.getFileSystem(conf).open(p);
  }

  /** The sha256 of a string's UTF-8 bytes, in hex. */
  public static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The sha256 of bytes, in hex. */
  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A content hash of a directory tree (e.g. a Parquet dataset): the sha256 of the sorted sha256s
   * of its data files, skipping hidden and underscore files (checksums, _SUCCESS, manifests). Names
   * are left out, since Spark puts random UUIDs in part-file names; the same rows written the same
   * way hash the same. One read of all.
   */
  public static String sha256Tree(String dir, Configuration conf) {
    Path root = new Path(dir);
    try {
      FileSystem fs = root.getFileSystem(conf);
      List<String> hashes = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        Path p = it.next().getPath();
        if (!p.getName().startsWith(".") && !p.getName().startsWith("_")) {
          hashes.add(sha256(p.toString(), conf));
        }
      }
      Collections.sort(hashes);
      return sha256Hex(String.join("\n", hashes));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + " to hash it: " + e.getMessage(), e);
    }
  }

  /** Writes the bytes of a file; may throw IOException. */
  @FunctionalInterface
  public interface FileWriter {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes a file whole or not at all: to a hidden temporary sibling first, then renamed onto
   * {@code path} in one step on local disks and HDFS (a rename that replaces), so a reader sees the
   * old file or the new one, never a partial one and never none. Elsewhere (s3a://) the earlier
   * file is moved aside first and put back if the rename fails.
   */
  public static void publishFile(String path, Configuration conf, FileWriter writer) {
    publishFile(path, conf, false, writer);
  }

  /** Publishes a copy of the file at {@code from} as {@code path}, as {@link #publishFile}. */
  public static void publishCopy(String from, String path, Configuration conf) {
    publishFile(
        path,
        conf,
        out -> {
          try (InputStream in = openRaw(from, conf)) {
            in.transferTo(out);
          }
        });
  }

  /**
   * As {@link #publishFile(String, Configuration, FileWriter)}; with {@code withoutChecksum}, on a
   * checksummed file system (file://) the file is written without its {@code .crc} companion, for
   * files people may edit by hand (a hand edit would otherwise make every later read fail its
   * checksum).
   */
  public static void publishFile(
      String path, Configuration conf, boolean withoutChecksum, FileWriter writer) {
    publishFile(path, conf, withoutChecksum, writer, step -> {});
  }

  /** The steps of replacing a local file and its checksum, in order (for tests). */
  enum LocalStep {
    OLD_CHECKSUM_DELETED,
    FILE_IN_PLACE,
    CHECKSUM_IN_PLACE
  }

  /**
   * {@link #publishFile(String, Configuration, boolean, FileWriter)}, calling {@code afterStep}.
   */
  static void publishFile(
      String path,
      Configuration conf,
      boolean withoutChecksum,
      FileWriter writer,
      Consumer<LocalStep> afterStep) {
    Path target = new Path(path);
    try {
      FileSystem fs = target.getFileSystem(conf);
      target = fs.makeQualified(target);
      PublishFence.requireHeld(target);
      Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
      if (fs instanceof ChecksumFileSystem c
          && c.getRawFileSystem() instanceof RawLocalFileSystem) {
        publishLocal(c, tmp, target, withoutChecksum, writer, afterStep);
        return;
      }
      if (fs instanceof RawLocalFileSystem raw) { // a local disk without checksum files
        try {
          try (OutputStream stream = raw.create(tmp, false)) {
            writer.write(stream);
          }
          Files.move(
              raw.pathToFile(tmp).toPath(),
              raw.pathToFile(target).toPath(),
              StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } finally {
          raw.delete(tmp, false);
        }
        return;
      }
      Path previous = null;
      try {
        try (OutputStream stream = fs.create(tmp, false)) {
          writer.write(stream);
        }
        if (replaceAtomically(fs.makeQualified(tmp), fs.makeQualified(target), conf)) {
          return;
        }
        if (fs.exists(target)) {
          previous =
              new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
          if (!fs.rename(target, previous)) {
            throw new IOException("could not move the earlier " + target + " aside");
          }
        }
        if (!fs.rename(tmp, target)) {
          if (previous != null) {
            fs.rename(previous, target);
          }
          throw new IOException("could not rename " + tmp + " to " + target);
        }
        if (previous != null) {
          fs.delete(previous, false);
        }
      } finally {
        fs.delete(tmp, false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * On a local disk a file and its {@code .crc} are two files, and no rename replaces both at once:
   * a process killed between two renames would leave the new bytes beside the old checksum, and
   * every later read would fail. So the old checksum is deleted first, then the file is moved into
   * place, then its new checksum: at each step a reader finds the old bytes or the new ones, either
   * unchecked or under their own checksum, never under the other's.
   */
  private static void publishLocal(
      ChecksumFileSystem fs,
      Path tmp,
      Path target,
      boolean withoutChecksum,
      FileWriter writer,
      Consumer<LocalStep> afterStep)
      throws IOException {
    RawLocalFileSystem raw = (RawLocalFileSystem) fs.getRawFileSystem();
    try {
      try (OutputStream stream = (withoutChecksum ? raw : fs).create(tmp, false)) {
        writer.write(stream);
      }
      var checksum = raw.pathToFile(fs.getChecksumFile(target)).toPath();
      Files.deleteIfExists(checksum);
      afterStep.accept(LocalStep.OLD_CHECKSUM_DELETED);
      Files.move(
          raw.pathToFile(tmp).toPath(),
          raw.pathToFile(target).toPath(),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      afterStep.accept(LocalStep.FILE_IN_PLACE);
      if (!withoutChecksum) {
        Files.move(
            raw.pathToFile(fs.getChecksumFile(tmp)).toPath(),
            checksum,
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
        afterStep.accept(LocalStep.CHECKSUM_IN_PLACE);
      }
    } finally {
      fs.delete(tmp, false); // with its .crc, when either is left
    }
  }

  /**
   * Renames {@code tmp} onto {@code target}, replacing it in one step where the file system can (a
   * rename with overwrite: one namenode operation on HDFS), so that no reader finds the file
   * missing; false where it cannot (then the caller moves the old file aside first).
   */
  private static boolean replaceAtomically(Path tmp, Path target, Configuration conf)
      throws IOException {
    if (!"hdfs".equals(target.toUri().getScheme())) {
      return false;
    }
    try {
      FileContext.getFileContext(target.toUri(), conf)
          .rename(tmp, target, Options.Rename.OVERWRITE);
      return true;
    } catch (UnsupportedOperationException e) {
      return false;
    }
  }

  /**
   * Writes {@code value} as indented JSON to {@code path}, replacing it whole ({@link
   * #publishFile}).
   */
  public static void writeJson(String path, Object value, Configuration conf) {
    publishFile(path, conf, out -> JSON.writeValue(out, value));
  }

  /** The project version this code was built as (from the jar), e.g. "0.1.0-SNAPSHOT". */
  public static String codeVersion() {
    try (InputStream in =
        HadoopFiles.class.getResourceAsStream("/io/distill/core/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The user's problem inside a failed Spark job. A bad row found in a task reaches the driver
   * wrapped in Spark's "Job aborted due to stage failure" with a remote stack trace; what the user
   * needs is the innermost IllegalArgumentException, so that is returned (the Spark failure kept as
   * its cause). Other failures are returned as they are (checked ones wrapped).
   */
  public static RuntimeException userError(Exception e) {
    if (e instanceof SparkException) {
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        if (t instanceof IllegalArgumentException) {
          return new IllegalArgumentException(t.getMessage(), e);
        }
      }
    }
    return e instanceof RuntimeException
        ? (RuntimeException) e
        : new IllegalStateException(e.getMessage(), e);
  }

  /**
   * What a directory holds, for a message: the entries' names in order ({@code "data/"} for a
   * directory), the first three, then how many there are ("a, b/, c, ... (12 entries)").
   */
  public static String describeEntries(List<FileStatus> entries) {
    List<String> names = new ArrayList<>();
    for (FileStatus e : entries) {
      names.add(e.getPath().getName() + (e.isDirectory() ? "/" : ""));
    }
    names.sort(null);
    return String.join(", ", names.size() > 3 ? names.subList(0, 3) : names)
        + (names.size() > 3 ? ", ... (" + names.size() + " entries)" : "");
  }
}
