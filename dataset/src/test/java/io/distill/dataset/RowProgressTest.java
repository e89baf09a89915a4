package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A job of two long tasks: its progress counts the rows of the running tasks (from the executor's heartbeats, every
 * second in the test session) before either task ends, when the accumulator alone still says 0.
 */
class RowProgressTest {
  private static final int ROWS_PER_TASK = 40;
  private static final long MILLIS_PER_ROW = 100;

  @Test
  void rowsOfRunningTasksCountBeforeAnyTaskEnds() throws Exception {
    SparkContext sc = LocalSpark.session().sparkContext();
    List<Integer> rows = IntStream.range(0, 2 * ROWS_PER_TASK).boxed().collect(Collectors.toList());
    try (RowProgress progress = RowProgress.start(sc, "Test rows", rows.size(),
        LoggerFactory.getLogger(RowProgressTest.class))) {
      LongAccumulator counter = progress.counter();
      CompletableFuture<Long> job = CompletableFuture.supplyAsync(() -> JavaSparkContext.fromSparkContext(sc)
          .parallelize(rows, 2)
          .map(i -> {
            Thread.sleep(MILLIS_PER_ROW);
            counter.add(1);
            return i;
          })
          .count());
      long seenWhileAllRunning = 0;
      while (!job.isDone()) {
        long seen = progress.rows();
        if (counter.value() == 0) { // no task has ended yet
          seenWhileAllRunning = Math.max(seenWhileAllRunning, seen);
        }
        Thread.sleep(50);
      }
      assertEquals(rows.size(), job.get());
      assertTrue(seenWhileAllRunning > 0 && seenWhileAllRunning < rows.size(),
          "rows counted while both tasks ran (each takes " + ROWS_PER_TASK * MILLIS_PER_ROW + " ms): "
              + seenWhileAllRunning);
      assertEquals(rows.size(), progress.rows());
    }
  }
}
