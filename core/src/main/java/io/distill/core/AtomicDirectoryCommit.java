package io.distill.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a directory all at once: everything is written under a hidden temporary sibling ({@code
 * <parent>/.<name>.tmp-<uuid>}) and {@link #commit()} puts it in place of the target, replacing an
 * earlier output; {@link #abort()} deletes it (and the parent directory, when {@link #begin}
 * created it and nothing else was put there since), so a failed write leaves no trace.
 *
 * <p>A commit is journalled so that a crash at any instant leaves the complete old output or the
 * complete new one: (1) a journal {@code <parent>/.<name>.publish} naming the temporary directory
 * and where the old output goes is written; (2) the old output is renamed aside; (3) the new one is
 * renamed onto the target; (4) the old output is deleted; (5) the journal is deleted. {@link
 * #recover} (run by the next {@link #begin} for the same target, and by {@link #recoverUnder} over
 * a directory, which the pipeline runs on its run directory when it starts) finishes or undoes an
 * interrupted commit: before step 2 it is undone (the old output stays), after it it is finished
 * (the new output is put in place). Between steps 2 and 3 (two renames, microseconds apart) a
 * concurrent reader finds no output; a reader that calls {@link #recover} first never does after a
 * crash.
 *
 * <p>Directory rename is atomic on HDFS and local file systems. On object stores (s3a://, where a
 * rename is a copy of each object) steps 2 and 3 move the outputs file by file instead ({@link
 * ObjectStoreMoves}): the old output's markers ({@code _SUCCESS}, {@code _distill_output.json})
 * leave first, the new output's arrive last, and the journal records which way a crash is resolved
 * ({@link PublishJournal}): back to the old output while it was being moved aside, on to the new
 * one once that was moving in. Every file is whole at one of its two places at every instant, so
 * recovery never loses the only complete copy, and a directory holding {@code _SUCCESS} is always a
 * complete output. A concurrent reader that ignores {@code _SUCCESS} may still list an output while
 * it is being moved there.
 */
public final class AtomicDirectoryCommit {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicDirectoryCommit.class);

  /**
   * The marker every published directory holds: {@code {"writer": "distill", "kind": "..."}}. An
   * existing directory without it (or its kind's legacy marker) is not replaced.
   */
  public static final String OWNER_FILE = "_distill_output.json";

  private final FileSystem fs;
  private final Path target;
  private final OutputKind kind;
  private final Path temporary;
  private final boolean createdParent;
  private boolean finished;

  private AtomicDirectoryCommit(
      FileSystem fs, Path target, OutputKind kind, Path temporary, boolean createdParent) {
    this.fs = fs;
    this.target = target;
    this.kind = kind;
    this.temporary = temporary;
    this.createdParent = createdParent;
  }

  /**
   * Starts a commit for {@code target} (any Hadoop FS URI), an output of {@code kind}. The parent
   * directory is created if needed and must be writable. A target that exists must be an earlier
   * output of the same kind, or empty: anything else is refused before anything is written, naming
   * the path and what is there (see {@link OutputKind}).
   */
  public static AtomicDirectoryCommit begin(
      String target, Configuration hadoopConf, OutputKind kind) {
    Path path = new Path(target);
    try {
      FileSystem fs = path.getFileSystem(hadoopConf);
      Path qualified = fs.makeQualified(path);
      Path parent = qualified.getParent();
      if (parent == null) {
        throw new IllegalArgumentException(
            "Cannot publish to the root of a file system: " + target);
      }
      PublishFence.requireHeld(qualified);
      PublishJournal.recover(fs, qualified);
      try {
        requireReplaceable(fs, qualified, kind);
      } catch (IllegalArgumentException refused) {
        if (!hadoopConf.getBoolean(OVERWRITE_FOREIGN, false)) {
          throw refused;
        }
        LOG.warn("--overwrite: replacing it all the same. {}", refused.getMessage());
      }
      Path temporary = new Path(parent, "." + qualified.getName() + ".tmp-" + UUID.randomUUID());
      boolean createdParent = !fs.exists(parent);
      if (!fs.mkdirs(temporary)) {
        throw new IOException("mkdirs returned false");
      }
      return new AtomicDirectoryCommit(fs, qualified, kind, temporary, createdParent);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot create a temporary directory beside "
              + target
              + " (is the location writable?): "
              + e.getMessage(),
          e);
    }
  }

  /**
   * What {@link #publish} runs: writes everything under {@link #temporaryPath()} and returns what
   * it made.
   */
  @FunctionalInterface
  public interface Write<T> {
    T into(AtomicDirectoryCommit commit) throws Exception;
  }

  /**
   * Publishes {@code target} in one step: {@link #begin}, then {@code write} into the temporary
   * directory, then {@link #commit()}; if anything throws, {@link #abort()} and the exception goes
   * on as it was thrown (Spark's undeclared checked exceptions included). The one way the project's
   * actions publish a directory.
   */
  public static <T> T publish(
      String target, Configuration hadoopConf, OutputKind kind, Write<T> write) {
    AtomicDirectoryCommit commit = begin(target, hadoopConf, kind);
    try {
      T result = write.into(commit);
      commit.commit();
      return result;
    } catch (Throwable e) {
      try {
        commit.abort();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw AtomicDirectoryCommit.<RuntimeException>rethrow(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable e) throws E {
    throw (E) e;
  }

  /**
   * Hadoop configuration key: when true, a target that this job did not write (or a file, or
   * another kind of output) is replaced all the same, with a warning. Set by the job's {@code
   * --overwrite}; false unless asked for.
   */
  public static final String OVERWRITE_FOREIGN = "distill.output.overwrite-foreign";

  private static String ownerMarker(OutputKind kind) {
    return "{\"writer\": \"distill\", \"kind\": \"" + kind.name() + "\"}\n";
  }

  /**
   * An existing target may be replaced when it is an empty directory or an earlier output of the
   * same kind; anything else (a file, another kind of output, a directory this job did not write)
   * is refused with one line naming the path and what was found there.
   */
  private static void requireReplaceable(FileSystem fs, Path target, OutputKind kind)
      throws IOException {
    if (!fs.exists(target)) {
      return;
    }
    if (!fs.getFileStatus(target).isDirectory()) {
      throw new IllegalArgumentException(
          "Output "
              + target
              + " is a file, not a directory this job wrote; nothing was written: give another"
              + " path (or --overwrite)");
    }
    FileStatus[] children = fs.listStatus(target);
    if (children.length == 0) {
      return;
    }
    Path owner = new Path(target, OWNER_FILE);
    if (fs.exists(owner)) {
      String marker;
      try (InputStream in = fs.open(owner)) {
        marker = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (marker.trim().equals(ownerMarker(kind).trim())) {
        return;
      }
      throw new IllegalArgumentException(
          "Output "
              + target
              + " is another kind of output of this job ("
              + marker.trim()
              + "), not "
              + kind.name()
              + "; nothing was written: give another path (or --overwrite)");
    }
    if (kind.legacyMarker() != null && fs.exists(new Path(target, kind.legacyMarker()))) {
      return; // written by this job before the marker existed
    }
    throw new IllegalArgumentException(
        "Output "
            + target
            + " is not empty and was not written by this job (it holds "
            + HadoopFiles.describeEntries(List.of(children))
            + "); nothing was written or deleted: give a new or empty directory (or --overwrite)");
  }

  /** Where to write; a URI string any Spark writer accepts. */
  public String temporaryPath() {
    return temporary.toString();
  }

  /** The final location. */
  public String targetPath() {
    return target.toString();
  }

  /** The steps of a commit, in order (for tests that crash the publisher between them). */
  enum Step {
    JOURNAL_WRITTEN,
    OLD_MOVED_ASIDE,
    NEW_IN_PLACE,
    OLD_DELETED,
    JOURNAL_DELETED
  }

  /**
   * Moves the temporary directory onto the target, replacing what was there (see the class
   * comment).
   */
  public void commit() {
    commit(step -> {});
  }

  /** {@link #commit()}, calling {@code afterStep} after each step. */
  void commit(Consumer<Step> afterStep) {
    commit(afterStep, () -> {});
  }

  /**
   * {@link #commit(Consumer)}, calling {@code afterFile} after each file moved (on file systems
   * that move an output file by file: object stores, see {@link ObjectStoreMoves}).
   */
  void commit(Consumer<Step> afterStep, Runnable afterFile) {
    if (finished) {
      throw new IllegalStateException("Commit of " + target + " already finished");
    }
    PublishFence.requireHeld(target);
    Path previous =
        new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
    boolean atomic = ObjectStoreMoves.renamesDirectoriesAtomically(fs);
    try {
      try (OutputStream out = fs.create(new Path(temporary, OWNER_FILE), true)) {
        out.write(ownerMarker(kind).getBytes(StandardCharsets.UTF_8));
      }
      new PublishJournal(temporary, previous, PublishJournal.PHASE_ASIDE).write(fs, target);
      afterStep.accept(Step.JOURNAL_WRITTEN);
      boolean replaced = fs.exists(target);
      if (atomic) {
        if (replaced && !fs.rename(target, previous)) {
          fs.delete(PublishJournal.path(target), false);
          throw new IOException("could not move the earlier output aside to " + previous);
        }
      } else {
        ObjectStoreMoves.moveFiles(fs, target, previous, true, afterFile);
        new PublishJournal(temporary, previous, PublishJournal.PHASE_IN).write(fs, target);
      }
      afterStep.accept(Step.OLD_MOVED_ASIDE);
      if (atomic) {
        if (!fs.rename(temporary, target)) {
          if (replaced) {
            fs.rename(previous, target);
          }
          fs.delete(PublishJournal.path(target), false);
          throw new IOException("could not rename " + temporary + " to " + target);
        }
      } else {
        ObjectStoreMoves.moveFiles(fs, temporary, target, false, afterFile);
      }
      finished = true;
      afterStep.accept(Step.NEW_IN_PLACE);
      if (fs.exists(previous)) {
        fs.delete(previous, true);
      }
      afterStep.accept(Step.OLD_DELETED);
      fs.delete(PublishJournal.path(target), false);
      afterStep.accept(Step.JOURNAL_DELETED);
      LOG.info(replaced ? "Published {} (replaced the earlier output)" : "Published {}", target);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot publish " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Finishes or undoes a commit of {@code target} that a crash interrupted (see the class comment);
   * does nothing when there is none.
   *
   * @return whether there was one
   */
  public static boolean recover(String target, Configuration hadoopConf) {
    Path path = new Path(target);
    try {
      FileSystem fs = path.getFileSystem(hadoopConf);
      return PublishJournal.recover(fs, fs.makeQualified(path));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot recover the interrupted publishing of " + target + ": " + e.getMessage(), e);
    }
  }

  /** {@link #recover} for every interrupted commit of a directory's children and grandchildren. */
  public static int recoverUnder(String dir, Configuration hadoopConf) {
    Path root = new Path(dir);
    int recovered = 0;
    try {
      FileSystem fs = root.getFileSystem(hadoopConf);
      if (!fs.exists(root)) {
        return 0;
      }
      List<Path> dirs = new ArrayList<>(List.of(fs.makeQualified(root)));
      for (FileStatus child : fs.listStatus(root)) {
        if (child.isDirectory() && !child.getPath().getName().startsWith(".")) {
          dirs.add(child.getPath());
        }
      }
      for (Path d : dirs) {
        for (FileStatus f : fs.listStatus(d)) {
          String name = f.getPath().getName();
          if (f.isFile() && name.startsWith(".") && name.endsWith(".publish")) {
            Path target = new Path(d, name.substring(1, name.length() - ".publish".length()));
            if (PublishJournal.recover(fs, target)) {
              recovered++;
            }
          }
        }
      }
      return recovered;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot look for interrupted publishing under " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the temporary directory, and the parent directory when {@link #begin} created it and it
   * is now empty; the target is left as it was. Safe to call after a failed commit.
   */
  public void abort() {
    if (finished) {
      return;
    }
    finished = true;
    try {
      fs.delete(temporary, true);
    } catch (IOException e) {
      LOG.warn("Could not delete the temporary directory {}: {}", temporary, e.getMessage());
      return;
    }
    Path parent = temporary.getParent();
    try {
      if (createdParent && fs.listStatus(parent).length == 0) {
        fs.delete(parent, false);
      }
    } catch (IOException e) {
      LOG.debug("Left the directory {} in place: {}", parent, e.getMessage());
    }
  }
}
