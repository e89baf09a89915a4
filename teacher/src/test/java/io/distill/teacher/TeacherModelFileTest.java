package io.distill.teacher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill.core.AtomicDirectoryCommit;
import io.distill.core.HadoopFiles;
import io.distill.losses.DistillationLabels;
import io.distill.losses.DistillationLoss;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.example.gadget.Gadget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

class TeacherModelFileTest {

  private static final Configuration CONF = new Configuration();
  private static final int INPUTS = 12;
  private static final int CLASSES = 4;

  @TempDir Path dir;

  // ---------------------------------------------------------------- helpers

  /** A small teacher with dropout and max-norm, fitted one step so it has updater state. */
  private static MultiLayerNetwork smallMlp(long seed) {
    MultiLayerConfiguration conf =
        TeacherNetworks.mlp(
            INPUTS, new int[] {16, 8}, CLASSES, 0.8, 0.5, 3.5, new Adam(1e-2), seed);
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    INDArray hard = oneHot(10, CLASSES);
    net.fit(new DataSet(features(10, INPUTS, seed), DistillationLabels.concat(hard, hard)));
    return net;
  }

  private static INDArray features(int rows, int columns, long seed) {
    Random random = new Random(seed);
    float[][] x = new float[rows][columns];
    for (float[] row : x) {
      for (int j = 0; j < columns; j++) {
        row[j] = random.nextFloat() * 2 - 0.5f;
      }
    }
    return Nd4j.create(x);
  }

  private static INDArray oneHot(int rows, int classes) {
    INDArray y = Nd4j.zeros(DataType.FLOAT, rows, classes);
    for (int i = 0; i < rows; i++) {
      y.putScalar(i, (i * 7) % classes, 1.0);
    }
    return y;
  }

  private static void assertExactlyEqual(INDArray expected, INDArray actual) {
    assertArrayEquals(expected.shape(), actual.shape(), "shape");
    assertArrayEquals(
        Nd4j.toFlattened('c', expected).toFloatVector(),
        Nd4j.toFlattened('c', actual).toFloatVector());
  }

  private static TeacherInfo info(long parameters) {
    return new TeacherInfo(
        "file:/data/mnist/train",
        "12-16-8-4",
        3,
        0.9375,
        5,
        80,
        parameters,
        12.25,
        Instant.parse("2025-01-31T12:34:56.789Z"));
  }

  private String qualified(Path file) {
    return "file:" + file.toAbsolutePath();
  }

  private static IllegalArgumentException refused(String path) {
    return assertThrows(IllegalArgumentException.class, () -> TeacherModelFile.load(path, CONF));
  }

  private static void assertContains(String expectedPart, String message) {
    assertTrue(message.contains(expectedPart), "expected «" + expectedPart + "» in: " + message);
  }

