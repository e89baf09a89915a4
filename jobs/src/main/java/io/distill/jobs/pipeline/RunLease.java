package io.distill.jobs.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.HadoopFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run per run directory: a run holds {@code run.dir/_lease.json} (owner, host, process, start,
 * last heartbeat) while it works and renews the heartbeat every quarter of the timeout. A second
 * run on the same directory is refused with one line naming the holder; a lease whose heartbeat is
 * older than the timeout (its run died without releasing it), or whose process is no longer running
 * on this host, is taken over with a warning.
 *
 * <p>The lease is created with create-if-absent, which is atomic on HDFS and on a local disk, so of
 * two runs starting at once exactly one gets it. On s3a:// (no conditional create in this Hadoop)
 * two runs starting within the same second could both believe they hold it; the heartbeat check
 * then makes the later writer's rival notice and stop renewing, but that is a documented
 * limitation, not a guarantee.
 */
public final class RunLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String FILE = RunLayout.LEASE.relative();

  private final FileSystem fs;
  private final Path file;
  private final String token = UUID.randomUUID().toString();
  private final Map<String, Object> holder = new LinkedHashMap<>();
  private final ScheduledExecutorService heartbeat;
  private final Clock clock;

  private RunLease(FileSystem fs, Path file, Duration timeout, Clock clock) throws IOException {
    this.fs = fs;
    this.file = file;
    this.clock = clock;
    String host = InetAddress.getLocalHost().getHostName();
    holder.put("owner", System.getProperty("user.name") + "@" + host);
    holder.put("host", host);
    holder.put("pid", ProcessHandle.current().pid());
    holder.put("process", ManagementFactory.getRuntimeMXBean().getName());
    holder.put("token", token);
    holder.put("startedAt", clock.instant().toString());
    holder.put("timeoutSeconds", timeout.toSeconds());
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "run-lease-heartbeat");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Takes the lease on {@code runDir}.
   *
   * @throws IllegalStateException naming the holder when another run holds a live lease
   */
  public static RunLease acquire(String runDir, Configuration conf, Duration timeout) {
    return acquire(runDir, conf, timeout, Clock.systemUTC());
  }

  /**
   * {@link #acquire(String, Configuration, Duration)} telling the time by {@code clock} (tests
   * advance one).
   */
  static RunLease acquire(String runDir, Configuration conf, Duration timeout, Clock clock) {
    Path file = new Path(runDir, FILE);
    try {
      FileSystem fs = file.getFileSystem(conf);
      RunLease lease = new RunLease(fs, fs.makeQualified(file), timeout, clock);
      lease.take(timeout);
      long period = Math.max(1, timeout.toMillis() / 4);
      lease.heartbeat.scheduleAtFixedRate(lease::renew, period, period, TimeUnit.MILLISECONDS);
      return lease;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take the lease " + file + ": " + e.getMessage(), e);
    }
  }

  private void take(Duration timeout) throws IOException {
    for (int attempt = 0; attempt < 2; attempt++) {
      if (createIfAbsent()) {
        return;
      }
      JsonNode other = read();
      if (other == null) {
        continue; // released between our two calls
      }
      Instant beat =
          Instant.parse(
              other
                  .path("heartbeat")
                  .asText(other.path("startedAt").asText(Instant.EPOCH.toString())));
      Duration silent = Duration.between(beat, clock.instant());
      String who =
          other.path("owner").asText("?")
              + " (process "
              + other.path("process").asText("?")
              + ", started "
              + other.path("startedAt").asText("?")
              + ")";
      boolean gone =
          other.path("host").asText().equals(holder.get("host"))
              && other.path("pid").canConvertToLong()
              && ProcessHandle.of(other.path("pid").asLong()).map(p -> !p.isAlive()).orElse(true);
      if (gone) {
        LOG.warn(
            "Run directory {}: taking over the lease of {}, whose process is no longer running on this host",
            file.getParent(),
            who);
        fs.delete(file, false);
        continue;
      }
      if (silent.compareTo(timeout) < 0) {
        throw new IllegalStateException(
            "Run directory "
                + file.getParent()
                + " is in use by "
                + who
                + ", last heartbeat "
                + silent.toSeconds()
                + " s ago; wait for that run to end (its lease is taken over"
                + " after "
                + timeout.toSeconds()
                + " s without a heartbeat)");
      }
      LOG.warn(
          "Run directory {}: taking over the lease of {}, silent for {} s (over the {} s timeout)",
          file.getParent(),
          who,
          silent.toSeconds(),
          timeout.toSeconds());
      fs.delete(file, false);
    }
    throw new IllegalStateException(
        "Run directory "
            + file.getParent()
            + ": another run took its lease at the same"
            + " time; try again");
  }

  private boolean createIfAbsent() throws IOException {
    holder.put("heartbeat", clock.instant().toString());
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(holder);
    fs.mkdirs(file.getParent());
    if (fs instanceof LocalFileSystem local) { // an O_EXCL create: atomic on a local disk
      try {
        Files.write(
            local.pathToFile(file).toPath(),
            bytes,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(file, false)) {
      out.write(bytes);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  private JsonNode read() throws IOException {
    try (InputStream in = fs.open(file)) {
      return JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (FileNotFoundException e) {
      return null;
    } catch (JsonProcessingException e) {
      return JSON
          .createObjectNode(); // being rewritten, or damaged: treated as silent since the epoch
    }
  }

  /** Writes a new heartbeat, if the lease is still this run's (every quarter of the timeout). */
  synchronized void renew() {
    try {
      JsonNode now = read();
      if (now == null || !token.equals(now.path("token").asText())) {
        LOG.error(
            "Run directory {}: lost its lease to {}; another run may be writing here",
            file.getParent(),
            now == null ? "nobody (the lease file was deleted)" : now.path("owner").asText("?"));
        heartbeat.shutdown();
        return;
      }
      holder.put("heartbeat", clock.instant().toString());
      HadoopFiles.publishFile(
          file.toString(),
          fs.getConf(),
          true,
          out -> out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(holder)));
    } catch (IOException | RuntimeException e) {
      LOG.warn("Run directory {}: could not renew its lease: {}", file.getParent(), e.getMessage());
    }
  }

  /** Stops the heartbeat and deletes the lease, if it is still this run's. */
  @Override
  public synchronized void close() {
    heartbeat.shutdownNow();
    try {
      JsonNode now = read();
      if (now != null && token.equals(now.path("token").asText())) {
        fs.delete(file, false);
      }
    } catch (IOException e) {
      LOG.warn(
          "Run directory {}: could not release its lease: {}", file.getParent(), e.getMessage());
    }
  }
}
