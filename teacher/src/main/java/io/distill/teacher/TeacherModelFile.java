package io.distill.teacher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.DataSource;
import io.distill.core.HadoopFiles;
import io.distill.core.ModelArchive;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves teachers to, and loads them from, any Hadoop FileSystem path (file://, hdfs://, s3a://, or
 * a plain local path), with the caller's Hadoop {@link Configuration}.
 *
 * <h2>Files</h2>
 *
 * <ul>
 *   <li>{@code path}: the DL4J {@link ModelSerializer} zip of a {@link MultiLayerNetwork} or a
 *       {@link ComputationGraph} (entries {@code configuration.json}, {@code coefficients.bin} and,
 *       when saved with it, {@code updaterState.bin}).
 *   <li>{@code path + ".json"}: the {@link TeacherInfo} sidecar, optional. On checksummed file
 *       systems (file:// is one: Hadoop keeps a {@code .<name>.crc} beside each file) it is written
 *       and read without a checksum, so it can be edited by hand; the model zip keeps its checksum,
 *       and a mismatch is reported as corruption.
 * </ul>
 *
 * Each file is written to a hidden temporary sibling ({@code .<name>.tmp-<uuid>}) and renamed into
 * place when complete, so a reader never sees a half-written file. Replacing an existing file moves
 * the old one aside first: during that instant a reader finds no file, never a partial one (on
 * object stores a rename is a copy, so there the swap is not atomic). {@link #save} deletes an
 * earlier sidecar before publishing the model, so a model is never paired with the sidecar of
 * another.
 *
 * <h2>Telling a MultiLayerNetwork from a ComputationGraph</h2>
 *
 * Both zips have the same entries; the kind is read from {@code configuration.json}: a
 * MultiLayerConfiguration has a top-level {@code "confs"} array (one per layer), a
 * ComputationGraphConfiguration a {@code "vertices"} object. The zip is then restored with the
 * matching {@code ModelSerializer.restore…} method, without the updater state (inference does not
 * need it).
 *
 * <h2>Refusals</h2>
 *
 * Loading fails before anything is built, with a message naming the path and the problem: a missing
 * file, a directory, an empty file, a file that is not a zip or is truncated or corrupt, a zip that
 * is not a DL4J model, a ComputationGraph without exactly one input and one output, an output
 * activation other than identity or softmax, a malformed sidecar, and (with {@link #load(String,
 * Configuration, long, long)}) sizes that do not match the dataset.
 *
 * <h2>Cost</h2>
 *
 * {@link #load} copies the file once to a local temporary file (ModelSerializer needs random
 * access; the copy is deleted afterwards) and then reads the parameters into memory: for the
 * 784-1200-1200-10 teacher about 9.6 MB of FLOAT parameters. {@link #save} writes the parameters
 * and the updater state (for Nesterov momentum about as many bytes again) once, through the
 * FileSystem's output stream.
 */
public final class TeacherModelFile {
  private static final Logger LOG = LoggerFactory.getLogger(TeacherModelFile.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Suffix of the {@link TeacherInfo} sidecar beside a model file. */
  public static final String INFO_SUFFIX = ".json";

  private TeacherModelFile() {}

  /** Where the sidecar of the model at {@code modelPath} lives: {@code modelPath + ".json"}. */
  public static String infoPath(String modelPath) {
    return modelPath + INFO_SUFFIX;
  }

  /**
   * Writes {@code network} (with its updater state, so training can resume) to {@code path} and,
   * when {@code info} is given, the sidecar to {@code path + ".json"}; replaces earlier files
   * there. The parent directory is created if needed.
   *
   * @param network a {@link MultiLayerNetwork} or {@link ComputationGraph}
   * @param path any Hadoop path or URI
   * @param info the sidecar, or null for none (an earlier sidecar is deleted either way); its
   *     {@code parameterCount} must equal the network's
   * @param conf the Hadoop configuration
   * @return the fully qualified path written, e.g. {@code file:/runs/teacher.zip}
   * @throws IllegalArgumentException if the network is of another kind or the sidecar's parameter
   *     count differs
   * @throws UncheckedIOException if writing fails (the temporary file is deleted, earlier files
   *     stay)
   */
  public static String save(Model network, String path, TeacherInfo info, Configuration conf) {
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(conf, "conf");
    requirePath(path);
    if (!(network instanceof MultiLayerNetwork) && !(network instanceof ComputationGraph)) {
      throw new IllegalArgumentException(
          "Cannot save a "
              + network.getClass().getName()
              + " as a teacher to "
              + path
              + ": a teacher must be a MultiLayerNetwork or a ComputationGraph");
    }
    if (info != null && info.parameterCount() != network.numParams()) {
      throw new IllegalArgumentException(
          "Cannot save teacher to "
              + path
              + ": its TeacherInfo says "
              + info.parameterCount()
              + " parameters but the network has "
              + network.numParams());
    }
    Path target = new Path(path);
    try {
      FileSystem fs = target.getFileSystem(conf);
      target = fs.makeQualified(target);
      Path parent = target.getParent();
      if (parent == null) {
        throw new IllegalArgumentException(
            "Cannot save a teacher to the root of a file system: " + path);
      }
      if (!fs.exists(parent) && !fs.mkdirs(parent)) {
        throw new IOException("cannot create the directory " + parent);
      }
      requireReplaceable(fs, target, conf);
      Path sidecar = new Path(infoPath(target.toString()));
      if (fs.exists(sidecar) && !fs.delete(sidecar, false)) { // also deletes a .crc of it, if any
        throw new IOException("cannot delete the earlier sidecar " + sidecar);
      }
      HadoopFiles.publishFile(
          target.toString(),
          conf,
          out -> ModelSerializer.writeModel(network, new KeepOpen(out), true));
      if (info != null) {
        byte[] json = info.toJson().getBytes(StandardCharsets.UTF_8);
        // Without a .crc (on checksummed file systems such as file://), so people can edit the JSON
        // by hand.
        HadoopFiles.publishFile(sidecar.toString(), conf, true, out -> out.write(json));
      }
      LOG.info("Saved teacher ({} parameters) to {}", network.numParams(), target);
      return target.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot save teacher to " + target + ": " + e.getMessage(), e);
    } catch (
        UncheckedIOException
            e) { // from HadoopFiles.publishFile: same message as any other write failure
      throw new UncheckedIOException(
          "Cannot save teacher to " + target + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * An existing file at a teacher's path is replaced only when it is a DL4J model zip (an earlier
   * teacher); anything else (a directory, a file of the user's) is refused with one line, unless
   * {@code --overwrite} ({@link AtomicDirectoryCommit#OVERWRITE_FOREIGN}) asks for it.
   */
  private static void requireReplaceable(FileSystem fs, Path target, Configuration conf)
      throws IOException {
    if (!fs.exists(target)) {
      return;
    }
    String refusal = null;
    if (fs.getFileStatus(target).isDirectory()) {
      refusal = "is a directory";
    } else {
      boolean network = false;
      try (ZipInputStream zip = new ZipInputStream(fs.open(target))) {
        for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
          if (!ModelArchive.DATA_ENTRIES.contains(e.getName())) {
            network = false;
            break;
          }
          network |= e.getName().equals("configuration.json");
        }
      } catch (IOException e) {
        network = false;
      }
      if (!network) {
        refusal = "is a file that is not a DL4J model zip (not an earlier teacher of this job)";
      }
    }
    if (refusal == null) {
      return;
    }
    if (conf.getBoolean(AtomicDirectoryCommit.OVERWRITE_FOREIGN, false)) {
      LOG.warn("--overwrite: replacing {}, which {}", target, refusal);
      if (fs.getFileStatus(target).isDirectory()) {
        fs.delete(target, true);
      }
      return;
    }
    throw new IllegalArgumentException(
        "Output "
            + target
            + " "
            + refusal
            + "; nothing was written: give another path (or --overwrite)");
  }

  /**
   * Loads the teacher at {@code path} and its sidecar if there is one.
   *
   * @throws IllegalArgumentException naming the path, if the file is missing, empty, not a readable
   *     DL4J model of a supported shape, or its sidecar is malformed or belongs to another network
   * @throws UncheckedIOException naming the path, if the file system fails while reading
   */
  public static TeacherModel load(String path, Configuration conf) {
    return load(path, conf, null);
  }

  /**
   * {@link #load(String, Configuration)}, checking that the bytes read have the sha256 {@code
   * expectedSha256} (what the driver read: an executor must not label rows with a teacher file
   * replaced since).
   *
   * @throws IllegalArgumentException naming the file and both hashes when they differ
   */
  public static TeacherModel load(String path, Configuration conf, String expectedSha256) {
    return load(path, conf, expectedSha256, TeacherInput.AS_IS);
  }

  /**
   * {@link #load(String, Configuration, String)} for an ONNX teacher whose graph takes {@code
   * input} (its row shape and scaling; DL4J teachers take the features as they are).
   */
  public static TeacherModel load(
      String path, Configuration conf, String expectedSha256, TeacherInput input) {
    Objects.requireNonNull(conf, "conf");
    requirePath(path);
    if (path.startsWith(DataSource.CLASSPATH_PREFIX)) {
      return loadResource(path, conf, expectedSha256);
    }
    Path source = new Path(path);
    FileSystem fs;
    FileStatus status;
    try {
      fs = source.getFileSystem(conf);
      source = fs.makeQualified(source);
      if (!fs.exists(source)) {
        throw new IllegalArgumentException("Teacher " + source + " does not exist");
      }
      status = fs.getFileStatus(source);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read teacher " + source + ": " + e.getMessage(), e);
    }
    String name = source.toString();
    if (status.isDirectory()) {
      throw new IllegalArgumentException(
          "Teacher " + name + " is a directory, not a DL4J model file");
    }
    if (status.getLen() == 0) {
      throw new IllegalArgumentException(
          "Teacher " + name + " is an empty file (0 bytes), not a DL4J model file");
    }
    if (status.getLen() > ModelArchive.maxBytes()) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + " is "
              + status.getLen()
              + " bytes, larger than the "
              + ModelArchive.maxBytes()
              + " bytes a model file may have (set -Ddistill.model.max-bytes to read a larger one)");
    }

    java.nio.file.Path local = null;
    try {
      local = Files.createTempFile("distill-teacher-", ".zip");
      try (InputStream in = fs.open(source)) {
        Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
      } catch (ChecksumException e) {
        // The bytes differ from what the file system wrote: damaged, or replaced by a tool that
        // left the old .crc.
        throw new IllegalArgumentException(
            "Teacher "
                + name
                + " is not a readable DL4J model file (truncated or"
                + " corrupt?): its bytes do not match the checksum the file system stored when it was written (if the"
                + " file was replaced by a copy that is known to be good, delete the stale checksum file ."
                + source.getName()
                + ".crc beside it): "
                + e,
            e);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read teacher " + name + ": " + e.getMessage(), e);
      }
      verify(name, local, expectedSha256);
      TeacherModel model;
      if (name.endsWith(".onnx")) {
        model = TeacherModel.forOnnx(name, OnnxTeacher.load(name, local, input));
      } else {
        Model network = restore(name, local);
        model = TeacherModel.create(name, network, readInfo(fs, name, network));
      }
      LOG.info("Loaded {}", model);
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot create a local temporary copy of teacher " + name + ": " + e.getMessage(), e);
    } finally {
      deleteTemporaryCopy(local);
    }
  }

  /** Removes a local copy made to read a teacher (a warning, not a failure, when it cannot). */
  private static void deleteTemporaryCopy(java.nio.file.Path local) {
    if (local == null) {
      return;
    }
    try {
      Files.deleteIfExists(local);
    } catch (IOException e) {
      LOG.warn("Could not delete the temporary copy {}: {}", local, e.getMessage());
    }
  }

  private static void verify(String name, java.nio.file.Path local, String expectedSha256)
      throws IOException {
    if (expectedSha256 == null) {
      return;
    }
    String read = HadoopFiles.sha256Hex(Files.readAllBytes(local));
    if (!read.equals(expectedSha256)) {
      throw new IllegalArgumentException(
          "Teacher "
              + name
              + " changed during the run: the bytes read here have"
              + " sha256 "
              + read
              + ", the driver's had "
              + expectedSha256);
    }
  }

  /**
   * A teacher shipped inside the application jar ({@code classpath:/io/distill/...}), with its
   * sidecar if any.
   */
  private static TeacherModel loadResource(String path, Configuration conf, String expectedSha256) {
    java.nio.file.Path local = null;
    try (InputStream in = HadoopFiles.openRaw(path, conf)) {
      local = Files.createTempFile("distill-teacher-", ".zip");
      Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
      verify(path, local, expectedSha256);
      Model network = restore(path, local);
      TeacherInfo info = null;
      try (InputStream sidecar = HadoopFiles.openRaw(infoPath(path), conf)) {
        info = TeacherInfo.fromJson(new String(sidecar.readAllBytes(), StandardCharsets.UTF_8));
      } catch (FileNotFoundException e) {
        // no sidecar shipped
      }
      TeacherModel model = TeacherModel.create(path, network, info);
      LOG.info("Loaded {}", model);
      return model;
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "Teacher " + path + " does not exist (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read teacher " + path + ": " + e.getMessage(), e);
    } finally {
      deleteTemporaryCopy(local);
    }
  }

  /**
   * {@link #load(String, Configuration)}, then checks the teacher fits the dataset.
   *
   * @param expectedInputs values in the dataset's {@code features}, at least 1
   * @param expectedClasses classes in the dataset's labels, at least 1
   * @throws IllegalArgumentException as for {@link #load(String, Configuration)}, or naming both
   *     sizes when the teacher's input or output size differs from the dataset's
   */
  public static TeacherModel load(
      String path, Configuration conf, long expectedInputs, long expectedClasses) {
    if (expectedInputs < 1) {
      throw new IllegalArgumentException(
          "expectedInputs must be at least 1, cannot be: " + expectedInputs);
    }
    if (expectedClasses < 1) {
      throw new IllegalArgumentException(
          "expectedClasses must be at least 1, cannot be: " + expectedClasses);
    }
    TeacherModel model = load(path, conf);
    if (model.inputSize() != expectedInputs) {
      throw new IllegalArgumentException(
          "Teacher "
              + model.path()
              + " takes "
              + model.inputSize()
              + " inputs but the dataset's features have "
              + expectedInputs
              + " values");
    }
    if (model.numClasses() != expectedClasses) {
      throw new IllegalArgumentException(
          "Teacher "
              + model.path()
              + " predicts "
              + model.numClasses()
              + " classes but the dataset has "
              + expectedClasses
              + " classes");
    }
    return model;
  }

  /** Checks the zip and restores the network it holds, without the updater state. */
  private static Model restore(String name, java.nio.file.Path local) {
    String kind;
    try (ZipFile zip = new ZipFile(local.toFile())) {
      ZipEntry configuration = zip.getEntry(ModelSerializer.CONFIGURATION_JSON);
      if (configuration == null || zip.getEntry(ModelSerializer.COEFFICIENTS_BIN) == null) {
        List<String> entries = new ArrayList<>();
        Collections.list(zip.entries()).forEach(e -> entries.add(e.getName()));
        throw new IllegalArgumentException(
            "Teacher "
                + name
                + " is not a DL4J model file: a ModelSerializer zip has"
                + " entries "
                + ModelSerializer.CONFIGURATION_JSON
                + " and "
                + ModelSerializer.COEFFICIENTS_BIN
                + ", this zip has "
                + (entries.size() > 10
                    ? entries.subList(0, 10) + " and " + (entries.size() - 10) + " more"
                    : entries));
      }
      // Network data only, before any DL4J code reads the zip.
      Collections.list(zip.entries())
          .forEach(e -> ModelArchive.requireDataEntry(e.getName(), name));
      JsonNode json;
      try (InputStream in = zip.getInputStream(configuration)) {
        json = JSON.readTree(in);
      }
      if (json != null && json.has("confs")) {
        kind = "MultiLayerNetwork";
      } else if (json != null && json.has("vertices")) {
        kind = "ComputationGraph";
      } else {
        throw new IllegalArgumentException(
            "Teacher "
                + name
                + " is not a DL4J model file: its "
                + ModelSerializer.CONFIGURATION_JSON
                + " is neither a MultiLayerNetwork configuration (\"confs\") nor a"
                + " ComputationGraph configuration (\"vertices\")");
      }
    } catch (IOException e) {
      throw unreadable(name, e);
    }
    try {
      return "MultiLayerNetwork".equals(kind)
          ? ModelSerializer.restoreMultiLayerNetwork(local.toFile(), false)
          : ModelSerializer.restoreComputationGraph(local.toFile(), false);
    } catch (IOException | RuntimeException e) {
      throw unreadable(name, e);
    }
  }

  private static IllegalArgumentException unreadable(String name, Exception e) {
    return new IllegalArgumentException(
        "Teacher " + name + " is not a readable DL4J model file (truncated or" + " corrupt?): " + e,
        e);
  }

  /** The sidecar beside the model, or null if there is none. */
  private static TeacherInfo readInfo(FileSystem fs, String name, Model network) {
    Path sidecar = new Path(infoPath(name));
    String json;
    try {
      if (!fs.exists(sidecar)) {
        return null;
      }
      // Read without checksum verification: a hand-edited sidecar may sit beside a stale .crc; its
      // content is
      // validated field by field instead.
      try (InputStream in = rawOf(fs).open(sidecar)) {
        json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read the sidecar " + sidecar + " of teacher " + name + ": " + e.getMessage(), e);
    }
    TeacherInfo info;
    try {
      info = TeacherInfo.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "The sidecar " + sidecar + " of teacher " + name + " is not valid: " + e.getMessage(), e);
    }
    if (info.parameterCount() != network.numParams()) {
      throw new IllegalArgumentException(
          "The sidecar "
              + sidecar
              + " says its teacher has "
              + info.parameterCount()
              + " parameters but "
              + name
              + " has "
              + network.numParams()
              + "; the sidecar belongs to another network (delete or rewrite it)");
    }
    return info;
  }

  /** Lets ModelSerializer close its zip stream without closing the FileSystem stream under it. */
  private static final class KeepOpen extends FilterOutputStream {
    KeepOpen(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  private static void requirePath(String path) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(
          "A teacher path must not be blank, cannot be: "
              + (path == null ? "null" : "\"" + path + "\""));
    }
  }

  /**
   * The file system under a checksummed one (file:// is a LocalFileSystem over RawLocalFileSystem),
   * else itself.
   */
  private static FileSystem rawOf(FileSystem fs) {
    return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
  }
}
