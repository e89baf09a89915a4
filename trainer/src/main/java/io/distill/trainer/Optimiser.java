package io.distill.trainer;

import java.io.Serializable;
import java.util.Locale;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * How a network built from settings learns: the updater (Adam, or SGD with Nesterov momentum), its
 * learning rate, its momentum (Nesterov only) and the factor the rate is multiplied by after every
 * epoch (an exponential schedule on DL4J's epoch counter; 1 = a constant rate). This is the one
 * place an updater is built, for teachers and students alike: {@code TeacherNetworks.mlp} and
 * {@code StudentNetworks.mlp} take it, and the pipeline makes it from the {@code teacher.*} and
 * {@code students.*} keys.
 *
 * <p><b>Precedence.</b> A network given as a DL4J MultiLayerConfiguration JSON ({@code
 * teacher.dl4j-json}, {@code students.sizes[].dl4j-json}) trains with the updater its JSON
 * configures, learning rate and schedule included; an {@code Optimiser} configures only the
 * networks built from settings (the MLPs). Nothing replaces an updater after a network is
 * configured: what the configuration says is what the trainer runs.
 */
public record Optimiser(Kind kind, double learningRate, double momentum, double decayPerEpoch)
    implements Serializable {

  /** The updaters an {@code Optimiser} builds. */
  public enum Kind {
    ADAM,
    NESTEROV
  }

  /** The students' default learning rate (Adam). */
  public static final double STUDENT_LEARNING_RATE = 0.002;

  /** The students' default decay per epoch. */
  public static final double STUDENT_DECAY = 0.85;

  /** The teacher's default learning rate (SGD with Nesterov momentum). */
  public static final double TEACHER_LEARNING_RATE = 0.1;

  /** The teacher's default momentum. */
  public static final double TEACHER_MOMENTUM = 0.9;

  /** The teacher's default decay per epoch (a constant rate). */
  public static final double TEACHER_DECAY = 1.0;

  public Optimiser {
    if (kind == null) {
      throw new IllegalArgumentException("kind cannot be null");
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate must be positive and finite, cannot be: " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), cannot be: " + momentum);
    }
    if (!(decayPerEpoch > 0 && decayPerEpoch <= 1)) {
      throw new IllegalArgumentException(
          "decayPerEpoch must be in (0, 1], cannot be: " + decayPerEpoch);
    }
  }

  /** Adam at {@code learningRate}, multiplied by {@code decayPerEpoch} after every epoch. */
  public static Optimiser adam(double learningRate, double decayPerEpoch) {
    return new Optimiser(Kind.ADAM, learningRate, 0, decayPerEpoch);
  }

  /**
   * SGD with Nesterov momentum at {@code learningRate}, multiplied by {@code decayPerEpoch} after
   * every epoch.
   */
  public static Optimiser nesterov(double learningRate, double momentum, double decayPerEpoch) {
    return new Optimiser(Kind.NESTEROV, learningRate, momentum, decayPerEpoch);
  }

  /**
   * The students' defaults: Adam {@value #STUDENT_LEARNING_RATE}, decaying by {@value
   * #STUDENT_DECAY} an epoch.
   */
  public static Optimiser studentDefault() {
    return adam(STUDENT_LEARNING_RATE, STUDENT_DECAY);
  }

  /**
   * The teacher's defaults: Nesterov {@value #TEACHER_LEARNING_RATE}, momentum {@value
   * #TEACHER_MOMENTUM}.
   */
  public static Optimiser teacherDefault() {
    return nesterov(TEACHER_LEARNING_RATE, TEACHER_MOMENTUM, TEACHER_DECAY);
  }

  /** The same updater and momentum at another learning rate and decay per epoch. */
  public Optimiser withRate(double rate, double decay) {
    return new Optimiser(kind, rate, momentum, decay);
  }

  /** A new DL4J updater (updaters are mutable, so every network gets its own). */
  public IUpdater updater() {
    ISchedule schedule =
        decayPerEpoch == 1.0
            ? null
            : new ExponentialSchedule(ScheduleType.EPOCH, learningRate, decayPerEpoch);
    return switch (kind) {
      case ADAM -> schedule == null ? new Adam(learningRate) : new Adam(schedule);
      case NESTEROV ->
          schedule == null
              ? new Nesterovs(learningRate, momentum)
              : new Nesterovs(schedule, momentum);
    };
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT)
        + " lr="
        + learningRate
        + (kind == Kind.NESTEROV ? " momentum=" + momentum : "")
        + (decayPerEpoch == 1.0 ? "" : " decay=" + decayPerEpoch + "/epoch");
  }
}
