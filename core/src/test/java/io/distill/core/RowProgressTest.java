package io.distill.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A job of two tasks that hold on after counting some of their rows: its progress counts the rows
 * of the running tasks (from the executor's heartbeats, every second in the test session) before
 * either task ends, when the accumulator alone still says 0. Nothing sleeps: the tasks wait for the
 * test, the test waits for a heartbeat, and the rate is told by a clock the test advances.
 */
class RowProgressTest {
  private static final int ROWS_PER_TASK = 40;
  private static final int COUNTED_BEFORE_HOLDING = 10;

  /**
   * Released by the test once it has seen the running tasks' rows (tasks run in this JVM in local
   * mode).
   */
  private static final CountDownLatch RELEASE = new CountDownLatch(1);

  @Test
  void rowsOfRunningTasksCountBeforeAnyTaskEnds() throws Exception {
    SparkContext sc = LocalSpark.session().sparkContext();
    List<Integer> rows = IntStream.range(0, 2 * ROWS_PER_TASK).boxed().collect(Collectors.toList());
    ManualClock clock = new ManualClock(Instant.parse("2026-12-06T00:00:00Z"));
    CountDownLatch heartbeatWithRows = new CountDownLatch(1);
    try (RowProgress progress =
        RowProgress.start(
            sc, "Test rows", rows.size(), LoggerFactory.getLogger(RowProgressTest.class), clock)) {
      LongAccumulator counter = progress.counter();
      // Registered after the progress, so it hears each heartbeat after the progress has read it.
      SparkListener heard =
          new SparkListener() {
            @Override
            public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
              if (progress.rows() >= 2 * COUNTED_BEFORE_HOLDING) {
                heartbeatWithRows.countDown();
              }
            }
          };
      sc.addSparkListener(heard);
      try {
        CompletableFuture<Long> job =
            CompletableFuture.supplyAsync(
                () ->
                    JavaSparkContext.fromSparkContext(sc)
                        .parallelize(rows, 2)
                        .map(
                            i -> {
                              if (i % ROWS_PER_TASK == COUNTED_BEFORE_HOLDING) {
                                RELEASE.await(120, TimeUnit.SECONDS);
                              }
                              counter.add(1);
                              return i;
                            })
                        .count());
        assertTrue(
            heartbeatWithRows.await(60, TimeUnit.SECONDS),
            "no heartbeat carried the running tasks' rows");
        long seenWhileAllRunning = progress.rows();
        assertEquals(0, counter.value(), "no task has ended yet");
        clock.advance(Duration.ofSeconds(10));
        assertEquals("Test rows: 20 / 80 rows (25%), 2 rows/s", progress.line());
        RELEASE.countDown();
        assertEquals(rows.size(), job.get());
        assertEquals(2 * COUNTED_BEFORE_HOLDING, seenWhileAllRunning);
        assertEquals(rows.size(), progress.rows());
      } finally {
        RELEASE.countDown();
        sc.removeSparkListener(heard);
      }
    }
  }
}
