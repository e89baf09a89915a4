package io.distill.trainer;

import io.distill.core.SparkAction;
import io.distill.dataset.DatasetSchema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * A labelled dataset packed for training and evaluation on Spark executors: many bounded {@link
 * Block}s (at most about {@link Packer#blockBytes} each, 32 MB by default), one per Spark
 * partition, persisted {@code DISK_ONLY} (in Spark's local directories, compressed when {@code
 * spark.rdd.compress} is on, as the job sets it) so that data of any size stays out of the heap and
 * is never dropped and recomputed; the operating system's page cache keeps the blocks in memory as
 * far as the machine has it. ({@code MEMORY_AND_DISK_SER}, the other choice, stores blocks in the
 * heap as 1 MB chunks, which G1 keeps as humongous objects at twice their size: with a 3 GB heap,
 * packing 7 M MNIST-shaped rows ran out of memory; see docs/BENCHMARKS.md "Scale".) Block {@code b}
 * belongs to worker {@code b % workers}; a worker visits its blocks in a fresh seeded order every
 * epoch and the rows of each block in a fresh seeded order (see {@link RoundPlan}). Packed once, a
 * dataset serves every model trained on it (every student and baseline of a sweep): the features
 * and hard labels, and the teacher's logits (the temperature is applied in the loss), are carried
 * once.
 *
 * <p>Packing reads the rows through Spark's columnar/internal row format (no per-row boxing of the
 * features), joins the soft labels by {@code id} when they are a separate dataset (soft-label
 * output holds no copy of the features), checks every row (a bad row fails the job naming the
 * dataset, row id, field, expected and got; a row without soft labels is named too), and packs each
 * partition's rows into one block.
 *
 * <p>Cost: one count of the rows; one shuffle (hash of {@code id} into {@code workers ×
 * blocks-per-worker} partitions, the soft labels' side too when joined) and a sort by id within
 * each partition, so that a rerun of a lost partition computes the same block; then the blocks stay
 * persisted until {@link #close()}: about {@code 8 + 4·features + 4 + teacher bytes} per row before
 * compression, on the executors' local disks. Executor memory while packing: one block per task
 * (plus Spark's sort buffers, which spill); while training, the blocks a worker reads (at most two
 * per task slot, see {@link BlockCache}).
 */
public final class TrainingData implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingData.class);

  /** Default upper bound of one block's size. */
  public static final long DEFAULT_BLOCK_BYTES = 32L << 20;

  private final String name;
  private final JavaRDD<Block> blocks;
  private final int workers;
  private final int features;
  private final int classes;
  private final TeacherSignal teacher;
  private final int[] blockRows;
  private final long rows;

  private TrainingData(
      String name,
      JavaRDD<Block> blocks,
      int workers,
      int features,
      int classes,
      TeacherSignal teacher,
      int[] blockRows) {
    this.name = name;
    this.blocks = blocks;
    this.workers = workers;
    this.features = features;
    this.classes = classes;
    this.teacher = teacher;
    this.blockRows = blockRows;
    this.rows = Arrays.stream(blockRows).asLongStream().sum();
  }

  public static Packer pack(SparkSession spark) {
    return new Packer(Objects.requireNonNull(spark, "spark"));
  }

  /** Its name in messages and logs (e.g. its path). */
  public String name() {
    return name;
  }

  public long rows() {
    return rows;
  }

  public int workers() {
    return workers;
  }

  public int features() {
    return features;
  }

  public int classes() {
    return classes;
  }

  public TeacherSignal teacher() {
    return teacher;
  }

  public int blocks() {
    return blockRows.length;
  }

  /** Rows of each block, by block index. */
  int[] blockRows() {
    return blockRows.clone();
  }

  /** Rows of each worker. */
  public long[] workerRows() {
    long[] out = new long[workers];
    for (int b = 0; b < blockRows.length; b++) {
      out[b % workers] += blockRows[b];
    }
    return out;
  }

  JavaRDD<Block> rdd() {
    return blocks;
  }

  /** Drops the persisted blocks. */
  @Override
  public void close() {
    blocks.unpersist(false);
  }

  @Override
  public String toString() {
    return String.format(
        "%s: %,d rows in %d blocks for %d worker(s), %s",
        name, rows, blockRows.length, workers, teacher);
  }

  /** Packs a dataset; see the class comment. */
  public static final class Packer extends SparkAction<TrainingData> {
    private Dataset<Row> rowsData;
    private String rowsName = "training data";
    private Dataset<Row> softLabels;
    private String softName;
    private TeacherSignal teacher = TeacherSignal.none();
    private int features = -1;
    private int classes = -1;
    private int workers = 1;
    private long blockBytes = DEFAULT_BLOCK_BYTES;
    private StorageLevel storage = StorageLevel.DISK_ONLY();

    private Packer(SparkSession spark) {
      super(spark);
    }

    /** The labelled rows (id, features, label [, teacher columns]), with a name for messages. */
    public Packer rows(Dataset<Row> data, String dataName) {
      this.rowsData = data;
      this.rowsName = dataName;
      return this;
    }

    /**
     * The teacher's outputs as a separate dataset keyed by {@code id} (the soft-label job's
     * output), joined to the rows; without it the teacher columns are read from the rows
     * themselves.
     */
    public Packer softLabels(Dataset<Row> data, String dataName) {
      this.softLabels = data;
      this.softName = dataName;
      return this;
    }

    public Packer teacher(TeacherSignal value) {
      this.teacher = Objects.requireNonNull(value, "teacher");
      return this;
    }

    /** Features per row the model takes; every row is checked against it. */
    public Packer features(int value) {
      this.features = value;
      return this;
    }

    /** Classes K of the model: labels must be in [0, K), logits K wide. */
    public Packer classes(int value) {
      this.classes = value;
      return this;
    }

    /** Data-parallel workers the blocks are dealt to. */
    public Packer workers(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("workers must be at least 1, cannot be: " + value);
      }
      this.workers = value;
      return this;
    }

    /** Upper bound of one block's size in bytes, in [1 MB, 1 GB]; default 32 MB. */
    public Packer blockBytes(long value) {
      if (value < (1L << 20) || value > (1L << 30)) {
        throw new IllegalArgumentException(
            "blockBytes must be in [1 MB, 1 GB], cannot be: " + value);
      }
      this.blockBytes = value;
      return this;
    }

    /** How the blocks are persisted; default {@code DISK_ONLY} (see the class comment). */
    public Packer storage(StorageLevel value) {
      this.storage = Objects.requireNonNull(value, "storage");
      return this;
    }

    @Override
    protected String jobGroup() {
      return "pack";
    }

    @Override
    protected String description() {
      return "Packing " + rowsName;
    }

    @Override
    protected void validate() {
      require(rowsData, "rows(data, name)");
      if (features < 1 || classes < 2) {
        throw new IllegalStateException(
            "features(n) and classes(k) must be set before execute(), got "
                + features
                + ", "
                + classes);
      }
    }

    @Override
    protected TrainingData doExecute() {
      DatasetSchema.requireLabelledDataset(rowsData.schema(), rowsName);
      Dataset<Row> teacherSource = softLabels != null ? softLabels : rowsData;
      String teacherName = softLabels != null ? softName : rowsName;
      return pack(teacherColumns(teacherSource, teacherName));
    }

    private TrainingData pack(List<String> teacherColumns) {
      Dataset<Row> data =
          rowsData.select(DatasetSchema.ID, DatasetSchema.FEATURES, DatasetSchema.LABEL);
      describe("Packing " + rowsName + ": counting rows");
      long n = data.count();
      if (n == 0) {
        throw new IllegalArgumentException(
            "Dataset " + rowsName + " is empty: no rows to train on");
      }
      long rowBytes =
          Block.rowBytes(
              features,
              classes,
              teacher.kind(),
              teacher.kind() == TeacherSignal.Kind.TOP_K ? Math.min(classes, 64) : 0);
      long rowsPerBlock = Math.max(1, blockBytes / rowBytes);
      long perWorker =
          Math.max(1, (n + (long) workers * rowsPerBlock - 1) / ((long) workers * rowsPerBlock));
      int partitions = Math.toIntExact(workers * perWorker);
      Column id = functions.col(DatasetSchema.ID);
      Dataset<Row> joined;
      if (softLabels != null && teacher.present()) {
        List<Column> right =
            new ArrayList<>(List.of(softLabels.col(DatasetSchema.ID).as("_soft_id")));
        teacherColumns.forEach(c -> right.add(softLabels.col(c)));
        Dataset<Row> soft = softLabels.select(right.toArray(new Column[0]));
        Dataset<Row> left = data.repartition(partitions, id);
        joined =
            left.join(
                soft.repartition(partitions, soft.col("_soft_id")),
                left.col(DatasetSchema.ID).equalTo(soft.col("_soft_id")),
                "left");
      } else {
        joined =
            teacher.present()
                ? rowsData.repartition(partitions, id)
                : data.repartition(partitions, id);
      }
      List<Column> columns =
          new ArrayList<>(
              List.of(
                  functions.col(DatasetSchema.ID),
                  functions.col(DatasetSchema.FEATURES),
                  functions.col(DatasetSchema.LABEL)));
      teacherColumns.forEach(c -> columns.add(functions.col(c)));
      Dataset<Row> ordered =
          joined.select(columns.toArray(new Column[0])).sortWithinPartitions(DatasetSchema.ID);
      JavaRDD<InternalRow> internal = ordered.queryExecution().toRdd().toJavaRDD();
      BlockPacker packer =
          new BlockPacker(
              rowsName,
              teacherName(),
              features,
              classes,
              teacher,
              (int) Math.min(Integer.MAX_VALUE, n / partitions + 1));
      JavaRDD<Block> blocks = internal.mapPartitionsWithIndex(packer, true).persist(storage);
      describe(
          String.format(
              "Packing %s: %,d rows into %d blocks for %d worker(s)",
              rowsName, n, partitions, workers));
      List<Tuple2<Integer, Integer>> sizes =
          blocks.map(b -> new Tuple2<>(b.index, b.rows)).collect();
      int[] blockRows = new int[sizes.size()];
      for (Tuple2<Integer, Integer> t : sizes) {
        blockRows[t._1()] = t._2();
      }
      long packed = Arrays.stream(blockRows).asLongStream().sum();
      if (packed != n) {
        blocks.unpersist(false);
        throw new IllegalArgumentException(
            String.format(
                "Dataset %s: %,d rows became %,d after joining the soft"
                    + " labels of %s by id: the soft labels hold an id more than once",
                rowsName, n, packed, softName));
      }
      TrainingData result =
          new TrainingData(rowsName, blocks, workers, features, classes, teacher, blockRows);
      LOG.info("Packed {}", result);
      return result;
    }

    private String teacherName() {
      return softLabels != null ? softName : rowsName;
    }

    /** The teacher columns, checked for presence and type; empty without a teacher. */
    private List<String> teacherColumns(Dataset<Row> source, String sourceName) {
      return switch (teacher.kind()) {
        case NONE -> List.of();
        case LOGITS -> {
          requireArray(source, sourceName, teacher.logitsColumn(), DataTypes.FloatType);
          yield List.of(teacher.logitsColumn());
        }
        case TOP_K -> {
          requireArray(source, sourceName, teacher.indicesColumn(), DataTypes.IntegerType);
          requireArray(source, sourceName, teacher.probabilitiesColumn(), DataTypes.FloatType);
          yield List.of(teacher.indicesColumn(), teacher.probabilitiesColumn());
        }
      };
    }

    private static void requireArray(
        Dataset<Row> data, String name, String column, DataType element) {
      StructField field = null;
      for (StructField f : data.schema().fields()) {
        if (f.name().equals(column)) {
          field = f;
        }
      }
      if (field == null
          || !(field.dataType() instanceof ArrayType a)
          || !a.elementType().equals(element)) {
        throw new IllegalArgumentException(
            "Dataset "
                + name
                + ": teacher column '"
                + column
                + "' must be array<"
                + element.simpleString()
                + ">, got "
                + (field == null ? "no such column" : field.dataType().simpleString())
                + " (columns: "
                + String.join(", ", data.columns())
                + ")");
      }
    }
  }
}
