package io.distill.bench;

import io.distill.trainer.Nd4jThreads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The best a bare JVM does with the same library on these cores, the baseline every Spark figure is
 * compared with: a workload (given as "do {@code units} units of work with this stream's own
 * state") run as one stream with N ND4J threads and as N independent streams of one thread each,
 * after a warm-up, timed {@code repeats} times; the median of each. Also ND4J's float GEMM peak,
 * measured in the same process.
 */
final class BareLoops {
  private BareLoops() {}

  /**
   * One stream's work: returns a runnable doing {@code units} units (e.g. minibatches) with state
   * of its own.
   */
  interface Stream {
    Runnable work(int units);
  }

  /**
   * Units per second of {@code streams} concurrent streams of {@code threads} ND4J threads each,
   * median of repeats.
   */
  static double rate(
      IntFunction<Stream> newStream, int streams, int threads, int units, int warmup, int repeats)
      throws Exception {
    Nd4jThreads.limit(threads);
    List<Stream> states = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      states.add(newStream.apply(s));
    }
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    try {
      run(pool, states, warmup);
      double[] rates = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long start = System.nanoTime();
        run(pool, states, units);
        rates[r] = (double) units * streams / ((System.nanoTime() - start) / 1e9);
      }
      Arrays.sort(rates);
      return rates[repeats / 2];
    } finally {
      pool.shutdownNow();
    }
  }

  private static void run(ExecutorService pool, List<Stream> states, int units) throws Exception {
    List<Callable<Void>> jobs = new ArrayList<>();
    for (Stream s : states) {
      Runnable work = s.work(units);
      jobs.add(
          () -> {
            work.run();
            return null;
          });
    }
    for (Future<Void> f : pool.invokeAll(jobs)) {
      f.get();
    }
  }

  /**
   * ND4J float GEMM GFLOP/s ({@code n}³ multiply-adds), best of 5, with {@code threads} threads.
   */
  static double gemmPeak(int n, int threads) {
    Nd4jThreads.limit(threads);
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    double best = 0;
    for (int i = 0; i < 7; i++) {
      long start = System.nanoTime();
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (i >= 2) {
        best = Math.max(best, 2.0 * n * n * n / seconds / 1e9);
      }
    }
    return best;
  }
}
