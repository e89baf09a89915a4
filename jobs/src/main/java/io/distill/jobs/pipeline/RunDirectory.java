package io.distill.jobs.pipeline;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.DataSource;
import io.distill.core.HadoopFiles;
import io.distill.core.RecordStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's directory (any Hadoop FS URI) and its bookkeeping. Its layout is {@link RunLayout},
 * declared once; the accessors below are the only way the stages, the results and the tests reach
 * an entry.
 */
public final class RunDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);

  public static final String SUCCESS = RunLayout.SUCCESS.relative();
  public static final String MANIFEST = RunLayout.MANIFEST.relative();
  public static final String STAGES = RunLayout.STAGES.relative();

  private final String root;
  private final Configuration conf;

  /** A run directory at {@code root} (any Hadoop FS URI or local path), kept fully qualified. */
  public RunDirectory(String root, Configuration conf) {
    Path path = new Path(root);
    try {
      this.root = path.getFileSystem(conf).makeQualified(path).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot reach the run directory " + root + ": " + e.getMessage(), e);
    }
    this.conf = conf;
  }

  public String root() {
    return root;
  }

  public String path(String relative) {
    return root + "/" + relative;
  }

  /** An entry of the layout. */
  public String path(RunLayout entry) {
    return path(entry.relative());
  }

  /**
   * The imported dataset ({@code data/}), whose splits are {@code data/train} and {@code
   * data/test}.
   */
  public String data() {
    return path(RunLayout.DATA);
  }

  /** Where the import's rejected rows go, one directory per split under it. */
  public String quarantine() {
    return path(RunLayout.QUARANTINE);
  }

  /** The teacher the run trains. */
  public String teacherModel() {
    return path(RunLayout.TEACHER.relative() + "/model.zip");
  }

  /**
   * The teacher's checkpoints while it trains, relative to the run directory (for {@link #delete}).
   */
  public static String teacherCheckpoints(String fingerprint) {
    return RunLayout.TEACHER.relative() + "/checkpoints-" + fingerprint.substring(0, 16);
  }

  /** The transfer set's split ({@code transfer/train}). */
  public String transfer(String split) {
    return path(RunLayout.TRANSFER.relative() + "/" + split);
  }

  /** The teacher's outputs for a split ({@code train}, {@code test}, {@code transfer}). */
  public String softLabels(String split) {
    return path(RunLayout.SOFT_LABELS.relative() + "/" + split);
  }

  /** The directory of the sweep's models, one sub-directory per model. */
  public String students() {
    return path(RunLayout.STUDENTS);
  }

  /** The per-model metrics table. */
  public String metrics() {
    return path(RunLayout.METRICS);
  }

  /** The per-epoch history table. */
  public String history() {
    return path(RunLayout.HISTORY);
  }

  /** The report's directory. */
  public String report() {
    return path(RunLayout.REPORT);
  }

  /** The records of the finished stages ({@code _stages/}). */
  public RecordStore stageRecords() {
    return new RecordStore(path(STAGES), conf);
  }

  /** The records of the sweep's finished students ({@code _stages/students/}). */
  public RecordStore studentRecords() {
    return new RecordStore(path(STAGES + "/students"), conf);
  }

  /**
   * Whether a file or directory exists (any Hadoop FS URI or local path, or a {@code classpath:}
   * resource).
   */
  public boolean exists(String location) {
    if (location.startsWith(DataSource.CLASSPATH_PREFIX)) {
      return DataSource.of(location).exists(conf);
    }
    Path path = new Path(location);
    try {
      return path.getFileSystem(conf).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + path + ": " + e.getMessage(), e);
    }
  }

  public void delete(String relative) {
    Path path = new Path(path(relative));
    try {
      path.getFileSystem(conf).delete(path, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + path + ": " + e.getMessage(), e);
    }
  }

  public void writeManifest(Map<String, Object> manifest) {
    HadoopFiles.writeJson(path(MANIFEST), manifest, conf);
  }

  /**
   * A run works only in a directory that is new, empty, or an earlier run's (it holds {@code
   * manifest.json}, or only a lease and hidden temporary entries of a run that stopped at once):
   * any other directory is refused before anything is written, naming it and what it holds, so a
   * mistyped {@code run.dir} (a home directory, a dataset) is never written into or replaced.
   */
  public void requireOwnable() {
    Path dir = new Path(root);
    try {
      var fs = dir.getFileSystem(conf);
      if (!fs.exists(dir)) {
        return;
      }
      if (!fs.getFileStatus(dir).isDirectory()) {
        throw new IllegalArgumentException(
            "Run directory " + root + " is a file; nothing was written: give a directory");
      }
      if (fs.exists(new Path(dir, MANIFEST))) {
        return;
      }
      List<FileStatus> foreign = new ArrayList<>();
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (!name.equals(RunLayout.LEASE.relative()) && !name.startsWith(".")) {
          foreign.add(s);
        }
      }
      if (!foreign.isEmpty() && conf.getBoolean(AtomicDirectoryCommit.OVERWRITE_FOREIGN, false)) {
        LOG.warn(
            "--overwrite: run directory {} is not a run's (it holds {}); working in it all the same",
            root,
            HadoopFiles.describeEntries(foreign));
      } else if (!foreign.isEmpty()) {
        throw new IllegalArgumentException(
            "Run directory "
                + root
                + " is not empty and is not a run's (no "
                + MANIFEST
                + "; it holds "
                + HadoopFiles.describeEntries(foreign)
                + "); nothing was written or deleted: give a new or empty run.dir, or --overwrite");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot check the run directory " + root + ": " + e.getMessage(), e);
    }
  }

  /** Marks the run complete: the last thing a successful run writes. */
  public void markSuccess() {
    Path path = new Path(path(SUCCESS));
    try {
      path.getFileSystem(conf).create(path, true).close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path + ": " + e.getMessage(), e);
    }
  }
}
