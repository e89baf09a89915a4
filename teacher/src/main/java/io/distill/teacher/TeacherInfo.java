package io.distill.teacher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * What is known about how a teacher was made: the JSON sidecar {@link TeacherModelFile} writes
 * beside the model zip ({@code <model>.json}). For people and reports; loading a teacher does not
 * need it.
 *
 * <p>The JSON is one object with exactly these fields (unknown fields are ignored when reading, so
 * later versions may add some):
 *
 * <pre>
 * {
 *   "datasetPath" : "file:/runs/mnist/data/train",
 *   "configuration" : "784-1200-1200-10",
 *   "epochs" : 60,
 *   "validationAccuracy" : 0.9893,
 *   "validationErrors" : 107,
 *   "validationExamples" : 10000,
 *   "parameterCount" : 2395210,
 *   "trainingSeconds" : 1234.5,
 *   "createdAt" : "2025-01-31T12:00:00Z"
 * }
 * </pre>
 *
 * @param datasetPath the training data the teacher was fitted on (any URI; not blank)
 * @param configuration a short summary of the network, e.g. the layer sizes {@code
 *     "784-1200-1200-10"} (not blank)
 * @param epochs passes over the training data, at least 0
 * @param validationAccuracy accuracy on the validation split, in [0, 1]
 * @param validationErrors misclassified validation examples, in [0, validationExamples]
 * @param validationExamples validation examples evaluated, at least 0
 * @param parameterCount parameters of the network, at least 1
 * @param trainingSeconds wall-clock training time, finite and at least 0
 * @param createdAt when the teacher was saved
 * @param trainingRows rows the teacher was fitted on (per epoch), 0 when not known (sidecars from
 *     before)
 */
public record TeacherInfo(
    String datasetPath,
    String configuration,
    int epochs,
    double validationAccuracy,
    long validationErrors,
    long validationExamples,
    long parameterCount,
    double trainingSeconds,
    Instant createdAt,
    long trainingRows) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** A sidecar that does not know the training rows. */
  public TeacherInfo(
      String datasetPath,
      String configuration,
      int epochs,
      double validationAccuracy,
      long validationErrors,
      long validationExamples,
      long parameterCount,
      double trainingSeconds,
      Instant createdAt) {
    this(
        datasetPath,
        configuration,
        epochs,
        validationAccuracy,
        validationErrors,
        validationExamples,
        parameterCount,
        trainingSeconds,
        createdAt,
        0);
  }

  /** Checks every field; the message names the field and the value it cannot be. */
  public TeacherInfo {
    if (datasetPath == null || datasetPath.isBlank()) {
      throw new IllegalArgumentException(
          "TeacherInfo: datasetPath must not be blank, cannot be: " + quote(datasetPath));
    }
    if (configuration == null || configuration.isBlank()) {
      throw new IllegalArgumentException(
          "TeacherInfo: configuration must not be blank, cannot be: " + quote(configuration));
    }
    if (epochs < 0) {
      throw new IllegalArgumentException(
          "TeacherInfo: epochs must be at least 0, cannot be: " + epochs);
    }
    if (!(validationAccuracy >= 0.0 && validationAccuracy <= 1.0)) {
      throw new IllegalArgumentException(
          "TeacherInfo: validationAccuracy must be in [0, 1], cannot be: " + validationAccuracy);
    }
    if (validationExamples < 0) {
      throw new IllegalArgumentException(
          "TeacherInfo: validationExamples must be at least 0, cannot be: " + validationExamples);
    }
    if (validationErrors < 0 || validationErrors > validationExamples) {
      throw new IllegalArgumentException(
          "TeacherInfo: validationErrors must be in [0, validationExamples = "
              + validationExamples
              + "], cannot be: "
              + validationErrors);
    }
    if (parameterCount < 1) {
      throw new IllegalArgumentException(
          "TeacherInfo: parameterCount must be at least 1, cannot be: " + parameterCount);
    }
    if (!(trainingSeconds >= 0.0 && trainingSeconds < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "TeacherInfo: trainingSeconds must be finite and at least 0, cannot be: "
              + trainingSeconds);
    }
    Objects.requireNonNull(createdAt, "TeacherInfo: createdAt");
  }

  /** The sidecar JSON (indented, UTF-8 when written as bytes). */
  public String toJson() {
    ObjectNode node = JSON.createObjectNode();
    node.put("datasetPath", datasetPath);
    node.put("configuration", configuration);
    node.put("epochs", epochs);
    node.put("validationAccuracy", validationAccuracy);
    node.put("validationErrors", validationErrors);
    node.put("validationExamples", validationExamples);
    node.put("parameterCount", parameterCount);
    node.put("trainingSeconds", trainingSeconds);
    node.put("createdAt", createdAt.toString());
    node.put("trainingRows", trainingRows);
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write TeacherInfo as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Parses the sidecar JSON.
   *
   * @throws IllegalArgumentException if it is not JSON, a field is missing or has the wrong type,
   *     or a value is out of range; the message names the field
   */
  public static TeacherInfo fromJson(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "expected a JSON object, got: "
              + (node == null || node.isMissingNode() ? "nothing" : node.getNodeType()));
    }
    String createdAt = text(node, "createdAt");
    Instant created;
    try {
      created = Instant.parse(createdAt);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "field 'createdAt' must be an ISO-8601 instant such as"
              + " 2025-01-31T12:00:00Z, cannot be: "
              + quote(createdAt),
          e);
    }
    long epochs = integer(node, "epochs");
    if (epochs > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("field 'epochs' is too large: " + epochs);
    }
    return new TeacherInfo(
        text(node, "datasetPath"),
        text(node, "configuration"),
        (int) epochs,
        number(node, "validationAccuracy"),
        integer(node, "validationErrors"),
        integer(node, "validationExamples"),
        integer(node, "parameterCount"),
        number(node, "trainingSeconds"),
        created,
        node.has("trainingRows") ? integer(node, "trainingRows") : 0);
  }

  private static JsonNode field(JsonNode node, String name, String expected) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("field '" + name + "' (" + expected + ") is missing");
    }
    return value;
  }

  private static String text(JsonNode node, String name) {
    JsonNode value = field(node, name, "a string");
    if (!value.isTextual()) {
      throw new IllegalArgumentException(
          "field '" + name + "' must be a string, got " + value.getNodeType() + ": " + value);
    }
    return value.textValue();
  }

  private static long integer(JsonNode node, String name) {
    JsonNode value = field(node, name, "an integer");
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + name + "' must be an integer, got: " + value);
    }
    return value.longValue();
  }

  private static double number(JsonNode node, String name) {
    JsonNode value = field(node, name, "a number");
    if (!value.isNumber()) {
      throw new IllegalArgumentException("field '" + name + "' must be a number, got: " + value);
    }
    return value.doubleValue();
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }
}
