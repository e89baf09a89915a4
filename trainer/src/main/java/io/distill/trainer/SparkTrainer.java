package io.distill.trainer;

import io.distill.core.SparkAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DL4J network data-parallel on Spark executors by synchronous parameter averaging.
 *
 * <p>The data is a {@link TrainingData}: bounded blocks, persisted (spilling to disk when they do
 * not fit in memory), dealt to the workers; given as a {@code Dataset}, it is packed here (one
 * shuffle) and released at the end, and given as a {@code TrainingData} it is shared with other
 * trainings (a sweep packs once). Every round the driver broadcasts the network's parameters
 * <em>and updater state</em> (momentum, Adam moments) with its iteration counter; each worker loads
 * them into a network kept in its executor JVM, fits {@code averagingPeriod} minibatches of its
 * blocks (see {@link RoundPlan}: a fresh seeded block and row order every epoch), and returns its
 * parameters and updater state, which treeAggregate sums and the driver averages. A round's task
 * reads only the blocks its minibatches come from ({@link BlockGroupRDD}). With one worker and an
 * averaging period of 1 this is exactly a local {@code fit} over the same minibatches.
 *
 * <p>Cost per round: a broadcast of 4 × (parameters + updater state) bytes and a treeAggregate of
 * the same per worker (one Spark job, no shuffle); a round per {@code averagingPeriod} minibatches,
 * so a longer period means fewer jobs and less traffic but more drift between workers. Each block
 * is deserialized about once per epoch on the executor that holds it. Validation is one more job
 * per epoch. ND4J threads per task follow {@code spark.task.cpus} unless {@link
 * TrainingSettings#threadsPerTask()} says otherwise. Each Spark job runs under the job group {@code
 * train-<name>} with a description naming the epoch and round.
 *
 * <pre>{@code
 * TrainingResult result = SparkTrainer.of(spark)
 *     .name("teacher")
 *     .network(conf)
 *     .trainingData(spark.read().parquet(".../train"), ".../train")
 *     .validationData(validationRows, "validation rows")
 *     .settings(TrainingSettings.builder().epochs(20).workers(2).build())
 *     .execute();
 * }</pre>
 */
public final class SparkTrainer extends SparkAction<TrainingResult> {
  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

  private String name = "network";
  private MultiLayerConfiguration configuration;
  private Dataset<Row> training;
  private String trainingName = "training data";
  private TrainingData trainingPack;
  private Dataset<Row> validation;
  private String validationName = "validation data";
  private TrainingData validationPack;
  private TeacherSignal teacher = TeacherSignal.none();
  private TrainingSettings settings = TrainingSettings.builder().build();
  private boolean resume;
  private INDArray initialParameters;

  private SparkTrainer(SparkSession spark) {
    super(spark);
  }

  public static SparkTrainer of(SparkSession spark) {
    return new SparkTrainer(spark);
  }

  /**
   * A name for logs, the Spark UI and checkpoints, e.g. "teacher" or "student-300x300-distilled".
   */
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

  /**
   * Rows with id, features, label (and the teacher's columns when distilling), packed for this
   * training.
   */
  public SparkTrainer trainingData(Dataset<Row> data) {
    return trainingData(data, trainingName);
  }

  /** As {@link #trainingData(Dataset)}, with a name (e.g. its path) for error messages. */
  public SparkTrainer trainingData(Dataset<Row> data, String dataName) {
    this.training = data;
    this.trainingName = dataName;
    this.trainingPack = null;
    return this;
  }

  /** Data already packed (e.g. once for a whole sweep); not released by this trainer. */
  public SparkTrainer trainingData(TrainingData data) {
    this.trainingPack = data;
    this.training = null;
    return this;
  }

  /** Optional data to measure accuracy and loss on after every epoch. */
  public SparkTrainer validationData(Dataset<Row> data) {
    return validationData(data, validationName);
  }

  public SparkTrainer validationData(Dataset<Row> data, String dataName) {
    this.validation = data;
    this.validationName = dataName;
    this.validationPack = null;
    return this;
  }

  /** Validation data already packed; not released by this trainer. */
  public SparkTrainer validationData(TrainingData data) {
    this.validationPack = data;
    this.validation = null;
    return this;
  }