  private static ComputationGraphConfiguration.GraphBuilder graphBuilder(long seed) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Sgd(0.1))
        .graphBuilder();
  }

  /** features -> hidden (ReLU) -> logits (identity, distillation loss). */
  private static ComputationGraph smallGraph(long seed) {
    ComputationGraphConfiguration conf =
        graphBuilder(seed)
            .addInputs("features")
            .addLayer(
                "hidden",
                new DenseLayer.Builder().nIn(INPUTS).nOut(9).activation(Activation.RELU).build(),
                "features")
            .addLayer(
                "logits",
                new OutputLayer.Builder(DistillationLoss.hardLabelsOnly())
                    .nIn(9)
                    .nOut(CLASSES)
                    .activation(Activation.IDENTITY)
                    .build(),
                "hidden")
            .setOutputs("logits")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  private static void writeZip(Path file, String... namesAndContents) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        zip.putNextEntry(new ZipEntry(namesAndContents[i]));
        zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
  }

  private List<String> listDir() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  // ---------------------------------------------------------------- round trips

  @Test
  void multiLayerNetworkRoundTripGivesIdenticalLogitsAndSidecar() throws IOException {
    MultiLayerNetwork net = smallMlp(1);
    Path file = dir.resolve("teachers").resolve("teacher.zip"); // parent created by save
    TeacherInfo info = info(net.numParams());

    String written = TeacherModelFile.save(net, file.toString(), info, CONF);
    assertEquals(qualified(file), written);
    try (ZipFile zip = new ZipFile(file.toFile())) {
      assertTrue(zip.getEntry(ModelSerializer.UPDATER_BIN) != null, "saved with the updater state");
    }
    String sidecar = Files.readString(dir.resolve("teachers").resolve("teacher.zip.json"));
    assertContains("\"configuration\" : \"12-16-8-4\"", sidecar);
    assertContains("\"createdAt\" : \"2025-01-31T12:34:56.789Z\"", sidecar);
    try (Stream<Path> files = Files.list(file.getParent())) {
      List<String> names = files.map(p -> p.getFileName().toString()).collect(Collectors.toList());
      assertTrue(
          names.stream().noneMatch(n -> n.contains(".tmp-") || n.contains(".old-")),
          "left over: " + names);
    }

    TeacherModel teacher = TeacherModelFile.load(file.toString(), CONF);
    assertEquals(qualified(file), teacher.path());
    assertEquals(TeacherModel.Kind.MULTI_LAYER_NETWORK, teacher.kind());
    assertEquals(INPUTS, teacher.inputSize());
    assertEquals(CLASSES, teacher.numClasses());
    assertEquals(net.numParams(), teacher.parameterCount());
    assertEquals(12 * 16 + 16 + 16 * 8 + 8 + 8 * 4 + 4, teacher.parameterCount());
    assertTrue(teacher.outputsAreLogits());
    assertEquals(DataType.FLOAT, teacher.dataType());
    assertEquals(info, teacher.info().orElseThrow());

    assertExactlyEqual(net.params(), ((MultiLayerNetwork) teacher.network()).params());
    INDArray x = features(33, INPUTS, 99);
    INDArray expected = net.output(x, false);
    assertExactlyEqual(expected, teacher.logits(x));
    // Inference mode: no dropout, so two calls agree exactly.
    assertExactlyEqual(teacher.logits(x), teacher.logits(x));
    assertExactlyEqual(
        DistillationLabels.softmaxAtTemperature(expected, 4.0), teacher.softLabels(x, 4.0));
    // Integer-typed features are cast to the network's type.
    INDArray ints = Nd4j.ones(DataType.INT, 2, INPUTS);
    assertExactlyEqual(
        net.output(Nd4j.ones(DataType.FLOAT, 2, INPUTS), false), teacher.logits(ints));
  }

  /**
   * An executor loads with the driver's hash: a file replaced since is refused, naming the file and
   * both hashes.
   */
  @Test
  void aTeacherReplacedSinceTheDriverHashedItIsRefused() throws IOException {
    Path file = dir.resolve("replaced.zip");
    String path = TeacherModelFile.save(smallMlp(1), file.toString(), null, CONF);
    String driver = HadoopFiles.sha256(path, CONF);
    assertEquals(
        smallMlp(1).numParams(), TeacherModelFile.load(path, CONF, driver).parameterCount());
    TeacherModelFile.save(smallMlp(2), file.toString(), null, CONF);
    String now = HadoopFiles.sha256(path, CONF);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TeacherModelFile.load(path, CONF, driver));
    assertEquals(
        "Teacher "
            + path
            + " changed during the run: the bytes read here have sha256 "
            + now
            + ", the driver's had "
            + driver,
        e.getMessage());
  }

  @Test
  void fileUrisWorkAndSavingAgainReplacesModelAndSidecar() throws IOException {
    Path file = dir.resolve("teacher.zip");
    String uri = file.toUri().toString(); // file:///...
    MultiLayerNetwork first = smallMlp(1);
    TeacherModelFile.save(first, uri, info(first.numParams()), CONF);

    MultiLayerNetwork second = smallMlp(2);
    TeacherModelFile.save(second, uri, null, CONF);
    TeacherModel teacher = TeacherModelFile.load(uri, CONF);
    assertTrue(teacher.info().isEmpty(), "the first model's sidecar must not outlive it");
    INDArray x = features(5, INPUTS, 3);
    assertExactlyEqual(second.output(x, false), teacher.logits(x));
    assertFalse(
        Arrays.equals(
            Nd4j.toFlattened(first.output(x, false)).toFloatVector(),
            Nd4j.toFlattened(teacher.logits(x)).toFloatVector()),
        "the second save replaced the first model");
    assertTrue(
        listDir().stream().noneMatch(n -> n.contains(".tmp-") || n.contains(".old-")),
        "" + listDir());
  }

  @Test
  void computationGraphTeacherLoadsWithIdenticalLogits() {
    ComputationGraph graph = smallGraph(5);
    Path file = dir.resolve("graph.zip");
    TeacherModelFile.save(graph, file.toString(), info(graph.numParams()), CONF);

    TeacherModel teacher = TeacherModelFile.load(file.toString(), CONF, INPUTS, CLASSES);
    assertEquals(TeacherModel.Kind.COMPUTATION_GRAPH, teacher.kind());
    assertEquals(INPUTS, teacher.inputSize());
    assertEquals(CLASSES, teacher.numClasses());
    assertEquals(graph.numParams(), teacher.parameterCount());
    assertEquals(INPUTS * 9 + 9 + 9 * CLASSES + CLASSES, teacher.parameterCount());
    assertTrue(teacher.outputsAreLogits());
    assertEquals(info(graph.numParams()), teacher.info().orElseThrow());
    INDArray x = features(17, INPUTS, 4);
    assertExactlyEqual(graph.outputSingle(false, x), teacher.logits(x));
  }

  @Test
  void softmaxTeacherGivesStableLogProbabilities() {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .dataType(DataType.FLOAT)
            .updater(new Sgd(0.1))
            .list()
            .layer(
                new DenseLayer.Builder().nIn(INPUTS).nOut(10).activation(Activation.TANH).build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(10)
                    .nOut(CLASSES)
                    .activation(Activation.SOFTMAX)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    // Huge output weights: some probabilities underflow to exactly 0 in float.
    net.getLayer(1).getParam("W").muli(400);
    Path file = dir.resolve("softmax.zip");
    TeacherModelFile.save(net, file.toString(), null, CONF);

    TeacherModel teacher = TeacherModelFile.load(file.toString(), CONF);
    assertFalse(teacher.outputsAreLogits());
    assertTrue(teacher.info().isEmpty());
    INDArray x = features(20, INPUTS, 8);
    INDArray probabilities = net.output(x, false);
    INDArray logits = teacher.logits(x);

    assertTrue(
        probabilities.eq(0.0).castTo(DataType.INT).sumNumber().intValue() > 0,
        "the test needs underflowed probabilities: " + probabilities);
    assertTrue(
        Transforms.log(probabilities, true).isInfinite().any(),
        "log(output) has -inf where it underflowed");
    assertFalse(logits.isInfinite().any() || logits.isNaN().any(), "logits stay finite: " + logits);
    assertTrue(
        logits.minNumber().doubleValue() < -88, "below log(smallest float): " + logits.minNumber());
    // exp(logits) is the network's own output.
    INDArray back = Transforms.exp(logits, true);
    assertTrue(back.equalsWithEps(probabilities, 1e-5), back + " vs " + probabilities);
    assertTrue(teacher.softLabels(x, 1.0).equalsWithEps(probabilities, 1e-5));
    // The twin shares the parameters without re-initialising them; the network itself still ends in
    // a softmax.
    assertExactlyEqual(net.params(), ((MultiLayerNetwork) teacher.network()).params());
    assertExactlyEqual(probabilities, ((MultiLayerNetwork) teacher.network()).output(x, false));
  }

  @Test
  void computationGraphWithSoftmaxActivationLayerGivesLogProbabilities() {
    ComputationGraphConfiguration conf =
        graphBuilder(11)
            .addInputs("in")
            .addLayer(
                "dense",
                new DenseLayer.Builder()
                    .nIn(INPUTS)
                    .nOut(CLASSES)
                    .activation(Activation.IDENTITY)
                    .build(),
                "in")
            .addLayer(
                "probabilities",
                new ActivationLayer.Builder().activation(Activation.SOFTMAX).build(),
                "dense")
            .setOutputs("probabilities")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    INDArray parameters = graph.params().dup();
    TeacherModel teacher = TeacherModel.of(graph);
    assertExactlyEqual(parameters, graph.params());
    assertSame(graph, teacher.network());
    assertEquals("<in memory>", teacher.path());
    assertFalse(teacher.outputsAreLogits());
    assertEquals(INPUTS, teacher.inputSize());
    assertEquals(CLASSES, teacher.numClasses());
    INDArray x = features(6, INPUTS, 1);
    INDArray probabilities = graph.outputSingle(false, x);
    assertTrue(Transforms.exp(teacher.logits(x), true).equalsWithEps(probabilities, 1e-5));
    // log-probabilities: each row's exp sums to 1 and the values differ from the dense layer's by a
    // row constant.
    // z computed by hand: CG.feedForward(...).get("dense") would show the softmax, which the
    // ActivationLayer applies
    // in place on its input.
    INDArray z =
        x.mmul(graph.getLayer("dense").getParam("W"))
            .addiRowVector(graph.getLayer("dense").getParam("b"));
    INDArray shift = z.sub(teacher.logits(x));
    double spread =
        shift.subColumnVector(shift.getColumn(0).reshape(6, 1)).amaxNumber().doubleValue();
    assertTrue(spread < 1e-5, "z - logits must be constant per row: " + shift);
    assertTrue(
        shift.minNumber().doubleValue() > 0, "logsumexp(z) > max(z) for 4 classes: " + shift);
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void missingFileIsRefused() {
    Path file = dir.resolve("nothing-here.zip");
    assertEquals(
        "Teacher " + qualified(file) + " does not exist", refused(file.toString()).getMessage());
  }

  @Test
  void directoryIsRefused() {
    assertEquals(
        "Teacher " + qualified(dir) + " is a directory, not a DL4J model file",
        refused(dir.toString()).getMessage());
  }

  @Test
  void emptyFileIsRefused() throws IOException {
    Path file = Files.createFile(dir.resolve("empty.zip"));
    assertEquals(
        "Teacher " + qualified(file) + " is an empty file (0 bytes), not a DL4J model file",
        refused(file.toString()).getMessage());
  }

  @Test
  void truncatedModelIsRefused() throws IOException {
    Path whole = dir.resolve("whole.zip");
    TeacherModelFile.save(smallMlp(1), whole.toString(), null, CONF);
    byte[] bytes = Files.readAllBytes(whole);
    Path half = Files.write(dir.resolve("half.zip"), Arrays.copyOf(bytes, bytes.length / 2));

    String message = refused(half.toString()).getMessage();
    assertContains(
        "Teacher "
            + qualified(half)
            + " is not a readable DL4J model file (truncated or corrupt?): ",
        message);
    assertContains("zip", message); // ZipException: zip END header not found
  }

  @Test
  void modelTruncatedInPlaceBesideItsChecksumIsRefused() throws IOException {
    Path file = dir.resolve("teacher.zip");
    TeacherModelFile.save(smallMlp(1), file.toString(), null, CONF);
    assertTrue(
        Files.exists(dir.resolve(".teacher.zip.crc")),
        "Hadoop's local file system writes a .crc: " + listDir());
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));

    String message = refused(file.toString()).getMessage();
    assertContains(
        "Teacher "
            + qualified(file)
            + " is not a readable DL4J model file (truncated or corrupt?): ",
        message);
    assertContains("do not match the checksum", message);
    assertContains("delete the stale checksum file .teacher.zip.crc", message);
  }

  @Test
  void notAZipIsRefused() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.zip"), "just some text, not a zip\n");
    assertContains(
        "Teacher "
            + qualified(file)
            + " is not a readable DL4J model file (truncated or corrupt?): ",
        refused(file.toString()).getMessage());
  }

  @Test
  void zipThatIsNotAModelIsRefused() throws IOException {
    Path file = dir.resolve("random.zip");
    writeZip(file, "random.bin", "4 8 15 16 23 42");
    assertEquals(
        "Teacher "
            + qualified(file)
            + " is not a DL4J model file: a ModelSerializer zip has entries"
            + " configuration.json and coefficients.bin, this zip has [random.bin]",
        refused(file.toString()).getMessage());
  }

  @Test
  void zipWithAForeignConfigurationIsRefused() throws IOException {
    Path file = dir.resolve("foreign.zip");
    writeZip(file, "configuration.json", "{\"layers\": []}", "coefficients.bin", "x");
    assertEquals(
        "Teacher "
            + qualified(file)
            + " is not a DL4J model file: its configuration.json is neither a"
            + " MultiLayerNetwork configuration (\"confs\") nor a ComputationGraph configuration (\"vertices\")",
        refused(file.toString()).getMessage());

    writeZip(file, "configuration.json", "{ not json", "coefficients.bin", "x");
    assertContains(
        "Teacher "
            + qualified(file)
            + " is not a readable DL4J model file (truncated or corrupt?): ",
        refused(file.toString()).getMessage());
  }

  @Test
  void corruptCoefficientsAreRefused() throws IOException {
    MultiLayerNetwork net = smallMlp(1);
    Path file = dir.resolve("corrupt.zip");
    writeZip(
        file,
        "configuration.json",
        net.getLayerWiseConfigurations().toJson(),
        "coefficients.bin",
        "these are not coefficients");
    String message = refused(file.toString()).getMessage();
    assertContains(
        "Teacher "
            + qualified(file)
            + " is not a readable DL4J model file (truncated or corrupt?): ",
        message);
  }

  @Test
  void sizeMismatchIsRefusedNamingBothSizes() {
    Path file = dir.resolve("teacher.zip");
    TeacherModelFile.save(smallMlp(1), file.toString(), null, CONF);
    IllegalArgumentException inputs =
        assertThrows(
            IllegalArgumentException.class,
            () -> TeacherModelFile.load(file.toString(), CONF, 100, CLASSES));
    assertEquals(
        "Teacher "
            + qualified(file)
            + " takes 12 inputs but the dataset's features have 100 values",
        inputs.getMessage());
    IllegalArgumentException classes =
        assertThrows(
            IllegalArgumentException.class,
            () -> TeacherModelFile.load(file.toString(), CONF, INPUTS, 10));
    assertEquals(
        "Teacher " + qualified(file) + " predicts 4 classes but the dataset has 10 classes",
        classes.getMessage());
    assertEquals(INPUTS, TeacherModelFile.load(file.toString(), CONF, INPUTS, CLASSES).inputSize());
    assertEquals(
        "expectedInputs must be at least 1, cannot be: 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> TeacherModelFile.load(file.toString(), CONF, 0, CLASSES))
            .getMessage());
  }

  @Test
  void graphWithTwoInputsIsRefused() {
    ComputationGraphConfiguration conf =
        graphBuilder(1)
            .addInputs("a", "b")
            .addVertex("merged", new MergeVertex(), "a", "b")
            .addLayer(
                "logits",
                new OutputLayer.Builder(DistillationLoss.hardLabelsOnly())
                    .nIn(6)
                    .nOut(2)
                    .activation(Activation.IDENTITY)
                    .build(),
                "merged")
            .setOutputs("logits")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    Path file = dir.resolve("two-inputs.zip");
    TeacherModelFile.save(graph, file.toString(), null, CONF);
    assertEquals(
        "Teacher "
            + qualified(file)
            + " is a ComputationGraph with 2 input(s) [a, b] and 1 output(s)"
            + " [logits]; a teacher needs exactly one input (the features) and one output (the class scores)",
        refused(file.toString()).getMessage());
  }

  @Test
  void sigmoidOutputIsRefused() {
    MultiLayerConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .list()
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.XENT)
                    .nIn(3)
                    .nOut(2)
                    .activation(Activation.SIGMOID)
                    .build())
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    Path file = dir.resolve("sigmoid.zip");
    TeacherModelFile.save(net, file.toString(), null, CONF);
    assertEquals(
        "Teacher "
            + qualified(file)
            + "'s output layer (OutputLayer 'layer0') has"
            + " activation sigmoid; a teacher's"
            + " outputs must be logits (identity activation) or class probabilities (softmax)",
        refused(file.toString()).getMessage());
  }

  @Test
  void badSidecarsAreRefused() throws IOException {
    MultiLayerNetwork net = smallMlp(1);
    Path file = dir.resolve("teacher.zip");
    Path sidecar = dir.resolve("teacher.zip.json");
    TeacherModelFile.save(net, file.toString(), info(net.numParams()), CONF);
    String good = Files.readString(sidecar);
    assertFalse(
        Files.exists(dir.resolve(".teacher.zip.json.crc")),
        "the sidecar is hand-editable: " + listDir());

    Files.writeString(sidecar, good.replace("\"epochs\" : 3,", ""));
    assertEquals(
        "The sidecar "
            + qualified(sidecar)
            + " of teacher "
            + qualified(file)
            + " is not valid:"
            + " field 'epochs' (an integer) is missing",
        refused(file.toString()).getMessage());

    Files.writeString(
        sidecar, good.replace("\"parameterCount\" : " + net.numParams(), "\"parameterCount\" : 7"));
    assertEquals(
        "The sidecar "
            + qualified(sidecar)
            + " says its teacher has 7 parameters but "
            + qualified(file)
            + " has "
            + net.numParams()
            + "; the sidecar belongs to another network (delete or rewrite it)",
        refused(file.toString()).getMessage());

    Files.writeString(sidecar, "[1, 2]");
    assertContains(
        "is not valid: expected a JSON object, got: ARRAY", refused(file.toString()).getMessage());
  }

  @Test
  void saveRefusesASidecarOfAnotherNetworkAndWritesNothing() throws IOException {
    MultiLayerNetwork net = smallMlp(1);
    Path file = dir.resolve("teacher.zip");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TeacherModelFile.save(net, file.toString(), info(5), CONF));
    assertEquals(
        "Cannot save teacher to "
            + file
            + ": its TeacherInfo says 5 parameters but the network has "
            + net.numParams(),
        e.getMessage());
    assertEquals(List.of(), listDir());
  }

  @Test
  void logitsRefuseFeaturesOfTheWrongWidth() {
    TeacherModel teacher = TeacherModel.of(smallMlp(1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> teacher.logits(Nd4j.zeros(DataType.FLOAT, 3, 7)));
    assertEquals(
        "Teacher <in memory> takes 12 inputs, got features of shape [3, 7] (expected [n, 12])",
        e.getMessage());
  }

  @Test
  void unwritableLocationFailsWithTheTarget() throws IOException {
    Path blocker = Files.writeString(dir.resolve("blocker"), "a file where a directory should be");
    String target = blocker.resolve("teacher.zip").toString();
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class,
            () -> TeacherModelFile.save(smallMlp(1), target, null, CONF));
    assertContains(
        "Cannot save teacher to " + qualified(blocker.resolve("teacher.zip")), e.getMessage());
  }

  // ---------------------------------------------------------------- TeacherInfo

  @Test
  void teacherInfoRoundTripsThroughJsonAndChecksItsFields() {
    TeacherInfo info = info(1234);
    assertEquals(info, TeacherInfo.fromJson(info.toJson()));
    TeacherNetworksTest.assertMessage(
        "TeacherInfo: validationErrors must be in [0, validationExamples = 80], cannot be: 81",
        () -> new TeacherInfo("d", "c", 1, 0.5, 81, 80, 10, 1.0, Instant.EPOCH));
    TeacherNetworksTest.assertMessage(
        "TeacherInfo: validationAccuracy must be in [0, 1], cannot be: 1.5",
        () -> new TeacherInfo("d", "c", 1, 1.5, 0, 80, 10, 1.0, Instant.EPOCH));
    TeacherNetworksTest.assertMessage(
        "TeacherInfo: datasetPath must not be blank, cannot be: \" \"",
        () -> new TeacherInfo(" ", "c", 1, 0.5, 0, 80, 10, 1.0, Instant.EPOCH));
    TeacherNetworksTest.assertMessage(
        "field 'createdAt' must be an ISO-8601 instant such as 2025-01-31T12:00:00Z,"
            + " cannot be: \"yesterday\"",
        () -> TeacherInfo.fromJson(info.toJson().replace("2025-01-31T12:34:56.789Z", "yesterday")));
    TeacherNetworksTest.assertMessage(
        "field 'epochs' must be an integer, got: \"three\"",
        () ->
            TeacherInfo.fromJson(
                info.toJson().replace("\"epochs\" : 3", "\"epochs\" : \"three\"")));
  }

  /**
   * A model file is data: a zip with an entry DL4J would deserialize as a Java object
   * (preprocessor.bin) is refused naming the file and the entry, and the object is never read.
   */
  @Test
  void aTeacherZipWithAJavaObjectEntryIsRefusedUnread() throws Exception {
    Path whole = dir.resolve("whole.zip");
    TeacherModelFile.save(smallMlp(1), whole.toString(), null, CONF);
    byte[] withGadget = Gadget.inModelZip(Files.readAllBytes(whole));
    // DL4J itself runs it: the check is what stands between such a file and the JVM.
    Path probe = Files.write(dir.resolve("probe.zip"), withGadget);
    Exception direct =
        assertThrows(
            Exception.class, () -> ModelSerializer.restoreMultiLayerNetwork(probe.toFile(), false));
    if (ObjectInputFilter.Config.getSerialFilter() == null) {
      assertTrue(Gadget.ran, "DL4J deserializes preprocessor.bin");
      Gadget.ran = false;
    } else { // a Spark test in this JVM installed the job's filter: it stops DL4J's read too
      assertTrue(direct instanceof InvalidClassException, direct.toString());
      assertFalse(Gadget.ran, "the job's deserialization filter let the gadget run");
    }

    Path teacher = Files.write(dir.resolve("teacher.zip"), withGadget);
    String message = refused(teacher.toString()).getMessage();
    assertContains(
        "Model file "
            + qualified(teacher)
            + " holds entry 'preprocessor.bin', which is not network"
            + " data",
        message);
    assertFalse(Gadget.ran, "the object was deserialized");
  }

  /**
   * A teacher's output path that holds someone's file is refused, the file kept; an earlier teacher
   * is replaced; --overwrite replaces the file as asked.
   */
  @Test
  void aFileThatIsNotAnEarlierTeacherIsNotReplaced() throws Exception {
    Path precious = Files.writeString(dir.resolve("precious.zip"), "my notes");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TeacherModelFile.save(smallMlp(1), precious.toString(), null, CONF));
    assertContains("is a file that is not a DL4J model zip", e.getMessage());
    assertContains("(or --overwrite)", e.getMessage());
    assertEquals("my notes", Files.readString(precious));
    Path teacher = dir.resolve("teacher-again.zip");
    TeacherModelFile.save(smallMlp(1), teacher.toString(), null, CONF);
    TeacherModelFile.save(smallMlp(2), teacher.toString(), null, CONF); // its own earlier output
    Configuration overwrite = new Configuration(CONF);
    overwrite.setBoolean(AtomicDirectoryCommit.OVERWRITE_FOREIGN, true);
    TeacherModelFile.save(smallMlp(1), precious.toString(), null, overwrite);
    assertEquals(
        TeacherModel.Kind.MULTI_LAYER_NETWORK,
        TeacherModelFile.load(precious.toString(), CONF).kind());
  }
}
