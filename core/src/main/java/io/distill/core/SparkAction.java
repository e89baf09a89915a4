package io.distill.core;

import java.util.Objects;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The shared base of the project's Spark actions, in the manner of Iceberg's {@code
 * BaseSparkAction}: a fluent action is made with {@code of(spark)}, configured, and run with {@link
 * #execute()}, which checks the required settings, runs every Spark job of the action under one job
 * group with a human description (so the Spark UI shows which stage is which; an action run inside
 * another gets its own group and gives the outer one back when done), and turns a failure inside a
 * Spark task into the user's problem ({@link HadoopFiles#userError}).
 *
 * @param <R> what {@link #execute()} returns (an immutable result)
 */
public abstract class SparkAction<R> {
  private static final String GROUP = "spark.jobGroup.id";
  private static final String DESCRIPTION = "spark.job.description";
  private static final String INTERRUPT = "spark.job.interruptOnCancel";

  protected final SparkSession spark;

  protected SparkAction(SparkSession spark) {
    if (spark == null) {
      throw new IllegalArgumentException("spark session cannot be null");
    }
    this.spark = spark;
  }

  /** The job group of this action's Spark jobs, e.g. {@code soft-labels}. */
  protected abstract String jobGroup();

  /** What the action does, in words, for the Spark UI (the first jobs' description). */
  protected abstract String description();

  /**
   * Checks the required settings before any Spark work, failing with {@link #require}'s message.
   */
  protected abstract void validate();

  /** The work, under the action's job group. */
  protected abstract R doExecute() throws Exception;

  /** Runs the action (see the class comment). */
  public final R execute() {
    validate();
    SparkContext sc = spark.sparkContext();
    String group = sc.getLocalProperty(GROUP);
    String description = sc.getLocalProperty(DESCRIPTION);
    String interrupt = sc.getLocalProperty(INTERRUPT);
    sc.setJobGroup(jobGroup(), description(), false);
    try {
      return doExecute();
    } catch (Exception e) { // also Spark's checked SparkException, which Spark throws undeclared
      throw HadoopFiles.userError(e);
    } finally {
      sc.setLocalProperty(GROUP, group);
      sc.setLocalProperty(DESCRIPTION, description);
      sc.setLocalProperty(INTERRUPT, interrupt);
    }
  }

  /** Describes the next Spark jobs of this action in the UI. */
  protected void describe(String text) {
    spark.sparkContext().setJobDescription(text);
  }

  /** Fails when a required setting is missing, naming the call that sets it. */
  protected static <T> T require(T value, String call) {
    if (value == null || value instanceof String s && s.isBlank()) {
      throw new IllegalStateException("Missing input: call " + call + " before execute()");
    }
    return value;
  }

  /**
   * Fails with "{@code name} must be at least {@code min}, cannot be: value" when {@code value <
   * min}.
   */
  protected static int atLeast(String name, int value, int min) {
    return Checks.atLeast(name, value, min);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + Objects.toString(description()) + ")";
  }
}
