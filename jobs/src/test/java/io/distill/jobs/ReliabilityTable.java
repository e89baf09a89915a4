package io.distill.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The reliability table: one tab-separated line per bad-input or fault case a test has verified,
 * appended to {@code target/reliability/cases.tsv} (relative to the module directory, the tests'
 * working directory). Several test classes (and JVMs, one after another) add to the same file; the
 * header is written only when the file is new. {@code bench/reliability} renders it into
 * docs/RELIABILITY.md. Record a case only after its assertions passed.
 */
public final class ReliabilityTable {
  static final Path FILE = Path.of("target", "reliability", "cases.tsv");
  static final List<String> COLUMNS =
      List.of("case", "expected", "observed", "rows in", "rows out");

  private ReliabilityTable() {}

  /** Appends one verified case; tabs and line breaks inside a field become spaces. */
  public static synchronized void record(
      String kase, String expected, String observed, String rowsIn, String rowsOut) {
    String line =
        String.join(
            "\t", clean(kase), clean(expected), clean(observed), clean(rowsIn), clean(rowsOut));
    try {
      Files.createDirectories(FILE.getParent());
      // Also locked against other JVMs (surefire and failsafe forks) appending at the same time.
      try (FileChannel out =
              FileChannel.open(
                  FILE,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.APPEND);
          FileLock lock = out.lock()) {
        String text = (out.size() == 0 ? String.join("\t", COLUMNS) + "\n" : "") + line + "\n";
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot append to " + FILE.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  /** The table as it is now (header included), or "" when nothing was recorded yet. */
  static synchronized String contents() {
    try {
      return Files.exists(FILE) ? Files.readString(FILE, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read " + FILE.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  private static String clean(String field) {
    return field == null ? "" : field.replaceAll("[\t\r\n]+", " ").strip();
  }
}
