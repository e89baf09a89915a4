package io.distill.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import scala.Tuple4;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The progress of a Spark job over rows, logged every 10 s as "Soft labels: 12,288 / 70,000 rows
 * (18%), 4,100 rows/s". Tasks add the rows they finish to {@link #counter()}. The driver's value of
 * an accumulator grows only when a task ends, so a job of a few long tasks would log 0 rows until
 * its end; the rows of the tasks still running are taken from the executors' heartbeats ({@code
 * spark.executor.heartbeatInterval}, 10 s by default), which carry each running task's
 * accumulators. Close it when the job ends (it stops logging and leaves the listener bus).
 *
 * <p>Cost: one listener on the driver's bus and one timer thread for the duration of the job.
 */
public final class RowProgress extends SparkListener implements AutoCloseable {
  /** Seconds between progress lines in the log. */
  private static final long PERIOD_SECONDS = 10;

  private final SparkContext sc;
  private final LongAccumulator finished;
  private final long total;

  /** Rows of each running task as of its executor's last heartbeat, by task id. */
  private final Map<Long, Long> running = new ConcurrentHashMap<>();

  private final ScheduledExecutorService timer;

  private final String what;
  private final Clock clock;
  private final Instant started;

  private RowProgress(SparkContext sc, String what, long total, Logger log, Clock clock) {
    this.sc = sc;
    this.finished = sc.longAccumulator(what + " rows");
    this.total = total;
    this.what = what;
    this.clock = clock;
    this.started = clock.instant();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "row-progress");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleAtFixedRate(
        () -> log.info(line()), PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
  }

  /** Starts logging {@code what}'s progress over {@code total} rows to {@code log}. */
  public static RowProgress start(SparkContext sc, String what, long total, Logger log) {
    return start(sc, what, total, log, Clock.systemUTC());
  }

  /** As above, telling the time (for the rate) by {@code clock}. */
  public static RowProgress start(
      SparkContext sc, String what, long total, Logger log, Clock clock) {
    RowProgress progress = new RowProgress(sc, what, total, log, clock);
    sc.addSparkListener(progress);
    return progress;
  }

  /**
   * The progress line the log gets every {@value #PERIOD_SECONDS} s, e.g. "Soft labels: 12,288 /
   * 70,000 rows".
   */
  public String line() {
    long n = rows();
    double seconds = Math.max(1e-3, Duration.between(started, clock.instant()).toNanos() / 1e9);
    return String.format(
        "%s: %,d / %,d rows (%.0f%%), %,.0f rows/s",
        what, n, total, 100.0 * n / total, n / seconds);
  }

  /** The accumulator tasks add their rows to (captured by the tasks' closures). */
  public LongAccumulator counter() {
    return finished;
  }

  /**
   * Rows done: those of finished tasks plus those running tasks last reported, at most the total.
   */
  public long rows() {
    long n = finished.value();
    for (long r : running.values()) {
      n += r;
    }
    return Math.min(n, total);
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (Tuple4<Object, Object, Object, Seq<AccumulableInfo>> task :
        JavaConverters.seqAsJavaList(update.accumUpdates())) {
      for (AccumulableInfo info : JavaConverters.seqAsJavaList(task._4())) {
        if (info.id() == finished.id() && info.update().isDefined()) {
          running.put((Long) task._1(), ((Number) info.update().get()).longValue());
        }
      }
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    running.remove(
        end.taskInfo()
            .taskId()); // a finished task's rows are in the accumulator now (or were lost)
  }

  @Override
  public void close() {
    timer.shutdownNow();
    sc.removeSparkListener(this);
  }
}
