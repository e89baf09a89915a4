package io.distill.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distill.core.ModelArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

/**
 * Spark ML persistence of a {@link DistilledModel}, in the layout Spark's own {@code
 * DefaultParamsWriter} uses, so that {@code Pipeline}/{@code PipelineModel} save and load it like
 * any stage: {@code path/metadata} (a one-line JSON text file: class, timestamp, sparkVersion, uid,
 * paramMap, defaultParamMap) and {@code path/network/model.zip} (the DL4J network's bytes as they
 * were read).
 */
final class DistilledModelIo {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DistilledModelIo() {}

  static final class Writer extends MLWriter {
    private final DistilledModel model;

    Writer(DistilledModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      ObjectNode metadata = JSON.createObjectNode();
      metadata.put("class", DistilledModel.class.getName());
      metadata.put("timestamp", System.currentTimeMillis());
      metadata.put("sparkVersion", sc().version());
      metadata.put("uid", model.uid());
      metadata.set("paramMap", params(false));
      metadata.set("defaultParamMap", params(true));
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc());
      jsc.parallelize(List.of(metadata.toString()), 1)
          .saveAsTextFile(new Path(path, "metadata").toString());
      Path network = new Path(path, DistilledModel.NETWORK);
      try {
        FileSystem fs = network.getFileSystem(sc().hadoopConfiguration());
        try (OutputStream out = fs.create(network, true)) {
          out.write(model.networkBytes());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write " + network + ": " + e.getMessage(), e);
      }
    }

    /**
     * The explicitly set params ({@code defaults} false) or the defaults, by name, as Spark's
     * writer lists them.
     */
    private ObjectNode params(boolean defaults) {
      ObjectNode node = JSON.createObjectNode();
      for (Param<?> param : model.params()) {
        scala.Option<?> value = defaults ? model.getDefault(param) : model.get(param);
        if (value.isDefined()) {
          if (value.get() instanceof Integer i) {
            node.put(param.name(), i);
          } else {
            node.put(param.name(), String.valueOf(value.get()));
          }
        }
      }
      return node;
    }
  }

  static final class Reader extends MLReader<DistilledModel> {
    @Override
    public DistilledModel load(String path) {
      Path metadataPath = new Path(path, "metadata");
      JsonNode metadata;
      try {
        metadata = JSON.readTree(sc().textFile(metadataPath.toString(), 1).first());
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(
            "Cannot read a DistilledModel from "
                + path
                + ": no readable "
                + metadataPath
                + " ("
                + e.getMessage()
                + ")",
            e);
      }
      String className = metadata.path("class").asText();
      if (!DistilledModel.class.getName().equals(className)) {
        throw new IllegalArgumentException(
            "Cannot read a DistilledModel from "
                + path
                + ": its metadata names class "
                + className
                + ", expected "
                + DistilledModel.class.getName());
      }
      Path network = new Path(path, DistilledModel.NETWORK);
      byte[] bytes;
      try {
        Configuration conf = sc().hadoopConfiguration();
        try (InputStream in = network.getFileSystem(conf).open(network)) {
          bytes = ModelArchive.readBounded(in, network.toString());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + network + ": " + e.getMessage(), e);
      }
      DistilledModel model =
          new DistilledModel(metadata.path("uid").asText(), bytes, network.toString());
      Iterator<Map.Entry<String, JsonNode>> fields = metadata.path("paramMap").fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        Param<?> param = model.getParam(field.getKey());
        if (param instanceof IntParam p) {
          model.set(p, field.getValue().asInt());
        } else {
          @SuppressWarnings("unchecked")
          Param<String> p = (Param<String>) param;
          model.set(p, field.getValue().asText());
        }
      }
      return model;
    }
  }
}
