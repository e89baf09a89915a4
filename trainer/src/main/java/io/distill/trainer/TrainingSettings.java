package io.distill.trainer;

import io.distill.core.Checks;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a network is trained on Spark: epochs, the minibatch each worker takes per step, how many
 * steps a worker takes between two averagings, how many workers (partitions), the seed and the ND4J
 * threads per task. The updater is the network configuration's own (see {@link Optimiser}).
 * Immutable; build with {@link #builder()}. Every setter checks its value and says what it got. The
 * defaults are the {@code DEFAULT_*} constants, which the run configuration's keys ({@code
 * students.*}, {@code training.*}) take as their defaults too.
 */
public final class TrainingSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@link Builder#averagingPeriod} value meaning "average once per epoch". */
  public static final int ONCE_PER_EPOCH = Integer.MAX_VALUE;

  /** Default passes over the training data. */
  public static final int DEFAULT_EPOCHS = 9;

  /** Default examples per minibatch per worker. */
  public static final int DEFAULT_BATCH_SIZE = 64;

  /** Default minibatches per worker between two averagings. */
  public static final int DEFAULT_AVERAGING_PERIOD = 10;

  /** Default workers: 0 = Spark's default parallelism. */
  public static final int DEFAULT_WORKERS = 0;

  /** Default random seed. */
  public static final long DEFAULT_SEED = 42;

  /**
   * Default bound on an epoch's loss, as a multiple of the untrained network's: past it,
   * divergence.
   */
  public static final double DEFAULT_MAX_LOSS_GROWTH = 10;

  private final int epochs;
  private final int batchSizePerWorker;
  private final int averagingPeriod;
  private final int workers;
  private final long seed;
  private final int threadsPerTask;
  private final int earlyStoppingPatience;
  private final String checkpointDir;
  private final boolean shuffle;
  private final InputJitter jitter;
  private final boolean keepBestEpoch;
  private final double maxLossGrowth;
  private final int minStepsPerEpoch;

  private TrainingSettings(Builder b) {
    this.epochs = b.epochs;
    this.batchSizePerWorker = b.batchSizePerWorker;
    this.averagingPeriod = b.averagingPeriod;
    this.workers = b.workers;
    this.seed = b.seed;
    this.threadsPerTask = b.threadsPerTask;
    this.earlyStoppingPatience = b.earlyStoppingPatience;
    this.checkpointDir = b.checkpointDir;
    this.shuffle = b.shuffle;
    this.jitter = b.jitter;
    this.keepBestEpoch = b.keepBestEpoch;
    this.maxLossGrowth = b.maxLossGrowth;
    this.minStepsPerEpoch = b.minStepsPerEpoch;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.epochs = epochs;
    b.batchSizePerWorker = batchSizePerWorker;
    b.averagingPeriod = averagingPeriod;
    b.workers = workers;
    b.seed = seed;
    b.threadsPerTask = threadsPerTask;
    b.earlyStoppingPatience = earlyStoppingPatience;
    b.checkpointDir = checkpointDir;
    b.shuffle = shuffle;
    b.jitter = jitter;
    b.keepBestEpoch = keepBestEpoch;
    b.maxLossGrowth = maxLossGrowth;
    b.minStepsPerEpoch = minStepsPerEpoch;
    return b;
  }

  /** Number of passes over the training data; default {@value #DEFAULT_EPOCHS}. */
  public int epochs() {
    return epochs;
  }

  /** Examples in one minibatch on one worker; default {@value #DEFAULT_BATCH_SIZE}. */
  public int batchSizePerWorker() {
    return batchSizePerWorker;
  }

  /**
   * Minibatches each worker fits between two averagings; {@link #ONCE_PER_EPOCH} for one round an
   * epoch.
   */
  public int averagingPeriod() {
    return averagingPeriod;
  }

  /**
   * Data-parallel workers: the training data is split into this many cached partitions; 0 = Spark's
   * default parallelism.
   */
  public int workers() {
    return workers;
  }

  public long seed() {
    return seed;
  }

  /** ND4J (OpenMP and BLAS) threads inside one Spark task; 0 = {@code spark.task.cpus}. */
  public int threadsPerTask() {
    return threadsPerTask;
  }

  /**
   * Stop after this many epochs without a better validation accuracy, keeping the best; 0 = never.
   */
  public int earlyStoppingPatience() {
    return earlyStoppingPatience;
  }

  /** Hadoop FS directory for a checkpoint after every epoch, or null for none. */
  public String checkpointDir() {
    return checkpointDir;
  }

  /**
   * Whether each worker visits its rows in a fresh seeded order every epoch (default true); when
   * false, rows are visited in id order.
   */
  public boolean shuffle() {
    return shuffle;
  }

  /**
   * Training stops as diverged (a {@link TrainingDivergedException}) when an epoch's mean training
   * or validation loss is more than this many times the untrained network's validation loss (the
   * first epoch's training loss without validation data); 0 = no such bound. A NaN or infinite loss
   * always stops it. Default {@value #DEFAULT_MAX_LOSS_GROWTH}.
   */
  public double maxLossGrowth() {
    return maxLossGrowth;
  }

  /**
   * Whether the network returned is the one of the epoch with the best validation accuracy (the
   * last epoch's otherwise); always so with early stopping. Default false.
   */
  public boolean keepBestEpoch() {
    return keepBestEpoch || earlyStoppingPatience > 0;
  }

  /**
   * The fewest optimiser steps each worker takes per epoch; 0 (the default) = no floor. A budget in
   * epochs and a minibatch set for a large dataset leave a small one a handful of steps per epoch
   * (1,137 rows at 128 per worker on 2 workers: 4); with a floor the minibatch is lowered for such
   * data ({@link #batchSizeFor}), and a dataset large enough is trained as configured.
   */
  public int minStepsPerEpoch() {
    return minStepsPerEpoch;
  }

  /**
   * The minibatch a worker holding {@code rowsPerWorker} rows takes: {@link #batchSizePerWorker},
   * lowered where it would give fewer than {@link #minStepsPerEpoch} steps per epoch (at least 1).
   */
  public int batchSizeFor(long rowsPerWorker) {
    if (minStepsPerEpoch == 0 || rowsPerWorker / batchSizePerWorker >= minStepsPerEpoch) {
      return batchSizePerWorker;
    }
    return (int) Math.max(1, rowsPerWorker / minStepsPerEpoch);
  }

  /**
   * Random translation of the training images (never of validation data), or null for none (the
   * default).
   */
  public InputJitter jitter() {
    return jitter;
  }

  /**
   * Every setting, by name, in a stable text: what a fingerprint of these settings hashes. It is
   * made from the class's fields themselves, so a setting added later cannot be left out; {@link
   * #checkpointDir} is where, not how, and is left out.
   */
  public String fingerprint() {
    Map<String, String> fields = new TreeMap<>();
    for (Field f : TrainingSettings.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getName().equals("checkpointDir")) {
        continue;
      }
      try {
        fields.put(f.getName(), String.valueOf(f.get(this)));
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return fields.toString();
  }

  @Override
  public String toString() {
    return "epochs="
        + epochs
        + ", batchSizePerWorker="
        + batchSizePerWorker
        + ", averagingPeriod="
        + (averagingPeriod == ONCE_PER_EPOCH ? "once per epoch" : averagingPeriod)
        + ", workers="
        + (workers == 0 ? "default parallelism" : workers)
        + ", seed="
        + seed
        + (minStepsPerEpoch == 0 ? "" : ", minStepsPerEpoch=" + minStepsPerEpoch)
        + (earlyStoppingPatience == 0 ? "" : ", earlyStoppingPatience=" + earlyStoppingPatience)
        + (jitter == null ? "" : ", " + jitter)
        + (keepBestEpoch ? ", keepBestEpoch" : "");
  }

  /** Builder with the {@code DEFAULT_*} values. */
  public static final class Builder {
    private int epochs = DEFAULT_EPOCHS;
    private int batchSizePerWorker = DEFAULT_BATCH_SIZE;
    private int averagingPeriod = DEFAULT_AVERAGING_PERIOD;
    private int workers = DEFAULT_WORKERS;
    private long seed = DEFAULT_SEED;
    private int threadsPerTask = 0;
    private int earlyStoppingPatience = 0;
    private String checkpointDir;
    private boolean shuffle = true;
    private InputJitter jitter;
    private boolean keepBestEpoch;
    private double maxLossGrowth = DEFAULT_MAX_LOSS_GROWTH;
    private int minStepsPerEpoch;

    private Builder() {}

    /** See {@link TrainingSettings#minStepsPerEpoch()}; 0 = no floor. */
    public Builder minStepsPerEpoch(int value) {
      this.minStepsPerEpoch = atLeast("minStepsPerEpoch", value, 0);
      return this;
    }

    /** See {@link TrainingSettings#maxLossGrowth()}; 0 = no bound, else above 1. */
    public Builder maxLossGrowth(double value) {
      if (!(value == 0 || (value > 1 && Double.isFinite(value)))) {
        throw new IllegalArgumentException(
            "maxLossGrowth must be 0 (no bound) or a finite number above 1, cannot be: " + value);
      }
      this.maxLossGrowth = value;
      return this;
    }

    /** Return the best validation epoch's network rather than the last one's. */
    public Builder keepBestEpoch(boolean value) {
      this.keepBestEpoch = value;
      return this;
    }

    /** Jitter the training images (see {@link InputJitter}); null = none. */
    public Builder jitter(InputJitter value) {
      this.jitter = value;
      return this;
    }

    public Builder shuffle(boolean value) {
      this.shuffle = value;
      return this;
    }

    public Builder epochs(int value) {
      this.epochs = atLeast("epochs", value, 1);
      return this;
    }

    public Builder batchSizePerWorker(int value) {
      this.batchSizePerWorker = atLeast("batchSizePerWorker", value, 1);
      return this;
    }

    public Builder averagingPeriod(int value) {
      this.averagingPeriod = atLeast("averagingPeriod", value, 1);
      return this;
    }

    public Builder workers(int value) {
      this.workers = atLeast("workers", value, 0);
      return this;
    }

    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    public Builder threadsPerTask(int value) {
      this.threadsPerTask = atLeast("threadsPerTask", value, 0);
      return this;
    }

    public Builder earlyStoppingPatience(int value) {
      this.earlyStoppingPatience = atLeast("earlyStoppingPatience", value, 0);
      return this;
    }

    public Builder checkpointDir(String value) {
      if (value != null && value.isBlank()) {
        throw new IllegalArgumentException(
            "checkpointDir cannot be blank (use null for no checkpoints)");
      }
      this.checkpointDir = value;
      return this;
    }

    public TrainingSettings build() {
      return new TrainingSettings(this);
    }

    private static int atLeast(String name, int value, int min) {
      return Checks.atLeast(name, value, min);
    }
  }
}
