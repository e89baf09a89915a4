package io.distill.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Renders the rows {@link ScaleBenchmark} measured (one TSV line per size and stage) as the "scale"
 * section of docs/BENCHMARKS.md: the table, and the two targets taken between the two
 * largest sizes: seconds per million rows of each stage within 1.2×, and the JVM's peak RSS (after
 * the 100x100 epoch, which every size runs) within 1.3×.
 */
final class ScaleReport {
  private static final double GB = 1024.0 * 1024 * 1024;
  private static final String RSS_STAGE = "epoch 100x100";

  private ScaleReport() {}

  private record Measured(
      long rows,
      String stage,
      String seconds,
      String rowsPerSecond,
      long peakRss,
      long disk,
      long heap) {
    double secondsPerMillion() {
      return seconds.isEmpty() ? Double.NaN : Double.parseDouble(seconds) / (rows / 1e6);
    }
  }

  static void render(Path results, Path report) throws IOException {
    List<Measured> all = new ArrayList<>();
    for (String line : Files.readAllLines(results, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t", -1);
      if (f[0].equals("rows")) {
        continue;
      }
      all.add(
          new Measured(
              Long.parseLong(f[0]),
              f[1],
              f[2],
              f[3],
              Long.parseLong(f[4]),
              Long.parseLong(f[5]),
              Long.parseLong(f[6])));
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException(results + " has no measured rows");
    }
    long heap = all.get(0).heap();
    StringBuilder md = new StringBuilder("## Scale: rows far beyond the heap\n\n");
    md.append(
        String.format(
            "MNIST-shaped datasets (full MNIST train + test, and 9 or 99 jittered copies of it written"
                + " by the job's own transfer-set action), each through the soft-label job (784-1200-1200-10 teacher, untrained"
                + " weights: time and memory only, batch 256, full logits), the packing of the training data (joined with the"
                + " soft labels by id, 32 MB blocks persisted `DISK_ONLY`, compressed) and one epoch of a distilled 100x100"
                + " student (800x800 too up to 700 k rows; minibatch %d, 2 workers averaging every %d), Spark `local[2]` in"
                + " one JVM per size with its heap fixed at %.1f GiB from the start (`-Xms` = `-Xmx`). Peak RSS: the JVM's"
                + " `VmHWM` after"
                + " the stage (heap, ND4J's off-heap buffers, everything). Disk: the output of the stage (input Parquet, soft"
                + " labels) or, after packing, all files under `spark.local.dir` (the pack's shuffle files and the persisted"
                + " blocks).%n%n",
            ScaleBenchmark.BATCH, ScaleBenchmark.PERIOD, heap / GB));
    md.append("Command: `bench/scale` (").append(BenchmarkReport.machine()).append(")\n\n");
    md.append(
        "| rows | stage | seconds | seconds per M rows | rows/s | peak RSS (GiB) | disk (GiB) |\n"
            + "|---:|---|---:|---:|---:|---:|---:|\n");
    for (Measured m : all) {
      md.append(
          String.format(
              "| %,d | %s | %s | %s | %s | %.2f | %s |%n",
              m.rows(),
              m.stage(),
              m.seconds(),
              Double.isNaN(m.secondsPerMillion())
                  ? ""
                  : String.format("%.0f", m.secondsPerMillion()),
              m.rowsPerSecond().isEmpty()
                  ? ""
                  : String.format("%,d", Long.parseLong(m.rowsPerSecond())),
              m.peakRss() / GB,
              m.disk() < 0 ? "" : String.format("%.2f", m.disk() / GB)));
    }
    TreeSet<Long> sizes = new TreeSet<>();
    all.forEach(m -> sizes.add(m.rows()));
    if (sizes.size() >= 2) {
      long large = sizes.last();
      long mid = sizes.lower(large);
      Map<String, Measured> atLarge = byStage(all, large);
      Map<String, Measured> atMid = byStage(all, mid);
      md.append(
          String.format(
              "%nTargets, %,d rows against %,d: seconds per million rows within 1.2×, peak RSS within"
                  + " 1.3×.%n%n| stage | seconds per M rows, ratio | met |%n|---|---:|---|%n",
              large, mid));
      for (Map.Entry<String, Measured> e : atLarge.entrySet()) {
        Measured m = atMid.get(e.getKey());
        if (m == null || Double.isNaN(m.secondsPerMillion())) {
          continue;
        }
        double ratio = e.getValue().secondsPerMillion() / m.secondsPerMillion();
        md.append(
            String.format(
                "| %s | %.2f | %s |%n", e.getKey(), ratio, ratio <= 1.2 ? "yes" : "**no**"));
      }
      Measured rssLarge = atLarge.get(RSS_STAGE);
      Measured rssMid = atMid.get(RSS_STAGE);
      if (rssLarge != null && rssMid != null) {
        double ratio = (double) rssLarge.peakRss() / rssMid.peakRss();
        md.append(
            String.format(
                "| peak RSS after the %s (%.2f vs %.2f GiB) | %.2f | %s |%n",
                RSS_STAGE,
                rssLarge.peakRss() / GB,
                rssMid.peakRss() / GB,
                ratio,
                ratio <= 1.3 ? "yes" : "**no**"));
      }
    }
    System.out.println(md);
    BenchmarkReport.writeSection(report, "scale", md.toString());
  }

  private static Map<String, Measured> byStage(List<Measured> all, long rows) {
    Map<String, Measured> out = new LinkedHashMap<>();
    all.stream().filter(m -> m.rows() == rows).forEach(m -> out.put(m.stage(), m));
    return out;
  }
}
