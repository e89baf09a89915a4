package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
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

  @Test
  void nothingIsVisibleUntilCommitThenTheTargetIsReplacedWhole() throws IOException {
    Path target = dir.resolve("out");
    Files.createDirectories(target);
    Files.writeString(target.resolve("old"), "earlier output");

    AtomicDirectoryCommit commit = AtomicDirectoryCommit.begin(target.toString(), conf);
    Path temp = Path.of(java.net.URI.create(commit.temporaryPath()));
    Files.writeString(temp.resolve("new"), "complete output");
    assertTrue(Files.exists(target.resolve("old")));
    assertFalse(Files.exists(target.resolve("new")));

    commit.commit();
    assertEquals("complete output", Files.readString(target.resolve("new")));
    assertFalse(Files.exists(target.resolve("old")));
    assertEquals(List.of("out"), names(dir));
  }

  @Test
  void abortLeavesTheTargetAsItWas() throws IOException {
    AtomicDirectoryCommit commit = AtomicDirectoryCommit.begin(dir.resolve("never").toString(), conf);
    Files.writeString(Path.of(java.net.URI.create(commit.temporaryPath())).resolve("part"), "half");
    commit.abort();
    assertEquals(List.of(), names(dir));
  }

  @Test
  void abortRemovesTheParentItCreatedButNoneThatWasThere() throws IOException {
    AtomicDirectoryCommit.begin(dir.resolve("new-parent/out").toString(), conf).abort();
    assertEquals(List.of(), names(dir));

    Files.createDirectories(dir.resolve("kept"));
    AtomicDirectoryCommit.begin(dir.resolve("kept/out").toString(), conf).abort();
    assertEquals(List.of("kept"), names(dir));
    assertEquals(List.of(), names(dir.resolve("kept")));
  }

  @Test
  void unwritableLocationIsNamed() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> AtomicDirectoryCommit.begin(file.resolve("out").toString(), conf));
    assertTrue(e.getMessage().contains(file.resolve("out").toString()), e.getMessage());
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