  /**
   * The column with the teacher's logits (array&lt;float&gt; of K) in the datasets given as {@code
   * Dataset}s, for a DistillationLoss network: the loss softens them at its own T, so one
   * soft-label dataset serves every temperature.
   */
  public SparkTrainer teacherLogitsColumn(String column) {
    return teacher(TeacherSignal.logits(column));
  }

  /**
   * Where the datasets given as {@code Dataset}s hold the teacher's outputs (see {@link
   * TeacherSignal}).
   */
  public SparkTrainer teacher(TeacherSignal value) {
    this.teacher = value == null ? TeacherSignal.none() : value;
    return this;
  }

  public SparkTrainer settings(TrainingSettings value) {
    if (value == null) {
      throw new IllegalArgumentException("settings cannot be null");
    }
    this.settings = value;
    return this;
  }

  /**
   * Continue from the newest checkpoint in the settings' checkpoint directory when there is one.
   */
  public SparkTrainer resume(boolean value) {
    this.resume = value;
    return this;
  }

  /**
   * Starts from these parameters instead of the configuration's initialisation (a warm start from
   * an earlier model of the same shape; its updater state is not carried over). A checkpoint to
   * resume from wins: it already continues from them.
   *
   * @param params a flat parameter vector of the network's length (checked when training starts)
   */
  public SparkTrainer initialParameters(INDArray params) {
    this.initialParameters = params;
    return this;
  }

  @Override
  protected String jobGroup() {
    return "train-" + name;
  }

  @Override
  protected String description() {
    return "Training " + name + ": packing the data";
  }

  @Override
  protected void validate() {
    require(configuration, "network(conf)");
    if (training == null && trainingPack == null) {
      throw new IllegalStateException("Missing input: call trainingData(...) before execute()");
    }
    if (resume && settings.checkpointDir() == null) {
      throw new IllegalStateException(
          "resume(true) needs a checkpointDir in the training settings");
    }
  }

