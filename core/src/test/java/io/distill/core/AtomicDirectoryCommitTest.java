package io.distill.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicDirectoryCommitTest {
  @TempDir Path dir;

  private final Configuration conf = new Configuration();

  /** The tests' outputs: an earlier one holds a file named "part-0" (its legacy marker). */
  private static final OutputKind KIND = new OutputKind("test-output", "part-0");

  @Test
  void nothingIsVisibleUntilCommitThenTheTargetIsReplacedWhole() throws IOException {
    Path target = dir.resolve("out");
    Files.createDirectories(target);
    Files.writeString(target.resolve("part-0"), "earlier output");

    AtomicDirectoryCommit commit = AtomicDirectoryCommit.begin(target.toString(), conf, KIND);
    Path temp = Path.of(URI.create(commit.temporaryPath()));
    Files.writeString(temp.resolve("new"), "complete output");
    assertTrue(Files.exists(target.resolve("part-0")));
    assertFalse(Files.exists(target.resolve("new")));

    commit.commit();
    assertEquals("complete output", Files.readString(target.resolve("new")));
    assertFalse(Files.exists(target.resolve("part-0")));
    assertEquals(List.of("out"), names(dir));
  }

  /** A crash of the publisher (simulated by an error thrown out of a step). */
  private static final class Crash extends RuntimeException {
    Crash(AtomicDirectoryCommit.Step step) {
      super("crashed after " + step);
    }
  }

  /**
   * The publisher crashes after each of its steps in turn; a reader that recovers first (as the
   * next run does) sees the complete earlier output or the complete new one, and nothing of the
   * commit is left behind. Without recovery, only the instant between the two renames shows no
   * output.
   */
  @Test
  void aCrashBetweenAnyTwoStepsLeavesTheOldOrTheNewOutput() throws IOException {
    for (AtomicDirectoryCommit.Step crashAfter : AtomicDirectoryCommit.Step.values()) {
      for (boolean hadOutput : new boolean[] {true, false}) {
        Path parent = Files.createDirectories(dir.resolve(crashAfter + "-" + hadOutput));
        Path target = parent.resolve("out");
        if (hadOutput) {
          Files.createDirectories(target);
          Files.writeString(target.resolve("part-0"), "old 0");
          Files.writeString(target.resolve("part-1"), "old 1");
        }
        AtomicDirectoryCommit commit = AtomicDirectoryCommit.begin(target.toString(), conf, KIND);
        Path temp = Path.of(URI.create(commit.temporaryPath()));
        Files.writeString(temp.resolve("part-0"), "new 0");
        Files.writeString(temp.resolve("part-1"), "new 1");
        Crash crash =
            assertThrows(
                Crash.class,
                () ->
                    commit.commit(
                        step -> {
                          if (step == crashAfter) {
                            throw new Crash(step);
                          }
                        }),
                crashAfter + " is a step of this commit");
        assertTrue(crash.getMessage().endsWith(crashAfter.toString()));
        boolean window =
            crashAfter == AtomicDirectoryCommit.Step.OLD_MOVED_ASIDE
                || (!hadOutput && crashAfter == AtomicDirectoryCommit.Step.JOURNAL_WRITTEN);
        assertEquals(!window, Files.exists(target), crashAfter + ", output before: " + hadOutput);

        boolean journalLeft = crashAfter.compareTo(AtomicDirectoryCommit.Step.JOURNAL_DELETED) < 0;
        assertEquals(
            journalLeft,
            AtomicDirectoryCommit.recoverUnder(dir.toString(), conf) == 1,
            crashAfter.toString());
        String seen =
            Files.readString(target.resolve("part-0"))
                + "|"
                + Files.readString(target.resolve("part-1"));
        boolean newPublished =
            crashAfter != AtomicDirectoryCommit.Step.JOURNAL_WRITTEN || !hadOutput;
        assertEquals(
            newPublished ? "new 0|new 1" : "old 0|old 1",
            seen,
            crashAfter + ", output before: " + hadOutput);
        try (Stream<Path> left = Files.list(parent)) {
          assertEquals(
              List.of("out"),
              left.map(p -> p.getFileName().toString())
                  .filter(n -> !n.startsWith(".."))
                  .filter(n -> !n.endsWith(".crc"))
                  .sorted()
                  .toList(),
              "nothing of the commit left after " + crashAfter);
        }
      }
    }
  }

  @Test
  void abortLeavesTheTargetAsItWas() throws IOException {
    AtomicDirectoryCommit commit =
        AtomicDirectoryCommit.begin(dir.resolve("never").toString(), conf, KIND);
    Files.writeString(Path.of(URI.create(commit.temporaryPath())).resolve("part"), "half");
    commit.abort();
    assertEquals(List.of(), names(dir));
  }

  @Test
  void abortRemovesTheParentItCreatedButNoneThatWasThere() throws IOException {
    AtomicDirectoryCommit.begin(dir.resolve("new-parent/out").toString(), conf, KIND).abort();
    assertEquals(List.of(), names(dir));

    Files.createDirectories(dir.resolve("kept"));
    AtomicDirectoryCommit.begin(dir.resolve("kept/out").toString(), conf, KIND).abort();
    assertEquals(List.of("kept"), names(dir));
    assertEquals(List.of(), names(dir.resolve("kept")));
  }

  @Test
  void unwritableLocationIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class,
            () -> AtomicDirectoryCommit.begin(file.resolve("out").toString(), conf, KIND));
    assertTrue(e.getMessage().contains(file.resolve("out").toString()), e.getMessage());
  }

  /** A directory the job did not write is never replaced: the target is refused, untouched. */
  @Test
  void aDirectoryTheJobDidNotWriteIsRefusedAndLeftAsItWas() throws IOException {
    Path target = Files.createDirectories(dir.resolve("p"));
    Files.writeString(target.resolve("precious.txt"), "keep");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AtomicDirectoryCommit.publish(target.toString(), conf, KIND, c -> "never"));
    assertEquals(
        "Output file:"
            + target
            + " is not empty and was not written by this job (it holds precious.txt); nothing was"
            + " written or deleted: give a new or empty directory (or --overwrite)",
        e.getMessage());
    assertEquals("keep", Files.readString(target.resolve("precious.txt")));
    assertEquals(List.of("p"), names(dir), "no temporary directory beside it");
    Path file = Files.writeString(dir.resolve("a-file"), "keep");
    assertThrows(
        IllegalArgumentException.class,
        () -> AtomicDirectoryCommit.publish(file.toString(), conf, KIND, c -> "never"));
    assertEquals("keep", Files.readString(file));
  }

  /** With --overwrite (the Hadoop key it sets) the same directory is replaced, as asked. */
  @Test
  void aDirectoryTheJobDidNotWriteIsReplacedWhenOverwriteIsAskedFor() throws IOException {
    Path target = Files.createDirectories(dir.resolve("p"));
    Files.writeString(target.resolve("precious.txt"), "not precious after all");
    Configuration overwrite = new Configuration(conf);
    overwrite.setBoolean(AtomicDirectoryCommit.OVERWRITE_FOREIGN, true);
    AtomicDirectoryCommit.publish(
        target.toString(),
        overwrite,
        KIND,
        c -> Files.writeString(Path.of(URI.create(c.temporaryPath())).resolve("part-0"), "new"));
    assertEquals("new", Files.readString(target.resolve("part-0")));
    assertFalse(Files.exists(target.resolve("precious.txt")));
    assertEquals(List.of("p"), names(dir), "no temporary directory beside it");
  }

  /** Its own earlier output of the same kind is replaced; an output of another kind is not. */
  @Test
  void anEarlierOutputOfTheSameKindIsReplacedAndOfAnotherKindRefused() throws IOException {
    Path target = dir.resolve("scores");
    OutputKind scores = new OutputKind("scores", null);
    for (String text : List.of("first", "second")) {
      AtomicDirectoryCommit.publish(
          target.toString(),
          conf,
          scores,
          c -> Files.writeString(Path.of(URI.create(c.temporaryPath())).resolve("part"), text));
    }
    assertEquals("second", Files.readString(target.resolve("part")));
    assertEquals(
        "{\"writer\": \"distill\", \"kind\": \"scores\"}",
        Files.readString(target.resolve(AtomicDirectoryCommit.OWNER_FILE)).trim());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                AtomicDirectoryCommit.publish(
                    target.toString(), conf, new OutputKind("soft-labels", null), c -> "never"));
    assertTrue(e.getMessage().contains("is another kind of output of this job"), e.getMessage());
    assertEquals("second", Files.readString(target.resolve("part")));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  /** A journal naming a directory that is not the commit's own is refused: nothing is deleted. */
  @Test
  void aJournalNamingAForeignDirectoryIsRefusedAndNothingDeleted() throws IOException {
    Path precious = Files.createDirectories(dir.resolve("precious"));
    Files.writeString(precious.resolve("keep.txt"), "keep");
    Files.writeString(
        dir.resolve(".out.publish"),
        "temporary=file:" + precious + "\nprevious=file:" + dir.resolve(".out.old-1") + "\n");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AtomicDirectoryCommit.recover(dir.resolve("out").toString(), conf));
    assertTrue(e.getMessage().contains("which is not a temporary directory of"), e.getMessage());
    assertEquals("keep", Files.readString(precious.resolve("keep.txt")));
  }
}
