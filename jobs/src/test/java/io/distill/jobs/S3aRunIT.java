package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole pipeline run with every path on s3a:// against a real S3-compatible server (S3Proxy,
 * in-memory backend, started on 127.0.0.1 by the test, signature-checked credentials): the MNIST
 * files are uploaded through the S3 API, the run reads and writes only s3a://, the outputs are read
 * back (objects fetched; a rerun reuses every stage from the stage records on S3), and the
 * credentials, given only through the standard environment provider, appear neither in the logs nor
 * in the manifest.
 */
class S3aRunIT {
  private static final File PROJECT = Processes.PROJECT;
  private static final String ACCESS = S3ProxyServer.ACCESS;
  private static final String SECRET = S3ProxyServer.SECRET;

  @TempDir Path dir;

  private Processes.Result run(long minutes, Map<String, String> env, List<String> command)
      throws Exception {
    return Processes.run(Files.createTempFile(dir, "cmd", ".log"), minutes, env, command);
  }

  /**
   * A signed S3 request with curl: the HTTP status, and the body as text (empty for uploads and
   * binaries).
   */
  private Processes.Result s3(String endpoint, String method, String key, Path upload)
      throws Exception {
    boolean text = upload == null && (key.endsWith(".json") || key.endsWith(".md"));
    List<String> curl =
        new ArrayList<>(
            List.of(
                "curl",
                "-s",
                "-w",
                "\n%{http_code}",
                "--aws-sigv4",
                "aws:amz:us-east-1:s3",
                "--user",
                ACCESS + ":" + SECRET,
                "-H",
                "x-amz-content-sha256:UNSIGNED-PAYLOAD",
                "-X",
                method));
    if (upload != null) {
      curl.addAll(List.of("-T", upload.toString()));
    }
    if (!text) {
      curl.addAll(List.of("-o", "/dev/null"));
    }
    curl.add(endpoint + "/" + key);
    Processes.Result r = run(1, Map.of(), curl);
    assertEquals(0, r.exitCode(), "curl " + method + " " + key + ": " + r.output());
    int split = r.output().lastIndexOf('\n');
    return new Processes.Result(
        Integer.parseInt(r.output().substring(split + 1).trim()), r.output().substring(0, split));
  }

