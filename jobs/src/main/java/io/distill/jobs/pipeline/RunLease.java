package io.distill.jobs.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.HadoopFiles;
import io.distill.core.PublishFence;
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
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run per run directory: a run holds {@code run.dir/_lease.json} (owner, host, process, a
 * token, start, last heartbeat) while it works and renews the heartbeat every quarter of the
 * timeout. A second run on the same directory is refused with one line naming the holder. A lease
 * whose heartbeat is older than the timeout plus {@link #CLOCK_SKEW_MARGIN} (its run died without
 * releasing it), or whose process is no longer running on this host, is taken over with a warning;
 * a lease file still being written is not (its age is its modification time).
 *
 * <p>The lease is created with create-if-absent, atomic on HDFS and on a local disk, so of two runs
 * starting at once exactly one gets it; of two runs taking over the same stale lease at once,
 * exactly one does (the one whose claim file is created first). The token is a fencing token: every
 * publish under the run directory checks that the lease is still this run's ({@link PublishFence}),
 * so a run that lost its lease publishes nothing more. On s3a:// (no conditional create in this
 * Hadoop) two runs starting within the same second could both believe they hold it; the fence then
 * stops the one whose lease was overwritten at its next publish, but that is a documented
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
  private final PublishFence.Check fence = this::requireHeld;

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
      PublishFence.register(lease.file.getParent().toString(), lease.fence);
      long period = Math.max(1, timeout.toMillis() / 4);
      lease.heartbeat.scheduleAtFixedRate(lease::renew, period, period, TimeUnit.MILLISECONDS);
      return lease;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take the lease " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * How far the clocks of the holder (which writes its heartbeat) and of a run that wants the lease
   * (which reads it) may disagree: a lease is taken over only when its heartbeat is older than the
   * timeout plus this margin by the taker's clock.
   */
  public static final Duration CLOCK_SKEW_MARGIN = Duration.ofSeconds(30);

  private void take(Duration timeout) throws IOException {
    Duration staleAfter = timeout.plus(CLOCK_SKEW_MARGIN);
    for (int attempt = 0; attempt < 3; attempt++) {
      if (createIfAbsent()) {
        return;
      }
      Holder other = readHolder();
      if (other == null) {
        continue; // released between our two calls
      }
      JsonNode json = other.json();
      String who =
          json.path("owner").asText("?")
              + " (process "
              + json.path("process").asText("?")
              + ", started "
              + json.path("startedAt").asText("?")
              + ")";
      boolean gone =
          json.path("host").asText().equals(holder.get("host"))
              && json.path("pid").canConvertToLong()
              && ProcessHandle.of(json.path("pid").asLong()).map(p -> !p.isAlive()).orElse(true);
      Duration silent = Duration.between(other.heartbeat(), clock.instant());
      if (!gone && silent.compareTo(staleAfter) <= 0) {
        throw new IllegalStateException(
            "Run directory "
                + file.getParent()
                + " is in use by "
                + who
                + ", last heartbeat "
                + Math.max(0, silent.toSeconds())
                + " s ago; wait for that run to end (its lease is taken over after "
                + staleAfter.toSeconds()
                + " s without a heartbeat: the timeout plus "
                + CLOCK_SKEW_MARGIN.toSeconds()
                + " s for clock skew)");
      }
      if (gone) {
        LOG.warn(
            "Run directory {}: taking over the lease of {}, whose process is no longer running on this host",
            file.getParent(),
            who);
      } else {
        LOG.warn(
            "Run directory {}: taking over the lease of {}, silent for {} s (over the {} s timeout and"
                + " {} s clock-skew margin)",
            file.getParent(),
            who,
            silent.toSeconds(),
            timeout.toSeconds(),
            CLOCK_SKEW_MARGIN.toSeconds());
      }
      if (takeOver(other, staleAfter)) {
        return;
      }
    }
    throw new IllegalStateException(
        "Run directory "
            + file.getParent()
            + ": another run took its lease at the same time; try again");
  }

  /** What a lease file says, and when its holder last showed life. */
  private record Holder(JsonNode json, Instant heartbeat, String identity) {}

  /**
   * The lease file as it is now, or null when there is none. A file that is not whole JSON is being
   * written (a holder creates it, then writes it): its heartbeat is the file's modification time,
   * so a lease being written is never taken for a stale one.
   */
  private Holder readHolder() throws IOException {
    FileStatus status;
    byte[] bytes;
    try {
      status = fs.getFileStatus(file);
      try (InputStream in = fs.open(file)) {
        bytes = in.readAllBytes();
      }
    } catch (FileNotFoundException e) {
      return null;
    }
    Instant written = Instant.ofEpochMilli(status.getModificationTime());
    JsonNode json;
    try {
      json = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      json = null;
    }
    if (json == null || !json.isObject()) {
      return new Holder(
          JSON.createObjectNode(), written, "being written at " + status.getModificationTime());
    }
    String beat = json.path("heartbeat").asText(json.path("startedAt").asText(""));
    Instant heartbeat;
    try {
      heartbeat = Instant.parse(beat);
    } catch (DateTimeParseException e) {
      heartbeat = written;
    }
    return new Holder(
        json, heartbeat, json.path("token").asText("") + "@" + status.getModificationTime());
  }

  /**
   * Takes over the stale lease {@code stale}: of all the runs that found the same stale lease, the
   * one that creates its claim file ({@code ._lease.claim-<its identity>}, create-if-absent) first
   * replaces it; the others are refused. True when this run now holds the lease; false when the
   * lease changed meanwhile (the caller looks again).
   */
  private boolean takeOver(Holder stale, Duration staleAfter) throws IOException {
    Path claim =
        new Path(
            file.getParent(),
            "._lease.claim-" + HadoopFiles.sha256Hex(stale.identity()).substring(0, 16));
    if (!createExclusive(claim, token.getBytes(StandardCharsets.UTF_8))) {
      FileStatus left;
      try {
        left = fs.getFileStatus(claim);
      } catch (FileNotFoundException e) {
        return false; // its claimer just finished: look again
      }
      Duration age =
          Duration.between(Instant.ofEpochMilli(left.getModificationTime()), clock.instant());
      if (age.compareTo(staleAfter) > 0) {
        fs.delete(claim, false); // a claimer that died while taking over
        return false;
      }
      throw new IllegalStateException(
          "Run directory "
              + file.getParent()
              + ": another run is taking over the same stale lease at this moment; try again");
    }
    try {
      Holder now = readHolder();
      if (now != null && !now.identity().equals(stale.identity())) {
        return false; // replaced since it was read
      }
      if (now != null) {
        fs.delete(file, false);
      }
      return createIfAbsent();
    } finally {
      fs.delete(claim, false);
    }
  }

  /**
   * The fencing check of every publish under the run directory ({@link PublishFence}): throws when
   * the lease file is no longer this run's.
   */
  void requireHeld() {
    JsonNode now;
    try {
      now = read();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Run directory " + file.getParent() + ": cannot read its lease: " + e.getMessage(), e);
    }
    if (now == null || !token.equals(now.path("token").asText())) {
      throw new IllegalStateException(
          "Run directory "
              + file.getParent()
              + ": this run lost its lease to "
              + (now == null
                  ? "nobody (the lease file was deleted)"
                  : now.path("owner").asText("?")
                      + " (process "
                      + now.path("process").asText("?")
                      + ")")
              + "; it publishes nothing more");
    }
  }

  private boolean createIfAbsent() throws IOException {
    holder.put("heartbeat", clock.instant().toString());
    fs.mkdirs(file.getParent());
    return createExclusive(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(holder));
  }

  /**
   * Creates {@code path} holding {@code bytes} unless it exists: atomic on a local disk and HDFS.
   */
  private boolean createExclusive(Path path, byte[] bytes) throws IOException {
    if (fs instanceof LocalFileSystem local) { // an O_EXCL create
      try {
        Files.write(
            local.pathToFile(path).toPath(),
            bytes,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(path, false)) {
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
    PublishFence.unregister(file.getParent().toString(), fence);
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
