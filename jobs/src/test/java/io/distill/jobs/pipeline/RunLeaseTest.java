package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One run per run directory: a live lease refuses a second run, a silent or orphaned one is taken over. */
class RunLeaseTest {
  @TempDir Path dir;
  private final Configuration conf = new Configuration();

  @Test
  void aSecondRunIsRefusedNamingTheHolderUntilTheFirstReleases() throws Exception {
    String run = dir.resolve("run").toString();
    try (RunLease first = RunLease.acquire(run, conf, Duration.ofSeconds(60))) {
      assertTrue(Files.exists(dir.resolve("run/_lease.json")));
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> RunLease.acquire(run, conf, Duration.ofSeconds(60)));
      assertTrue(e.getMessage().startsWith("Run directory file:" + dir.resolve("run") + " is in use by "
          + System.getProperty("user.name") + "@"), e.getMessage());
      assertTrue(e.getMessage().contains("process " + java.lang.management.ManagementFactory.getRuntimeMXBean()
          .getName()), e.getMessage());
    }
    assertFalse(Files.exists(dir.resolve("run/_lease.json")), "released");
    RunLease.acquire(run, conf, Duration.ofSeconds(60)).close();
  }

  @Test
  void theHeartbeatKeepsTheLeaseAliveAndASilentLeaseIsTakenOver() throws Exception {
    String run = dir.resolve("run").toString();
    Path file = dir.resolve("run/_lease.json");
    try (RunLease first = RunLease.acquire(run, conf, Duration.ofSeconds(10))) {
      String before = Files.readString(file);
      Thread.sleep(3_000); // renewed every 2.5 s
      assertFalse(before.equals(Files.readString(file)), "the heartbeat renews the lease");
    }
    // A lease left by a run on another host that stopped renewing 11 s ago (over the 10 s timeout).
    Files.writeString(file, "{\"owner\": \"etl@other\", \"host\": \"other-host\", \"pid\": 1, \"process\":"
        + " \"1@other-host\", \"token\": \"t\", \"startedAt\": \"" + Instant.now().minusSeconds(60)
        + "\", \"heartbeat\": \"" + Instant.now().minusSeconds(11) + "\"}");
    try (RunLease taken = RunLease.acquire(run, conf, Duration.ofSeconds(10))) {
      assertFalse(Files.readString(file).contains("etl@other"));
    }
    // ... but one renewed 5 s ago is live.
    Files.writeString(file, "{\"owner\": \"etl@other\", \"host\": \"other-host\", \"pid\": 1, \"process\":"
        + " \"1@other-host\", \"token\": \"t\", \"startedAt\": \"" + Instant.now().minusSeconds(60)
        + "\", \"heartbeat\": \"" + Instant.now().minusSeconds(5) + "\"}");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RunLease.acquire(run, conf, Duration.ofSeconds(10)));
    assertTrue(e.getMessage().contains("in use by etl@other (process 1@other-host"), e.getMessage());
  }

  @Test
  void aLeaseWhoseProcessIsGoneFromThisHostIsTakenOverAtOnce() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    String host = java.net.InetAddress.getLocalHost().getHostName();
    Path file = Files.createDirectories(dir.resolve("run")).resolve("_lease.json");
    Files.writeString(file, "{\"owner\": \"me@" + host + "\", \"host\": \"" + host + "\", \"pid\": " + p.pid()
        + ", \"process\": \"" + p.pid() + "@" + host + "\", \"token\": \"t\", \"startedAt\": \"" + Instant.now()
        + "\", \"heartbeat\": \"" + Instant.now() + "\"}");
    try (RunLease taken = RunLease.acquire(dir.resolve("run").toString(), conf, Duration.ofSeconds(600))) {
      assertEquals(-1, Files.readString(file).indexOf("\"pid\" : " + p.pid() + ","));
    }
  }
}
