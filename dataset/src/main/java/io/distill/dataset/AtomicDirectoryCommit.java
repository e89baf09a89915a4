package io.distill.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a directory all at once: everything is written under a hidden temporary sibling
 * ({@code <parent>/.<name>.tmp-<uuid>}) and {@link #commit()} renames it onto the target, replacing an earlier
 * output; {@link #abort()} deletes it (and the parent directory, when {@link #begin} created it and nothing else was
 * put there since), so a failed write leaves no trace. Readers see the old output or the new one, never a partial
 * one.
 *
 * <p>Directory rename is atomic on HDFS and local file systems. On object stores (s3a://) a rename is a copy,
 * so the swap is not atomic there; readers should rely on a completion marker written last.
 */
public final class AtomicDirectoryCommit {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicDirectoryCommit.class);

  private final FileSystem fs;
  private final Path target;
  private final Path temporary;
  private final boolean createdParent;
  private boolean finished;

  private AtomicDirectoryCommit(FileSystem fs, Path target, Path temporary, boolean createdParent) {
    this.fs = fs;
    this.target = target;
    this.temporary = temporary;
    this.createdParent = createdParent;
  }

  /**
   * Starts a commit for {@code target} (any Hadoop FS URI). The parent directory is created if needed and must be
   * writable.
   */
  public static AtomicDirectoryCommit begin(String target, Configuration hadoopConf) {
    Path path = new Path(target);
    try {
      FileSystem fs = path.getFileSystem(hadoopConf);
      Path qualified = fs.makeQualified(path);
      Path parent = qualified.getParent();
      if (parent == null) {
        throw new IllegalArgumentException("Cannot publish to the root of a file system: " + target);
      }
      Path temporary = new Path(parent, "." + qualified.getName() + ".tmp-" + UUID.randomUUID());
      boolean createdParent = !fs.exists(parent);
      if (!fs.mkdirs(temporary)) {
        throw new IOException("mkdirs returned false");
      }
      return new AtomicDirectoryCommit(fs, qualified, temporary, createdParent);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot create a temporary directory beside " + target + " (is the location writable?): " + e.getMessage(),
          e);
    }
  }

  /** Where to write; a URI string any Spark writer accepts. */
  public String temporaryPath() {
    return temporary.toString();
  }

  /** The final location. */
  public String targetPath() {
    return target.toString();
  }

  /** Moves the temporary directory onto the target, replacing what was there. */
  public void commit() {
    if (finished) {
      throw new IllegalStateException("Commit of " + target + " already finished");
    }
    Path previous = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
    try {
      boolean replaced = fs.exists(target);
      if (replaced && !fs.rename(target, previous)) {
        throw new IOException("could not move the earlier output aside to " + previous);
      }
      if (!fs.rename(temporary, target)) {
        if (replaced) {
          fs.rename(previous, target);
        }
        throw new IOException("could not rename " + temporary + " to " + target);
      }
      finished = true;
      if (replaced) {
        fs.delete(previous, true);
        LOG.info("Published {} (replaced the earlier output)", target);
      } else {
        LOG.info("Published {}", target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot publish " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the temporary directory, and the parent directory when {@link #begin} created it and it is now empty; the
   * target is left as it was. Safe to call after a failed commit.
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