  /**
   * An S3 endpoint nobody listens on: a few bounded retries, then one line naming the path, exit 1,
   * nothing left.
   */
  @Test
  void anUnreachableEndpointFailsAfterBoundedRetries() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again: connections to it are refused
    }
    List<String> submit =
        List.of(
            "bash",
            new File(PROJECT, "bin/spark-submit").getAbsolutePath(),
            "--master",
            "local[2]",
            "--conf",
            "spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:" + port,
            "--conf",
            "spark.hadoop.fs.s3a.path.style.access=true",
            "--conf",
            "spark.hadoop.fs.s3a.connection.ssl.enabled=false",
            "--conf",
            "spark.hadoop.fs.s3a.aws.credentials.provider="
                + "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
            new File(PROJECT, "jobs/target/distill-job.jar").getAbsolutePath(),
            "--set",
            "run.dir=s3a://distill/runs/unreachable",
            "--set",
            "teacher.model=null",
            "--set",
            "teacher.hidden=[8]",
            "--set",
            "teacher.epochs=1",
            "--set",
            "students.epochs=1",
            "--set",
            "students.sizes=[{name=\"8\", hidden=[8]}]");
    long started = System.nanoTime();
    Processes.Result r =
        run(10, Map.of("AWS_ACCESS_KEY_ID", ACCESS, "AWS_SECRET_ACCESS_KEY", SECRET), submit);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals(1, r.exitCode(), r.tail());
    List<String> failed =
        r.output().lines().filter(l -> l.startsWith("distill-job: FAILED: ")).toList();
    assertEquals(1, failed.size(), r.tail());
    String message = failed.get(0);
    assertTrue(message.contains("s3a://distill/runs/unreachable"), "names the path: " + message);
    assertTrue(seconds < 240, "bounded retries: failed after " + seconds + " s");
    ReliabilityTable.record(
        "S3 endpoint unreachable (run.dir on s3a://, connection refused)",
        "bounded retries, then a one-line error naming the path, exit 1",
        String.format(
            "exit 1 after %.0f s (spark-submit start included): %s",
            seconds, message.substring("distill-job: FAILED: ".length())),
        "-",
        "0");
  }

  @Test
  void aWholeRunOnS3aThenReadBack() throws Exception {
    try (S3ProxyServer server = S3ProxyServer.start(dir)) {
      String endpoint = server.endpoint();
      assertEquals(200, s3(endpoint, "PUT", "distill", null).exitCode(), "bucket created");
      Path slice =
          PROJECT.toPath().resolve("dataset/src/main/resources/io/distill/dataset/mnist-slice");
      for (String name :
          List.of(
              "train-images-idx3-ubyte.gz",
              "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz",
              "t10k-labels-idx1-ubyte.gz")) {
        assertEquals(
            200,
            s3(endpoint, "PUT", "distill/data/mnist/" + name, slice.resolve(name)).exitCode(),
            name);
      }

      // The run configuration itself on s3a:// (--config takes any Hadoop URI): it names the sweep.
      Path config = Files.createTempFile(dir, "run", ".conf");
      Files.writeString(
          config, "distill.students.sizes = [{name = \"from-s3a-config\", hidden = [8]}]\n");
      assertEquals(200, s3(endpoint, "PUT", "distill/conf/run.conf", config).exitCode());

      List<String> submit =
          new ArrayList<>(
              List.of(
                  "bash",
                  new File(PROJECT, "bin/spark-submit").getAbsolutePath(),
                  "--master",
                  "local[2]",
                  "--conf",
                  "spark.hadoop.fs.s3a.endpoint=" + endpoint,
                  "--conf",
                  "spark.hadoop.fs.s3a.path.style.access=true",
                  "--conf",
                  "spark.hadoop.fs.s3a.connection.ssl.enabled=false",
                  "--conf",
                  "spark.hadoop.fs.s3a.aws.credentials.provider="
                      + "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
                  "--conf",
                  "spark.hadoop.fs.s3a.attempts.maximum=3",
                  new File(PROJECT, "jobs/target/distill-job.jar").getAbsolutePath(),
                  "--config",
                  "s3a://distill/conf/run.conf",
                  "--set",
                  "run.dir=s3a://distill/runs/r1",
                  "--set",
                  "data.input=s3a://distill/data/mnist",
                  "--set",
                  "teacher.model=null",
                  "--set",
                  "teacher.hidden=[32]",
                  "--set",
                  "teacher.epochs=1",
                  "--set",
                  "soft-labels.transfer-copies=0",
                  "--set",
                  "students.epochs=1"));
      Map<String, String> credentials =
          Map.of("AWS_ACCESS_KEY_ID", ACCESS, "AWS_SECRET_ACCESS_KEY", SECRET);
      Processes.Result first = run(10, credentials, submit);
      assertEquals(0, first.exitCode(), first.tail());
      assertTrue(
          first.output().contains("report: s3a://distill/runs/r1/report/report.html"),
          first.tail());
      assertFalse(first.output().contains(SECRET), "the secret key appears in the log");

      assertEquals(200, s3(endpoint, "GET", "distill/runs/r1/_SUCCESS", null).exitCode());
      Processes.Result manifest = s3(endpoint, "GET", "distill/runs/r1/manifest.json", null);
      assertEquals(200, manifest.exitCode());
      assertTrue(manifest.output().contains("\"status\" : \"succeeded\""), manifest.output());
      assertTrue(manifest.output().contains("s3a://distill/data/mnist"), manifest.output());
      assertFalse(
          manifest.output().contains(SECRET) || manifest.output().contains(ACCESS),
          "credentials in the manifest");
      for (String key :
          List.of(
              "teacher/model.zip",
              "students/from-s3a-config-distilled/model.zip",
              "report/report.md",
              "report/accuracy-vs-parameters.png")) {
        assertEquals(200, s3(endpoint, "GET", "distill/runs/r1/" + key, null).exitCode(), key);
      }

      Processes.Result again = run(10, credentials, submit);
      assertEquals(0, again.exitCode(), again.tail());
      for (String stage :
          List.of("import", "teacher", "soft-labels", "students", "evaluate", "report")) {
        assertTrue(
            again.output().contains(stage + "={seconds=0.0, status=reused}")
                || again.output().contains(stage + "={status=reused, seconds=0.0}"),
            stage + " reused:\n" + again.tail());
      }
      assertTrue(
          again.output().contains("from-s3a-config-distilled")
              && again.output().contains("from-s3a-config-baseline"),
          "metrics read back from s3a");
    }
  }
}
