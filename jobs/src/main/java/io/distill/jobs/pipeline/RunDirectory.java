package io.distill.jobs.pipeline;

import io.distill.dataset.HadoopFiles;
import io.distill.dataset.RecordStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The layout of one run's directory (any Hadoop FS URI) and its bookkeeping:
 *
 * <pre>
 * manifest.json            config as resolved, hashes, code version, split sizes, per-stage timings, status
 * data/train, data/test    the imported dataset (when the input had to be imported)
 * teacher/model.zip        the trained teacher (+ model.zip.json)
 * soft-labels/train, /test the teacher's logits and soft labels by id (and /transfer with a transfer set)
 * students/&lt;model&gt;/model.zip
 * metrics/                 Parquet, one row per model
 * history/                 Parquet, one row per model per epoch
 * report/                  report.md, report.html, accuracy-vs-parameters.png
 * _stages/&lt;stage&gt;.json    what each finished stage was run on (its fingerprint) and produced (its typed output)
 * _stages/students/&lt;model&gt;.json  the same for each student of the sweep
 * _SUCCESS                 written last; a run without it is not complete
 * _lease.json              while a run works here: who holds the directory, and its last heartbeat (RunLease)
 * </pre>
 */
public final class RunDirectory {
  public static final String SUCCESS = "_SUCCESS";
  public static final String MANIFEST = "manifest.json";
  public static final String STAGES = "_stages";

  private final String root;
  private final Configuration conf;

  /** A run directory at {@code root} (any Hadoop FS URI or local path), kept fully qualified. */
  public RunDirectory(String root, Configuration conf) {
    Path path = new Path(root);
    try {
      this.root = path.getFileSystem(conf).makeQualified(path).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot reach the run directory " + root + ": " + e.getMessage(), e);
    }
    this.conf = conf;
  }

  public String root() {
    return root;
  }

  public String path(String relative) {
    return root + "/" + relative;
  }

  /** The records of the finished stages ({@code _stages/}). */
  public RecordStore stages() {
    return new RecordStore(path(STAGES), conf);
  }

  /** The records of the sweep's finished students ({@code _stages/students/}). */
  public RecordStore students() {
    return new RecordStore(path(STAGES + "/students"), conf);
  }

  /** Whether a file or directory exists (any Hadoop FS URI or local path, or a {@code classpath:} resource). */
  public boolean exists(String location) {
    if (location.startsWith(io.distill.dataset.DataSource.CLASSPATH_PREFIX)) {
      return io.distill.dataset.DataSource.of(location).exists(conf);
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
