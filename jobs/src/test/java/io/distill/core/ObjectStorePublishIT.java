package io.distill.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import io.distill.jobs.ReliabilityTable;
import io.distill.jobs.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing on an object store (s3a:// against S3Proxy), where renaming a directory is a copy of
 * each object: a commit interrupted after any step, and after any single file moved, is recovered
 * to the complete old output or the complete new one, never a mix and never nothing; before
 * recovery, whatever holds {@code _SUCCESS} is complete.
 */
class ObjectStorePublishIT {
  @TempDir static Path dir;
  private static S3ProxyServer server;
  private static Configuration conf;
  private static FileSystem fs;
  private static final OutputKind KIND = new OutputKind("scores", null);
  private static final int PARTS = 4;

  @BeforeAll
  static void start() throws Exception {
    server = S3ProxyServer.start(dir);
    AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(
            new AwsClientBuilder.EndpointConfiguration(server.endpoint(), "us-east-1"))
        .withPathStyleAccessEnabled(true)
        .withCredentials(
            new AWSStaticCredentialsProvider(
                new BasicAWSCredentials(S3ProxyServer.ACCESS, S3ProxyServer.SECRET)))
        .build()
        .createBucket("distill");
    conf = new Configuration();
    conf.set("fs.s3a.endpoint", server.endpoint());
    conf.set("fs.s3a.path.style.access", "true");
    conf.set("fs.s3a.connection.ssl.enabled", "false");
    conf.set("fs.s3a.access.key", S3ProxyServer.ACCESS);
    conf.set("fs.s3a.secret.key", S3ProxyServer.SECRET);
    conf.set("fs.s3a.attempts.maximum", "2");
    conf.set("fs.s3a.retry.limit", "2");
    conf.setBoolean("fs.s3a.impl.disable.cache", true);
    fs = new org.apache.hadoop.fs.Path("s3a://distill/").getFileSystem(conf);
  }

  @AfterAll
  static void stop() throws IOException {
    if (fs != null) {
      fs.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** Publishes {@code PARTS} part files and Spark's _SUCCESS, each holding {@code version}. */
  private static void publish(
      String target, String version, java.util.function.Consumer<AtomicDirectoryCommit> commit) {
    AtomicDirectoryCommit c = AtomicDirectoryCommit.begin(target, conf, KIND);
    try {
      for (int i = 0; i < PARTS; i++) {
        write(c.temporaryPath() + "/part-" + i, version + " " + i);
      }
      write(c.temporaryPath() + "/_SUCCESS", version);
      commit.accept(c);
    } catch (RuntimeException e) {
      throw e;
    }
  }

  private static void write(String path, String text) {
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The files under {@code target} (relative name → text). */
  private static Map<String, String> read(String target) throws IOException {
    Map<String, String> out = new TreeMap<>();
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(target);
    if (!fs.exists(root)) {
      return out;
    }
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) {
      org.apache.hadoop.fs.Path p = it.next().getPath();
      try (InputStream in = fs.open(p)) {
        out.put(p.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** How many files there are under {@code dir}, at any depth, hidden ones included. */
  private static int countFiles(String dir) throws IOException {
    int n = 0;
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(new org.apache.hadoop.fs.Path(dir), true);
    while (it.hasNext()) {
      it.next();
      n++;
    }
    return n;
  }

  private static Map<String, String> complete(String version) {
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < PARTS; i++) {
      out.put("part-" + i, version + " " + i);
    }
    out.put("_SUCCESS", version);
    out.put(AtomicDirectoryCommit.OWNER_FILE, "{\"writer\": \"distill\", \"kind\": \"scores\"}\n");
    return out;
  }

  @Test
  void aCommitInterruptedAnywhereRecoversToTheOldOrTheNewOutputWhole() throws Exception {
    // A clean commit: how many file moves it makes when replacing an output.
    String probe = "s3a://distill/probe/out";
    publish(probe, "old", AtomicDirectoryCommit::commit);
    AtomicInteger moves = new AtomicInteger();
    publish(probe, "new", c -> c.commit(step -> {}, moves::incrementAndGet));
    assertEquals(complete("new"), read(probe));
    int total = moves.get();
    assertEquals(2 * (PARTS + 2), total, "each file of the old output out, each of the new in");

    List<String> outcomes = new ArrayList<>();
    int cases = 0;
    // Interrupted after each single file move, and after each step.
    for (int crashAfter = 1; crashAfter <= total; crashAfter++) {
      String target = "s3a://distill/file-" + crashAfter + "/out";
      publish(target, "old", AtomicDirectoryCommit::commit);
      AtomicInteger moved = new AtomicInteger();
      int at = crashAfter;
      assertThrows(
          IllegalStateException.class,
          () ->
              publish(
                  target,
                  "new",
                  c ->
                      c.commit(
                          step -> {},
                          () -> {
                            if (moved.incrementAndGet() == at) {
                              throw new IllegalStateException("killed after move " + at);
                            }
                          })));
      Map<String, String> seen = read(target);
      if (seen.containsKey("_SUCCESS")) { // a reader that trusts _SUCCESS finds it whole
        assertTrue(
            seen.equals(complete("old")) || seen.equals(complete("new")),
            "after move " + at + ": _SUCCESS beside a partial output " + seen);
      }
      assertTrue(AtomicDirectoryCommit.recover(target, conf), "a journal to recover from");
      Map<String, String> recovered = read(target);
      String outcome = recovered.equals(complete("new")) ? "new" : "old";
      assertEquals(complete(outcome), recovered, "recovered after move " + at);
      assertEquals(
          recovered.size(),
          countFiles(target.replace("/out", "")),
          "nothing left beside it after move " + at + " (no journal, no old or temporary files)");
      outcomes.add(at + ":" + outcome);
      cases++;
    }
    for (AtomicDirectoryCommit.Step crashAfter : AtomicDirectoryCommit.Step.values()) {
      String target = "s3a://distill/step-" + crashAfter + "/out";
      publish(target, "old", AtomicDirectoryCommit::commit);
      assertThrows(
          IllegalStateException.class,
          () ->
              publish(
                  target,
                  "new",
                  c ->
                      c.commit(
                          step -> {
                            if (step == crashAfter) {
                              throw new IllegalStateException("killed after " + step);
                            }
                          },
                          () -> {})));
      AtomicDirectoryCommit.recover(target, conf);
      Map<String, String> recovered = read(target);
      assertTrue(
          recovered.equals(complete("old")) || recovered.equals(complete("new")),
          "after " + crashAfter + ": " + recovered);
      boolean isNew = recovered.equals(complete("new"));
      assertEquals(
          crashAfter.compareTo(AtomicDirectoryCommit.Step.OLD_MOVED_ASIDE) >= 0,
          isNew,
          "after " + crashAfter);
      outcomes.add(crashAfter + ":" + (isNew ? "new" : "old"));
      cases++;
    }
    assertFalse(outcomes.isEmpty());
    ReliabilityTable.record(
        "21. publishing on S3 (s3a:// on S3Proxy) interrupted after each of its "
            + total
            + " file moves and after each of its 5 steps",
        "recovery leaves the complete old or the complete new output; _SUCCESS only beside a"
            + " complete one",
        cases
            + " interruptions: old while the old output moved aside, new once the new one moved"
            + " in ("
            + String.join(", ", outcomes)
            + ")",
        PARTS + " part files + _SUCCESS",
        "0");
  }
}
