package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.ManualClock;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
    // A lease left by a run on another host that stopped renewing 11 s ago (over the 10 s timeout).
    Instant now = clock.instant();
    Files.writeString(file, lease("etl@other", now.minusSeconds(60), now.minusSeconds(11)));
    try (RunLease taken = RunLease.acquire(run, conf, Duration.ofSeconds(10), clock)) {
      assertFalse(Files.readString(file).contains("etl@other"));
    }
    // ... but one renewed 5 s ago is live.
    Files.writeString(file, lease("etl@other", now.minusSeconds(60), now.minusSeconds(5)));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> RunLease.acquire(run, conf, Duration.ofSeconds(10), clock));
    assertTrue(
        e.getMessage().contains("in use by etl@other (process 1@other-host"), e.getMessage());
    clock.advance(Duration.ofSeconds(6)); // and taken over once 11 s have passed
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
}