  @Override
  protected TrainingResult doExecute() {
    long started = System.nanoTime();
    MultiLayerConfiguration conf = copy(configuration);
    String json = conf.toJson();
    LabelLayout layout = LabelLayout.of(conf);
    if (settings.jitter() != null && settings.jitter().pixels() != layout.features()) {
      throw new IllegalArgumentException(
          "Input jitter is set for "
              + settings.jitter().width()
              + " x "
              + settings.jitter().height()
              + " = "
              + settings.jitter().pixels()
              + "-pixel images, but the network takes "
              + layout.features()
              + " features");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int threads =
        settings.threadsPerTask() > 0
            ? settings.threadsPerTask()
            : spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    TrainingData train = null;
    TrainingData valid = null;
    try {
      if (layout.readsTeacher()
          && (trainingPack != null ? !trainingPack.teacher().present() : !teacher.present())) {
        throw new IllegalArgumentException(
            "The network's loss "
                + lossName(conf)
                + " needs the teacher's soft"
                + " labels (alpha < 1), but the training data "
                + (trainingPack != null ? trainingPack.name() : trainingName)
                + " has none");
      }
      int workers =
          trainingPack != null
              ? trainingPack.workers()
              : settings.workers() > 0 ? settings.workers() : jsc.defaultParallelism();
      train =
          trainingPack != null
              ? requireFits(trainingPack, layout)
              : pack(training, trainingName, layout, workers);
      if (validationPack != null) {
        valid = requireFits(validationPack, layout);
      } else if (validation != null) {
        valid = pack(validation, validationName, layout, workers);
      }
      LOG.info("Training {}: {}, {} ND4J thread(s) per task; {}", name, train, threads, settings);
      return train(jsc, conf, json, layout, train, valid, threads, started);
    } finally {
      if (train != null && trainingPack == null) {
        train.close();
      }
      if (valid != null && validationPack == null) {
        valid.close();
      }
    }
  }

  private TrainingData pack(Dataset<Row> data, String dataName, LabelLayout layout, int workers) {
    return TrainingData.pack(spark)
        .rows(data, dataName)
        .teacher(layout.readsTeacher() ? teacher : TeacherSignal.none())
        .features(layout.features())
        .classes(layout.classes())
        .workers(workers)
        .execute();
  }

  private static TrainingData requireFits(TrainingData data, LabelLayout layout) {
    if (data.features() != layout.features() || data.classes() != layout.classes()) {
      throw new IllegalArgumentException(
          "The network takes "
              + layout.features()
              + " features and predicts "
              + layout.classes()
              + " classes, but "
              + data.name()
              + " was packed for "
              + data.features()
              + " features"
              + " and "
              + data.classes()
              + " classes");
    }
    if (layout.readsTeacher() && !data.teacher().present()) {
      throw new IllegalArgumentException(
          "The network's loss needs the teacher's soft labels, but " + data.name() + " has none");
    }
    return data;
  }

  private static String lossName(MultiLayerConfiguration conf) {
    return ((BaseOutputLayer) conf.getConf(conf.getConfs().size() - 1).getLayer())
        .getLossFn()
        .toString();
  }

  private TrainingResult train(
      JavaSparkContext jsc,
      MultiLayerConfiguration conf,
      String json,
      LabelLayout layout,
      TrainingData data,
      TrainingData validationData,
      int threads,
      long started) {
    List<EpochStats> history = new ArrayList<>();
    NetworkState state;
    NetworkState best = null;
    int bestEpoch = 0;
    double bestAccuracy = Double.NEGATIVE_INFINITY;
    int firstEpoch = 1;
    MultiLayerNetwork initial = new MultiLayerNetwork(conf);
    initial.init();
    LOG.info("Training {}: {} parameters", name, initial.numParams());
    if (initialParameters != null) {
      if (initialParameters.length() != initial.numParams()) {
        throw new IllegalArgumentException(
            "Training "
                + name
                + ": the warm start has "
                + initialParameters.length()
                + " parameters, the configuration to train has "
                + initial.numParams());
      }
      initial.setParams(initialParameters.castTo(initial.params().dataType()).reshape(1, -1));
      LOG.info("Training {}: warm start from earlier parameters", name);
    }
    Optional<TrainingCheckpoint> checkpoint =
        resume
            ? TrainingCheckpoint.latest(
                settings.checkpointDir(), spark.sparkContext().hadoopConfiguration())
            : Optional.empty();
    if (checkpoint.isPresent()) {
      TrainingCheckpoint c = checkpoint.get();
      MultiLayerNetwork restored = c.network();
      if (restored.numParams() != initial.numParams()) {
        throw new IllegalArgumentException(
            "The checkpoint in "
                + settings.checkpointDir()
                + " holds a network of "
                + restored.numParams()
                + " parameters, the configuration to train has "
                + initial.numParams());
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
      LOG.info(
          "Training {}: resuming after epoch {} from {}",
          name,
          c.epoch(),
          settings.checkpointDir());
    } else {
      state = NetworkState.of(initial, json);
    }

    // What divergence is measured against: the untrained network's validation loss (computed from
    // the same seed on a resume too), else the first epoch's training loss.
    double reference = Double.NaN;
    String referenceName = "the first epoch's training loss";
    if (validationData != null && settings.maxLossGrowth() > 0) {
      describe("Training " + name + ": validation loss of the untrained network");
      double[] totals =
          evaluate(jsc, validationData, NetworkState.of(initial, json), layout, threads);
      reference = totals[1] / totals[2];
      referenceName = "the untrained network's validation loss";
    }

    long rowsPerWorker = data.rows() / data.workers();
    int batch = settings.batchSizeFor(rowsPerWorker);
    if (batch != settings.batchSizePerWorker()) {
      LOG.info(
          "Training {}: minibatch {} instead of {} per worker, so that each worker takes at least {}"
              + " steps per epoch over its {} rows",
          name,
          batch,
          settings.batchSizePerWorker(),
          settings.minStepsPerEpoch(),
          rowsPerWorker);
    }
    int[] blockRows = data.blockRows();
    boolean stoppedEarly = false;
    int epochsWithoutImprovement = 0;

    for (int epoch = firstEpoch; epoch <= settings.epochs(); epoch++) {
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long examples = 0;
      RoundPlan plan =
          RoundPlan.of(
              blockRows,
              data.workers(),
              batch,
              settings.averagingPeriod(),
              settings.seed(),
              epoch - 1,
              settings.shuffle());
      int rounds = plan.rounds();
      for (int round = 0; round < rounds; round++) {
        describe(
            String.format(
                "Training %s: epoch %d/%d, round %d/%d (%d workers x"
                    + " up to %d minibatches of %d)",
                name,
                epoch,
                settings.epochs(),
                round + 1,
                rounds,
                data.workers(),
                plan.period(),
                batch));
        RoundPlan.Segment[][] segments = new RoundPlan.Segment[data.workers()][];
        int[][] groups = new int[data.workers()][];
        for (int w = 0; w < segments.length; w++) {
          segments[w] = plan.segments(w, round);
          groups[w] = Arrays.stream(segments[w]).mapToInt(RoundPlan.Segment::block).toArray();
        }
        Broadcast<NetworkState> broadcast = jsc.broadcast(state);
        RoundResult result =
            new BlockGroupRDD(data.rdd().rdd(), groups)
                .toJavaRDD()
                .mapPartitionsWithIndex(
                    new WorkerTasks.Round(
                        broadcast,
                        segments,
                        layout,
                        epoch - 1,
                        round,
                        batch,
                        settings.seed(),
                        settings.shuffle(),
                        threads,
                        settings.jitter()),
                    false)
                .treeAggregate(RoundResult.empty(), RoundResult::merge, RoundResult::merge, 2);
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
      if (validationData != null) {
        describe(
            String.format(
                "Training %s: validating after epoch %d/%d", name, epoch, settings.epochs()));
        double[] totals = evaluate(jsc, validationData, state, layout, threads);
        accuracy = totals[0] / totals[2];
        validationLoss = totals[1] / totals[2];
      }
      EpochStats stats =
          new EpochStats(
              epoch,
              lossSum / Math.max(1, examples),
              accuracy,
              validationLoss,
              examples,
              examples / trainSeconds,
              (System.nanoTime() - epochStart) / 1e9,
              rounds);
      history.add(stats);
      LOG.info("Training {}: {}", name, stats);
      TrainingDivergedException.check(
          name,
          history,
          settings.maxLossGrowth(),
          Double.isNaN(reference) ? history.get(0).trainLoss() : reference,
          referenceName);

      if (!Double.isNaN(accuracy) && accuracy > bestAccuracy) {
        bestAccuracy = accuracy;
        bestEpoch = epoch;
        best = settings.keepBestEpoch() ? state : null;
        epochsWithoutImprovement = 0;
      } else {
        epochsWithoutImprovement++;
      }
      if (settings.checkpointDir() != null) {
        describe("Training " + name + ": checkpoint of epoch " + epoch);
        TrainingCheckpoint.write(
            settings.checkpointDir(),
            epoch,
            network(conf, state),
            history,
            bestEpoch,
            best == null ? null : network(conf, best),
            spark.sparkContext().hadoopConfiguration());
      }
      if (settings.earlyStoppingPatience() > 0
          && epochsWithoutImprovement >= settings.earlyStoppingPatience()
          && epoch < settings.epochs()) {
        LOG.info(
            "Training {}: stopping early after epoch {}: validation accuracy has not improved for {} epochs"
                + " (best {} at epoch {})",
            name,
            epoch,
            epochsWithoutImprovement,
            String.format("%.2f%%", 100 * bestAccuracy),
            bestEpoch);
        stoppedEarly = true;
        break;
      }
    }
    boolean keepBest = settings.keepBestEpoch() && best != null;
    NetworkState kept = keepBest ? best : state;
    int keptEpoch =
        keepBest ? bestEpoch : history.isEmpty() ? 0 : history.get(history.size() - 1).epoch();
    return new TrainingResult(
        network(conf, kept), history, keptEpoch, stoppedEarly, (System.nanoTime() - started) / 1e9);
  }

  private static double[] evaluate(
      JavaSparkContext jsc,
      TrainingData data,
      NetworkState state,
      LabelLayout layout,
      int threads) {
    Broadcast<NetworkState> broadcast = jsc.broadcast(state);
    try {
      return data.rdd()
          .mapPartitionsWithIndex(new WorkerTasks.Evaluate(broadcast, layout, threads), false)
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

  /**
   * A deep copy of {@code conf} (through its JSON), so the caller's configuration is never mutated.
   */
  static MultiLayerConfiguration copy(MultiLayerConfiguration conf) {
    return MultiLayerConfiguration.fromJson(conf.toJson());
  }
}
