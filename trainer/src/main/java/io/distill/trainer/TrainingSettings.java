package io.distill.trainer;

import java.io.Serializable;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * How a network is trained on Spark: epochs, the minibatch each worker takes per step, how many steps a worker
 * takes between two averagings, how many workers (partitions), the seed, the ND4J threads per task, and, when
 * given, an updater (with its learning rate) that replaces the one in the network's configuration. Immutable;
 * build with {@link #builder()}. Every setter checks its value and says what it got.
 */
public final class TrainingSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@link Builder#averagingPeriod} value meaning "average once per epoch". */
  public static final int ONCE_PER_EPOCH = Integer.MAX_VALUE;

  private final int epochs;
  private final int batchSizePerWorker;
  private final int averagingPeriod;
  private final int workers;
  private final long seed;
  private final int threadsPerTask;
  private final IUpdater updater;
  private final int earlyStoppingPatience;
  private final String checkpointDir;
  private final boolean shuffle;
  private final InputJitter jitter;
  private final boolean keepBestEpoch;

  private TrainingSettings(Builder b) {
    this.epochs = b.epochs;
    this.batchSizePerWorker = b.batchSizePerWorker;
    this.averagingPeriod = b.averagingPeriod;
    this.workers = b.workers;
    this.seed = b.seed;
    this.threadsPerTask = b.threadsPerTask;
    this.updater = b.updater;
    this.earlyStoppingPatience = b.earlyStoppingPatience;
    this.checkpointDir = b.checkpointDir;
    this.shuffle = b.shuffle;
    this.jitter = b.jitter;
    this.keepBestEpoch = b.keepBestEpoch;
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
    b.updater = updater;
    b.earlyStoppingPatience = earlyStoppingPatience;
    b.checkpointDir = checkpointDir;
    b.shuffle = shuffle;
    b.jitter = jitter;
    b.keepBestEpoch = keepBestEpoch;
    return b;
  }

  /** Number of passes over the training data; default 10. */
  public int epochs() {
    return epochs;
  }

  /** Examples in one minibatch on one worker; default 64. */
  public int batchSizePerWorker() {
    return batchSizePerWorker;
  }

  /** Minibatches each worker fits between two averagings; {@link #ONCE_PER_EPOCH} for one round an epoch. */
  public int averagingPeriod() {
    return averagingPeriod;
  }

  /** Data-parallel workers: the training data is split into this many cached partitions; 0 = Spark's default
   * parallelism. */
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

  /** The updater replacing the network configuration's, or null to keep the configuration's. */
  public IUpdater updater() {
    return updater;
  }

  /** Stop after this many epochs without a better validation accuracy, keeping the best; 0 = never. */
  public int earlyStoppingPatience() {
    return earlyStoppingPatience;
  }

  /** Hadoop FS directory for a checkpoint after every epoch, or null for none. */
  public String checkpointDir() {
    return checkpointDir;
  }

  /**
   * Whether each worker visits its rows in a fresh seeded order every epoch (default true); when false, rows are
   * visited in id order.
   */
  public boolean shuffle() {
    return shuffle;
  }

  /**
   * Whether the network returned is the one of the epoch with the best validation accuracy (the last epoch's
   * otherwise); always so with early stopping. Default false.
   */
  public boolean keepBestEpoch() {
    return keepBestEpoch || earlyStoppingPatience > 0;
  }

  /** Random translation of the training images (never of validation data), or null for none (the default). */
  public InputJitter jitter() {
    return jitter;
  }

  @Override
  public String toString() {
    return "epochs=" + epochs + ", batchSizePerWorker=" + batchSizePerWorker + ", averagingPeriod="
        + (averagingPeriod == ONCE_PER_EPOCH ? "once per epoch" : averagingPeriod) + ", workers="
        + (workers == 0 ? "default parallelism" : workers) + ", seed=" + seed
        + (updater == null ? "" : ", updater=" + updater)
        + (earlyStoppingPatience == 0 ? "" : ", earlyStoppingPatience=" + earlyStoppingPatience)
        + (jitter == null ? "" : ", " + jitter) + (keepBestEpoch ? ", keepBestEpoch" : "");
  }

  /** Builder with defaults: 10 epochs, batch 64, average every 5 steps, default parallelism, seed 42. */
  public static final class Builder {
    private int epochs = 10;
    private int batchSizePerWorker = 64;
    private int averagingPeriod = 5;
    private int workers = 0;
    private long seed = 42;
    private int threadsPerTask = 0;
    private IUpdater updater;
    private int earlyStoppingPatience = 0;
    private String checkpointDir;
    private boolean shuffle = true;
    private InputJitter jitter;
    private boolean keepBestEpoch;

    private Builder() {}

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

    public Builder updater(IUpdater value) {
      this.updater = value;
      return this;
    }

    public Builder earlyStoppingPatience(int value) {
      this.earlyStoppingPatience = atLeast("earlyStoppingPatience", value, 0);
      return this;
    }

    public Builder checkpointDir(String value) {
      if (value != null && value.isBlank()) {
        throw new IllegalArgumentException("checkpointDir cannot be blank (use null for no checkpoints)");
      }
      this.checkpointDir = value;
      return this;
    }

    public TrainingSettings build() {
      return new TrainingSettings(this);
    }

    private static int atLeast(String name, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(name + " must be at least " + min + ", cannot be: " + value);
      }
      return value;
    }
  }
}
