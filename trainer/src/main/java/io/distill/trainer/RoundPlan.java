package io.distill.trainer;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which minibatches each worker fits in each round of one epoch. Worker {@code w} owns the blocks
 * {@code b} with {@code b % workers == w}; in each epoch it visits them in an order seeded by
 * (seed, epoch, worker) and cuts each block, in its own seeded row order (see {@link Block#order}),
 * into minibatches (the last of a block may be smaller; a minibatch never spans two blocks). Round
 * {@code r} fits minibatches {@code [r·period, (r+1)·period)} of the worker's sequence, so one
 * worker with one block and an averaging period of 1 (or once per epoch) is exactly a local fit
 * over the same minibatches. Workers with fewer minibatches sit out the last rounds.
 */
final class RoundPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Minibatches {@code [from, to)} of block {@code block}. */
  record Segment(int block, int from, int to) implements Serializable {}

  private final List<List<int[]>> sequences; // per worker: (block, minibatch) in visiting order
  private final int period;
  private final int rounds;

  private RoundPlan(List<List<int[]>> sequences, int period, int rounds) {
    this.sequences = sequences;
    this.period = period;
    this.rounds = rounds;
  }

  static RoundPlan of(
      int[] blockRows,
      int workers,
      int batchSize,
      int averagingPeriod,
      long seed,
      int epoch,
      boolean shuffle) {
    List<List<int[]>> sequences = new ArrayList<>();
    int longest = 0;
    for (int w = 0; w < workers; w++) {
      List<Integer> owned = new ArrayList<>();
      for (int b = w; b < blockRows.length; b += workers) {
        owned.add(b);
      }
      if (shuffle) {
        SplittableRandom random = new SplittableRandom(seed(seed, epoch, w, 0x5EEDL));
        for (int i = owned.size() - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          owned.set(j, owned.set(i, owned.get(j)));
        }
      }
      List<int[]> sequence = new ArrayList<>();
      for (int b : owned) {
        int batches = (blockRows[b] + batchSize - 1) / batchSize;
        for (int m = 0; m < batches; m++) {
          sequence.add(new int[] {b, m});
        }
      }
      sequences.add(sequence);
      longest = Math.max(longest, sequence.size());
    }
    int period = Math.max(1, Math.min(averagingPeriod, longest));
    int rounds = longest == 0 ? 0 : (longest + period - 1) / period;
    return new RoundPlan(sequences, period, rounds);
  }

  /** A seed mixing the training seed with an epoch, a worker or block, and a salt. */
  static long seed(long seed, int epoch, int which, long salt) {
    long h = seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + which * 0xBF58476D1CE4E5B9L + salt;
    h ^= h >>> 31;
    return h * 0x94D049BB133111EBL;
  }

  int rounds() {
    return rounds;
  }

  int period() {
    return period;
  }

  int workers() {
    return sequences.size();
  }

  /**
   * The minibatches worker {@code w} fits in round {@code r}, grouped by block, in order; empty
   * when it sits out.
   */
  Segment[] segments(int worker, int round) {
    List<int[]> sequence = sequences.get(worker);
    int from = round * period;
    int to = Math.min(sequence.size(), from + period);
    List<Segment> out = new ArrayList<>();
    int i = from;
    while (i < to) {
      int block = sequence.get(i)[0];
      int first = sequence.get(i)[1];
      int j = i;
      while (j + 1 < to && sequence.get(j + 1)[0] == block) {
        j++;
      }
      out.add(new Segment(block, first, sequence.get(j)[1] + 1));
      i = j + 1;
    }
    return out.toArray(new Segment[0]);
  }

  /** Minibatches worker {@code w} fits in the whole epoch. */
  int minibatches(int worker) {
    return sequences.get(worker).size();
  }
}
