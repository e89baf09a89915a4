package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NightlyCommandTest {
  @TempDir Path dir;

  @BeforeAll
  static void localSpark() {
    LocalSpark.session();
  }

  private static final List<String> SMALL =
      List.of(
          "--set",
          "teacher.model=null",
          "--set",
          "teacher.hidden=[16]",
          "--set",
          "teacher.epochs=1",
          "--set",
          "students.epochs=1",
          "--set",
          "students.sizes=[{name=\"8\", hidden=[8]}]");

  private int nightly(Path root, String runId, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("nightly", "--runs-root", root.toString(), "--run-id", runId));
    args.addAll(SMALL);
    args.addAll(List.of(extra));
    return DistillJob.run(args.toArray(new String[0]));
  }

  @Test
  void latestMovesOnlyAfterASuccessfulRun() throws Exception {
    Path root = dir.resolve("nightly");
    assertEquals(0, nightly(root, "2026-11-21"));
    assertTrue(Files.exists(root.resolve("2026-11-21/_SUCCESS")));
    assertEquals("2026-11-21", Files.readString(root.resolve("latest")).trim());

    // A failing night (its data is missing) exits 1 and leaves latest where it was.
    assertEquals(
        1, nightly(root, "2026-11-22", "--set", "data.input=" + dir.resolve("no-such-data")));
    assertEquals("2026-11-21", Files.readString(root.resolve("latest")).trim());
    assertTrue(Files.notExists(root.resolve("2026-11-22/_SUCCESS")));
  }

  @Test
  void badRunIdsAndMissingRootAreRefused() {
    assertTrue(
        assertThrows(UsageException.class, () -> DistillJob.plan(List.of("nightly")))
            .getMessage()
            .contains("Missing required option: '--runs-root=DIR'"));
    UsageException e =
        assertThrows(
            UsageException.class,
            () -> DistillJob.plan(List.of("nightly", "--runs-root", "r", "--run-id", "latest")));
    assertTrue(e.getMessage().contains("cannot be: latest"), e.getMessage());
    assertThrows(
        UsageException.class,
        () -> DistillJob.plan(List.of("nightly", "--runs-root", "r", "--run-id", "../x")));
  }
}
