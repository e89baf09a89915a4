package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.HadoopFiles;
import io.distill.core.ManualClock;
import io.distill.core.OutputKind;
import io.distill.jobs.ReliabilityTable;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run per run directory: a live lease refuses a second run, a silent or orphaned one is taken
 * over.
 */
class RunLeaseTest {
  @TempDir Path dir;
  private final Configuration conf = new Configuration();

  @Test
  void aSecondRunIsRefusedNamingTheHolderUntilTheFirstReleases() throws Exception {
    String run = dir.resolve("run").toString();
    try (RunLease first = RunLease.acquire(run, conf, Duration.ofSeconds(60))) {
      assertTrue(Files.exists(dir.resolve("run/_lease.json")));
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> RunLease.acquire(run, conf, Duration.ofSeconds(60)));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "Run directory file:"
                      + dir.resolve("run")
                      + " is in use by "
                      + System.getProperty("user.name")
                      + "@"),
          e.getMessage());
      assertTrue(
          e.getMessage().contains("process " + ManagementFactory.getRuntimeMXBean().getName()),
          e.getMessage());
    }
    assertFalse(Files.exists(dir.resolve("run/_lease.json")), "released");
    RunLease.acquire(run, conf, Duration.ofSeconds(60)).close();
  }

  @Test
  void theHeartbeatKeepsTheLeaseAliveAndASilentLeaseIsTakenOver() throws Exception {
    String run = dir.resolve("run").toString();
    Path file = dir.resolve("run/_lease.json");
    ManualClock clock = new ManualClock(Instant.parse("2026-12-06T00:00:00Z"));
    try (RunLease first = RunLease.acquire(run, conf, Duration.ofSeconds(600), clock)) {
      assertTrue(Files.readString(file).contains("\"heartbeat\" : \"2026-12-06T00:00:00Z\""));
      clock.advance(Duration.ofSeconds(150));
      first.renew(); // what the heartbeat thread does every quarter of the timeout
      assertTrue(
          Files.readString(file).contains("\"heartbeat\" : \"2026-12-06T00:02:30Z\""),
          "the heartbeat renews the lease: " + Files.readString(file));
      clock.advance(Duration.ofSeconds(599)); // 599 s after the last heartbeat: still live
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> RunLease.acquire(run, conf, Duration.ofSeconds(600), clock));
      assertTrue(e.getMessage().contains("last heartbeat 599 s ago"), e.getMessage());
    }
    // A lease left by a run on another host that stopped renewing 41 s ago (over the 10 s timeout
    // and the 30 s clock-skew margin).
    Instant now = clock.instant();
    Files.writeString(file, lease("etl@other", now.minusSeconds(60), now.minusSeconds(41)));
    try (RunLease taken = RunLease.acquire(run, conf, Duration.ofSeconds(10), clock)) {
      assertFalse(Files.readString(file).contains("etl@other"));
    }
    // ... but one renewed 35 s ago is live: its clock may be up to 30 s behind ours.
    Files.writeString(file, lease("etl@other", now.minusSeconds(60), now.minusSeconds(35)));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> RunLease.acquire(run, conf, Duration.ofSeconds(10), clock));
    assertTrue(
        e.getMessage().contains("in use by etl@other (process 1@other-host"), e.getMessage());
    clock.advance(Duration.ofSeconds(6)); // and taken over once 41 s have passed
    RunLease.acquire(run, conf, Duration.ofSeconds(10), clock).close();
  }

  private static String lease(String owner, Instant started, Instant heartbeat) {
    return "{\"owner\": \""
        + owner
        + "\", \"host\": \"other-host\", \"pid\": 1, \"process\":"
        + " \"1@other-host\", \"token\": \"t\", \"startedAt\": \""
        + started
        + "\", \"heartbeat\": \""
        + heartbeat
        + "\"}";
  }

  @Test
  void aLeaseWhoseProcessIsGoneFromThisHostIsTakenOverAtOnce() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    String host = InetAddress.getLocalHost().getHostName();
    Path file = Files.createDirectories(dir.resolve("run")).resolve("_lease.json");
    Files.writeString(
        file,
        "{\"owner\": \"me@"
            + host
            + "\", \"host\": \""
            + host
            + "\", \"pid\": "
            + p.pid()
            + ", \"process\": \""
            + p.pid()
            + "@"
            + host
            + "\", \"token\": \"t\", \"startedAt\": \""
            + Instant.now()
            + "\", \"heartbeat\": \""
            + Instant.now()
            + "\"}");
    try (RunLease taken =
        RunLease.acquire(dir.resolve("run").toString(), conf, Duration.ofSeconds(600))) {
      assertEquals(-1, Files.readString(file).indexOf("\"pid\" : " + p.pid() + ","));
    }
  }

  /** Two runs that find the same stale lease and take it over at once: exactly one proceeds. */
  @Test
  void ofTwoRunsTakingOverTheSameStaleLeaseExactlyOneProceeds() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 20; round++) {
        Path run = Files.createDirectories(dir.resolve("race-" + round));
        Instant now = Instant.now();
        Files.writeString(
            run.resolve("_lease.json"),
            lease("etl@other", now.minusSeconds(900), now.minusSeconds(600)));
        CyclicBarrier together = new CyclicBarrier(2);
        List<Future<RunLease>> tries = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          tries.add(
              pool.submit(
                  () -> {
                    together.await();
                    return RunLease.acquire(run.toString(), conf, Duration.ofSeconds(10));
                  }));
        }
        List<RunLease> held = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        for (Future<RunLease> t : tries) {
          try {
            held.add(t.get());
          } catch (ExecutionException e) {
            assertTrue(e.getCause() instanceof IllegalStateException, e.getCause().toString());
            refusals.add(e.getCause().getMessage());
          }
        }
        assertEquals(1, held.size(), "round " + round + ": " + refusals);
        if (round == 19) {
          ReliabilityTable.record(
              "20. two runs taking over the same stale lease at once, raced 20 times",
              "exactly one proceeds each time; the other exits naming the race or the holder",
              "exactly one of two proceeded in each of 20 rounds; e.g. "
                  + refusals.get(0).replace(dir.toString(), "<tmp>"),
              "-",
              "0");
        }
        held.forEach(RunLease::close);
        try (var left = Files.list(run)) {
          assertEquals(List.of(), left.toList(), "no claim or lease left behind");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A lease file that its run is still writing (not whole JSON yet) is not taken for a stale one.
   */
  @Test
  void aLeaseBeingWrittenIsNotTakenOver() throws Exception {
    Path file = Files.createDirectories(dir.resolve("run")).resolve("_lease.json");
    Files.writeString(file, "{\"owner\": \"etl@oth");
    String run = dir.resolve("run").toString();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> RunLease.acquire(run, conf, Duration.ofSeconds(10)));
    assertTrue(e.getMessage().contains("is in use by ?"), e.getMessage());
    // Written an hour ago and never finished: its writer is gone.
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600)));
    RunLease.acquire(run, conf, Duration.ofSeconds(10)).close();
  }

  /**
   * The lease is a fencing token: once another run holds it, this run's publishes under the run
   * directory fail with one line and publish nothing; elsewhere it still publishes.
   */
  @Test
  void aRunThatLostItsLeasePublishesNothingMore() throws Exception {
    String run = dir.resolve("run").toString();
    OutputKind kind = new OutputKind("scores", null);
    try (RunLease lease = RunLease.acquire(run, conf, Duration.ofSeconds(600))) {
      AtomicDirectoryCommit.publish(dir.resolve("run/before").toString(), conf, kind, c -> null);
      Instant now = Instant.now();
      // What another run writes when it takes the lease over.
      Files.writeString(dir.resolve("run/_lease.json"), lease("etl@other", now, now));
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  AtomicDirectoryCommit.publish(
                      dir.resolve("run/after").toString(), conf, kind, c -> null));
      assertEquals(
          "Run directory file:"
              + dir.resolve("run")
              + ": this run lost its lease to etl@other (process 1@other-host); it publishes"
              + " nothing more",
          e.getMessage());
      assertFalse(Files.exists(dir.resolve("run/after")));
      assertThrows(
          IllegalStateException.class,
          () ->
              HadoopFiles.writeJson(
                  dir.resolve("run/manifest.json").toString(), Map.of("a", 1), conf));
      assertFalse(Files.exists(dir.resolve("run/manifest.json")));
      AtomicDirectoryCommit.publish(dir.resolve("elsewhere").toString(), conf, kind, c -> null);
      ReliabilityTable.record(
          "19. a run whose lease another run has taken over publishes an output and its manifest",
          "refused with one line naming the new holder; nothing published under the run directory",
          e.getMessage().replace(dir.toString(), "<tmp>"),
          "-",
          "0");
      try (var left = Files.list(dir.resolve("run"))) {
        assertEquals(
            List.of("_lease.json", "before"),
            left.map(p -> p.getFileName().toString()).sorted().toList(),
            "no temporary directory left");
      }
    }
  }
}
