package io.distill.jobs.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.dataset.HadoopFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The layout of one run's directory (any Hadoop FS URI) and its bookkeeping:
 *
 * <pre>
 * manifest.json            config as resolved, hashes, code version, per-stage timings, status
 * data/train, data/test    the imported dataset (when the input had to be imported)
 * teacher/model.zip        the trained teacher (+ model.zip.json)
 * soft-labels/train, /test teacher logits and soft labels
 * students/&lt;model&gt;/model.zip
 * metrics/                 Parquet, one row per model
 * history/                 Parquet, one row per model per epoch
 * report/                  report.md, report.html, accuracy-vs-parameters.png
 * _stages/&lt;stage&gt;.json    what each finished stage was run on (its fingerprint) and produced
 * _SUCCESS                 written last; a run without it is not complete
 * </pre>
 */
public final class RunDirectory {
  public static final String SUCCESS = "_SUCCESS";
  public static final String MANIFEST = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** What a finished stage recorded: its fingerprint, seconds and outputs. */
  public record StageRecord(String stage, String fingerprint, double seconds, String finishedAt,
      Map<String, Object> outputs) {}

  /** The record of a finished stage, if any. */
  public Optional<StageRecord> stage(String stage) {
    Path path = new Path(path("_stages/" + stage + ".json"));
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(path)) {
        return Optional.of(JSON.readValue(in, StageRecord.class));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  public void recordStage(String stage, String fingerprint, double seconds, Map<String, Object> outputs) {
    HadoopFiles.writeJson(path("_stages/" + stage + ".json"),
        new StageRecord(stage, fingerprint, seconds, Instant.now().toString(), new LinkedHashMap<>(outputs)), conf);
  }

  /** Whether a file or directory exists (any Hadoop FS URI or local path). */
  public boolean exists(String location) {
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
