package io.distill.jobs;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * S3Proxy (an S3-compatible server, in-memory backend, signature-checked credentials) started on
 * 127.0.0.1 as its own process; the jar is copied to jobs/target/s3proxy by the
 * pre-integration-test phase.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS = "distill-test-access";
  public static final String SECRET = "distill-test-secret-5f2c9e1a";

  private final Process process;
  private final String endpoint;

  private S3ProxyServer(Process process, String endpoint) {
    this.process = process;
    this.endpoint = endpoint;
  }

  /** Starts a server writing its configuration and log into {@code dir}. */
  public static S3ProxyServer start(Path dir) throws IOException, InterruptedException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    Path conf =
        Files.writeString(
            dir.resolve("s3proxy.conf"),
            String.join(
                "\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS,
                "s3proxy.credential=" + SECRET,
                "jclouds.provider=transient",
                "jclouds.identity=unused",
                "jclouds.credential=unused",
                ""));
    File jar = new File(Processes.PROJECT, "jobs/target/s3proxy/s3proxy.jar");
    if (!jar.isFile()) {
      throw new IllegalStateException(
          "S3Proxy is copied to " + jar + " by the pre-integration-test phase");
    }
    Path log = dir.resolve("s3proxy.log");
    Process server =
        new ProcessBuilder("java", "-jar", jar.getAbsolutePath(), "--properties", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(log).contains("Started Server")) {
      if (!server.isAlive() || System.nanoTime() > deadline) {
        server.destroyForcibly();
        throw new IllegalStateException("S3Proxy did not start:\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
    return new S3ProxyServer(server, endpoint);
  }

  public String endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
