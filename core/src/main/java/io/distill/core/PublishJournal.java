package io.distill.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal of an {@link AtomicDirectoryCommit} ({@code <parent>/.<name>.publish}): where the new
 * output waits, where the old one goes, and, where an output moves file by file (object stores,
 * {@link ObjectStoreMoves}), which way a crash is resolved; and the recovery that reads it. It is
 * rewritten whole at each phase (one PUT on an object store), so a reader finds the old text or the
 * new.
 */
record PublishJournal(Path temporary, Path previous, String phase) {
  private static final Logger LOG = LoggerFactory.getLogger(PublishJournal.class);

  private static final String TEMPORARY = "temporary=";
  private static final String PREVIOUS = "previous=";
  private static final String PHASE = "phase=";

  /** The old output is being moved aside: a crash is undone (the old output put back). */
  static final String PHASE_ASIDE = "moving-old-aside";

  /** The new output is being moved in: a crash is finished (the rest of it moved in). */
  static final String PHASE_IN = "moving-new-in";

  /**
   * Recovery moves and deletes what a journal names, so a journal may only name the commit's own
   * hidden siblings of its target ({@code .<name>.tmp-*}, {@code .<name>.old-*}); anything else is
   * refused, nothing moved or deleted.
   */
  private static void requireOwnSibling(Path journal, Path target, Path named, String kind) {
    boolean own =
        named.getParent() != null
            && Path.getPathWithoutSchemeAndAuthority(named.getParent())
                .equals(Path.getPathWithoutSchemeAndAuthority(target.getParent()))
            && named.getName().startsWith("." + target.getName() + kind);
    if (!own) {
      throw new IllegalArgumentException(
          "Publish journal "
              + journal
              + " names "
              + named
              + ", which is not a temporary directory of "
              + target
              + "; nothing was moved or deleted");
    }
  }

  /** Where the journal of a commit of {@code target} is. */
  static Path path(Path target) {
    return new Path(target.getParent(), "." + target.getName() + ".publish");
  }

  void write(FileSystem fs, Path target) throws IOException {
    try (OutputStream out = fs.create(path(target), true)) {
      out.write(
          (TEMPORARY + temporary + "\n" + PREVIOUS + previous + "\n" + PHASE + phase + "\n")
              .getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Finishes or undoes the interrupted commit of {@code target}, if its journal is there (see
   * {@link AtomicDirectoryCommit}); whether there was one.
   */
  static boolean recover(FileSystem fs, Path target) throws IOException {
    Path journal = path(target);
    if (!fs.exists(journal)) {
      return false;
    }
    Path temporary = null;
    Path previous = null;
    String phase = PHASE_ASIDE;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(fs.open(journal), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith(TEMPORARY)) {
          temporary = new Path(line.substring(TEMPORARY.length()));
        } else if (line.startsWith(PREVIOUS)) {
          previous = new Path(line.substring(PREVIOUS.length()));
        } else if (line.startsWith(PHASE)) {
          phase = line.substring(PHASE.length());
        }
      }
    }
    if (temporary == null
        || previous == null) { // the journal itself was cut short: nothing was moved yet
      fs.delete(journal, false);
      LOG.warn("Publishing {} was interrupted before it began; the output is as it was", target);
      return true;
    }
    requireOwnSibling(journal, target, temporary, ".tmp-");
    requireOwnSibling(journal, target, previous, ".old-");
    if (!ObjectStoreMoves.renamesDirectoriesAtomically(fs)) {
      recoverFileByFile(fs, target, temporary, previous, phase);
      fs.delete(journal, false);
      return true;
    }
    if (fs.exists(target)) {
      if (fs.exists(temporary)) { // interrupted before the old output was moved aside: undo
        fs.delete(temporary, true);
        LOG.warn(
            "Publishing {} was interrupted before it replaced the earlier output; kept the earlier output",
            target);
      } else {
        LOG.warn(
            "Publishing {} was interrupted after the new output was in place; finished it", target);
      }
    } else if (fs.exists(temporary)) { // the old output is aside (or there was none): finish
      if (!fs.rename(temporary, target)) {
        throw new IOException("could not rename " + temporary + " to " + target);
      }
      LOG.warn(
          "Publishing {} was interrupted between its renames; put the new output in place", target);
    } else if (fs.exists(previous)) {
      if (!fs.rename(previous, target)) {
        throw new IOException("could not rename " + previous + " back to " + target);
      }
      LOG.warn(
          "Publishing {} was interrupted and its new output is gone; put the earlier output back",
          target);
    }
    if (fs.exists(previous)) {
      fs.delete(previous, true);
    }
    fs.delete(journal, false);
    return true;
  }

  /**
   * An interrupted file-by-file commit (object stores): while the old output was being moved aside,
   * it is moved back (the earlier output kept, the new one dropped); once the new one was being
   * moved in, the rest of it is (the new output finished). Every file is whole at one of its two
   * places, so neither loses a file.
   */
  private static void recoverFileByFile(
      FileSystem fs, Path target, Path temporary, Path previous, String phase) throws IOException {
    if (PHASE_IN.equals(phase)) {
      ObjectStoreMoves.moveFiles(fs, temporary, target, false, () -> {});
      if (fs.exists(previous)) {
        fs.delete(previous, true);
      }
      LOG.warn("Publishing {} was interrupted while the new output moved in; finished it", target);
    } else {
      ObjectStoreMoves.moveFiles(fs, previous, target, false, () -> {});
      if (fs.exists(temporary)) {
        fs.delete(temporary, true);
      }
      LOG.warn(
          "Publishing {} was interrupted before the new output moved in; kept the earlier output",
          target);
    }
  }
}
