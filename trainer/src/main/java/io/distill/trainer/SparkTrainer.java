package io.distill.trainer;

import io.distill.dataset.HadoopFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DL4J network data-parallel on Spark executors by synchronous parameter averaging.
 *
 * <p>The training data is packed into one cached shard per worker (one shuffle, once). Every round the driver
 * broadcasts the network's parameters <em>and updater state</em> (momentum, Adam moments) with its iteration
 * counter; each worker loads them into a network kept in its executor JVM, fits {@code averagingPeriod}
 * minibatches of its shard, and returns its parameters and updater state, which treeAggregate sums and the
 * driver averages. Each epoch every worker visits its rows in a fresh seeded order. With one worker and an
 * averaging period of 1 this is exactly a local {@code fit} over the same minibatches.
 *
 * <p>Cost per round: a broadcast of 4 × (parameters + updater state) bytes and a treeAggregate of the same per
 * worker (one Spark job, no shuffle); a round per {@code averagingPeriod} minibatches, so a longer period means
 * fewer jobs and less traffic but more drift between workers. Validation is one more job per epoch. ND4J
 * threads per task follow {@code spark.task.cpus} unless {@link TrainingSettings#threadsPerTask()} says
 * otherwise. Each Spark job runs under the job group {@code train-<name>} with a description naming the epoch
 * and round.
 *
 * <pre>{@code
 * TrainingResult result = SparkTrainer.of(spark)
 *     .name("teacher")
 *     .network(conf)
 *     .trainingData(spark.read().parquet(".../train"))
 *     .validationData(spark.read().parquet(".../test"))
 *     .settings(TrainingSettings.builder().epochs(20).workers(2).build())
 *     .execute();
 * }</pre>
 */
public final class SparkTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

  private final SparkSession spark;
  private String name = "network";
  private MultiLayerConfiguration configuration;
  private Dataset<Row> training;
  private String trainingName = "training data";
  private Dataset<Row> validation;
  private String validationName = "validation data";
  private String softLabelsColumn;
  private boolean softLabelsAreLogits;
  private TrainingSettings settings = TrainingSettings.builder().build();
  private boolean resume;

  private SparkTrainer(SparkSession spark) {
    this.spark = spark;
  }

  public static SparkTrainer of(SparkSession spark) {
    if (spark == null) {
      throw new IllegalArgumentException("spark session cannot be null");
    }
    return new SparkTrainer(spark);
  }

  /** A name for logs, the Spark UI and checkpoints, e.g. "teacher" or "student-300x300-distilled". */
  public SparkTrainer name(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("name cannot be blank");
    }
    this.name = value;
    return this;
  }

  /** The network to train; it is copied, never changed. */
  public SparkTrainer network(MultiLayerConfiguration conf) {
    this.configuration = conf;
    return this;
  }

  /** Rows with id, features, label (and the soft-labels column when distilling). */
  public SparkTrainer trainingData(Dataset<Row> data) {
    this.training = data;
    return this;
  }

  /** As {@link #trainingData(Dataset)}, with a name (e.g. its path) for error messages. */
  public SparkTrainer trainingData(Dataset<Row> data, String dataName) {
    this.trainingName = dataName;
    return trainingData(data);
  }

  /** Optional data to measure accuracy and loss on after every epoch. */
  public SparkTrainer validationData(Dataset<Row> data) {
    this.validation = data;
    return this;
  }

  public SparkTrainer validationData(Dataset<Row> data, String dataName) {
    this.validationName = dataName;
    return validationData(data);
  }

  /** The column with the teacher's probabilities (array&lt;float&gt; of K), for a DistillationLoss network. */
  public SparkTrainer softLabelsColumn(String column) {
    this.softLabelsColumn = column;
    this.softLabelsAreLogits = false;
    return this;
  }

  /**
   * The column with the teacher's logits (array&lt;float&gt; of K), for a DistillationLoss network: soft labels are
   * softmax(logits / T) at the loss's T, so one soft-label dataset serves every temperature.
   */
  public SparkTrainer teacherLogitsColumn(String column) {
    this.softLabelsColumn = column;
    this.softLabelsAreLogits = true;
    return this;
  }

  public SparkTrainer settings(TrainingSettings value) {
    if (value == null) {
      throw new IllegalArgumentException("settings cannot be null");
    }
    this.settings = value;
    return this;
  }

  /** Continue from the newest checkpoint in the settings' checkpoint directory when there is one. */
  public SparkTrainer resume(boolean value) {
    this.resume = value;
    return this;
  }

  public TrainingResult execute() {
    if (configuration == null) {
      throw new IllegalStateException("No network set: call network(conf) before execute()");
    }
    if (training == null) {
      throw new IllegalStateException("No training data set: call trainingData(dataset) before execute()");
    }
    if (resume && settings.checkpointDir() == null) {
      throw new IllegalStateException("resume(true) needs a checkpointDir in the training settings");
    }
    long started = System.nanoTime();
    MultiLayerConfiguration conf = copyWithUpdater(configuration, settings);
    String json = conf.toJson();
    LabelLayout layout = LabelLayout.of(conf, softLabelsColumn, softLabelsAreLogits);
    if (settings.jitter() != null && settings.jitter().pixels() != layout.features()) {
      throw new IllegalArgumentException("Input jitter is set for " + settings.jitter().width() + " x "
          + settings.jitter().height() + " = " + settings.jitter().pixels() + "-pixel images, but the network takes "
          + layout.features() + " features");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int workers = settings.workers() > 0 ? settings.workers() : jsc.defaultParallelism();
    int threads = settings.threadsPerTask() > 0 ? settings.threadsPerTask()
        : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    String group = "train-" + name;

    JavaRDD<Shard> shards = null;
    JavaRDD<Shard> validationShards = null;
    spark.sparkContext().setJobGroup(group, "Training " + name + ": caching " + workers + " shards", false);
    try {
      shards = TrainingShards.pack(training, trainingName, layout, workers);
      List<Integer> sizes = shards.map(s -> s.rows).collect();
      long rows = sizes.stream().mapToLong(Integer::longValue).sum();
      if (rows == 0) {
        throw new IllegalArgumentException("Training data " + trainingName + " is empty");
      }
      if (validation != null) {
        spark.sparkContext().setJobDescription("Training " + name + ": caching validation data");
        validationShards = TrainingShards.pack(validation, validationName, layout, workers);
        validationShards.count();
      }
      LOG.info("Training {}: {} rows in {} shards {}, {} ND4J thread(s) per task; {}", name, rows, workers, sizes,
          threads, settings);
      return train(jsc, conf, json, layout, shards, sizes, validationShards, threads, started);
    } catch (Exception e) {
      throw HadoopFiles.userError(e);
    } finally {
      if (shards != null) {
        TrainingShards.release(shards);
      }
      if (validationShards != null) {
        TrainingShards.release(validationShards);
      }
      spark.sparkContext().clearJobGroup();
    }
  }

  private TrainingResult train(JavaSparkContext jsc, MultiLayerConfiguration conf, String json, LabelLayout layout,
      JavaRDD<Shard> shards, List<Integer> sizes, JavaRDD<Shard> validationShards, int threads, long started) {
    List<EpochStats> history = new ArrayList<>();
    NetworkState state;
    NetworkState best = null;
    int bestEpoch = 0;
    double bestAccuracy = Double.NEGATIVE_INFINITY;
    int firstEpoch = 1;
    MultiLayerNetwork initial = new MultiLayerNetwork(conf);
    initial.init();
    LOG.info("Training {}: {} parameters", name, initial.numParams());
    Optional<TrainingCheckpoint> checkpoint = resume
        ? TrainingCheckpoint.latest(settings.checkpointDir(), spark.sparkContext().hadoopConfiguration())
        : Optional.empty();
    if (checkpoint.isPresent()) {
      TrainingCheckpoint c = checkpoint.get();
      MultiLayerNetwork restored = c.network();
      if (restored.numParams() != initial.numParams()) {
        throw new IllegalArgumentException("The checkpoint in " + settings.checkpointDir() + " holds a network of "
            + restored.numParams() + " parameters, the configuration to train has " + initial.numParams());
      }
      state = NetworkState.of(restored, json);
      history.addAll(c.history());
      firstEpoch = c.epoch() + 1;
      bestEpoch = c.bestEpoch();
      if (c.best().isPresent()) {
        best = NetworkState.of(c.best().get(), json);
      }
      for (EpochStats e : history) {
        bestAccuracy = Math.max(bestAccuracy, e.validationAccuracy());
      }
      LOG.info("Training {}: resuming after epoch {} from {}", name, c.epoch(), settings.checkpointDir());
    } else {
      state = NetworkState.of(initial, json);
    }

    int batch = settings.batchSizePerWorker();
    int maxBatches = 0;
    for (int size : sizes) {
      maxBatches = Math.max(maxBatches, (size + batch - 1) / batch);
    }
    int period = Math.min(settings.averagingPeriod(), maxBatches);
    int rounds = (maxBatches + period - 1) / period;
    boolean stoppedEarly = false;
    int epochsWithoutImprovement = 0;

    for (int epoch = firstEpoch; epoch <= settings.epochs(); epoch++) {
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long examples = 0;
      for (int round = 0; round < rounds; round++) {
        spark.sparkContext().setJobDescription(String.format("Training %s: epoch %d/%d, round %d/%d (%d workers x"
            + " up to %d minibatches of %d)", name, epoch, settings.epochs(), round + 1, rounds, sizes.size(),
            period, batch));
        Broadcast<NetworkState> broadcast = jsc.broadcast(state);
        RoundResult result = shards
            .mapPartitionsWithIndex(new WorkerTasks.Round(broadcast, epoch - 1, round, period, batch,
                settings.seed(), settings.shuffle(), threads, settings.jitter()), false)
            .treeAggregate(RoundResult.empty(), RoundResult::merge, RoundResult::merge,
                settings.treeAggregateDepth());
        broadcast.destroy();
        if (result.workers == 0) {
          continue;
        }
        state = result.average(json, epoch - 1);
        lossSum += result.lossSum;
        examples += result.examples;
      }
      double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
      state = new NetworkState(json, state.parameters, state.updaterState, state.iteration, epoch);

      double accuracy = Double.NaN;
      double validationLoss = Double.NaN;
      if (validationShards != null) {
        spark.sparkContext().setJobDescription(
            String.format("Training %s: validating after epoch %d/%d", name, epoch, settings.epochs()));
        double[] totals = evaluate(jsc, validationShards, state, threads, layout.classes());
        accuracy = totals[0] / totals[2];
        validationLoss = totals[1] / totals[2];
      }
      EpochStats stats = new EpochStats(epoch, lossSum / Math.max(1, examples), accuracy, validationLoss, examples,
          examples / trainSeconds, (System.nanoTime() - epochStart) / 1e9, rounds);
      history.add(stats);
      LOG.info("Training {}: {}", name, stats);

      if (!Double.isNaN(accuracy) && accuracy > bestAccuracy) {
        bestAccuracy = accuracy;
        bestEpoch = epoch;
        best = settings.earlyStoppingPatience() > 0 ? state : null;
        epochsWithoutImprovement = 0;
      } else {
        epochsWithoutImprovement++;
      }
      if (settings.checkpointDir() != null) {
        spark.sparkContext().setJobDescription("Training " + name + ": checkpoint of epoch " + epoch);
        TrainingCheckpoint.write(settings.checkpointDir(), epoch, network(conf, state), history, bestEpoch,
            best == null ? null : network(conf, best), spark.sparkContext().hadoopConfiguration());
      }
      if (settings.earlyStoppingPatience() > 0 && epochsWithoutImprovement >= settings.earlyStoppingPatience()
          && epoch < settings.epochs()) {
        LOG.info("Training {}: stopping early after epoch {}: validation accuracy has not improved for {} epochs"
            + " (best {} at epoch {})", name, epoch, epochsWithoutImprovement,
            String.format("%.2f%%", 100 * bestAccuracy), bestEpoch);
        stoppedEarly = true;
        break;
      }
    }
    boolean keepBest = settings.earlyStoppingPatience() > 0 && best != null;
    NetworkState kept = keepBest ? best : state;
    int keptEpoch = keepBest ? bestEpoch : history.isEmpty() ? 0 : history.get(history.size() - 1).epoch();
    return new TrainingResult(network(conf, kept), history, keptEpoch, stoppedEarly,
        (System.nanoTime() - started) / 1e9);
  }

  private static double[] evaluate(JavaSparkContext jsc, JavaRDD<Shard> shards, NetworkState state, int threads,
      int classes) {
    Broadcast<NetworkState> broadcast = jsc.broadcast(state);
    try {
      return shards.mapPartitionsWithIndex(new WorkerTasks.Evaluate(broadcast, threads, classes), false)
          .reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
    } finally {
      broadcast.destroy();
    }
  }

  private static MultiLayerNetwork network(MultiLayerConfiguration conf, NetworkState state) {
    MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
    net.init();
    state.applyTo(net);
    return net;
  }

  /** A copy of {@code conf}, with the settings' updater on every layer when one is given. */
  static MultiLayerConfiguration copyWithUpdater(MultiLayerConfiguration conf, TrainingSettings settings) {
    MultiLayerConfiguration copy = MultiLayerConfiguration.fromJson(conf.toJson());
    if (settings.updater() != null) {
      for (int i = 0; i < copy.getConfs().size(); i++) {
        Layer layer = copy.getConf(i).getLayer();
        if (layer instanceof BaseLayer) {
          ((BaseLayer) layer).setIUpdater(settings.updater().clone());
          ((BaseLayer) layer).setBiasUpdater(null);
        }
      }
    }
    return copy;
  }
}
