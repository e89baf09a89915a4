package io.distill.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Writes one benchmark's section of docs/BENCHMARKS.md, between {@code <!-- name:begin -->} and
 * {@code <!-- name:end -->}, replacing the previous run's figures and leaving the other sections
 * alone.
 */
final class BenchmarkReport {
  private BenchmarkReport() {}

  static void writeSection(Path file, String name, String markdown) {
    String begin = "<!-- " + name + ":begin -->";
    String end = "<!-- " + name + ":end -->";
    try {
      String doc =
          Files.exists(file)
              ? Files.readString(file, StandardCharsets.UTF_8)
              : "# Benchmarks\n\nFigures measured by the scripts in `bench/`; each section says how it was made."
                  + " Ratios are taken within one run (the machine is shared and noisy).\n";
      String section = begin + "\n" + markdown.strip() + "\n" + end;
      int b = doc.indexOf(begin);
      int e = doc.indexOf(end);
      if (b >= 0 && e > b) {
        doc = doc.substring(0, b) + section + doc.substring(e + end.length());
      } else {
        doc = doc.stripTrailing() + "\n\n" + section + "\n";
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, doc, StandardCharsets.UTF_8);
    } catch (IOException ex) {
      throw new UncheckedIOException("Cannot write " + file + ": " + ex.getMessage(), ex);
    }
  }

  /** "2026-11-22 01:05 UTC, 2 cores, <cpu model>, Java 17.0.15". */
  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException ignored) {
      // not Linux: leave it unknown
    }
    return ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"))
        + ", "
        + Runtime.getRuntime().availableProcessors()
        + " cores, "
        + cpu
        + ", Java "
        + System.getProperty("java.version");
  }
}
