package io.distill.trainer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The blocks an executor JVM read last, deserialized, so that the rounds of a worker that stay on
 * one block read it once: a least-recently-used map keyed by (RDD id, partition) holding at most
 * the number of entries the largest request asked for (two per task slot of the executor), so its
 * memory is bounded by that many blocks. Blocks are immutable and shared by the executor's tasks.
 */
final class BlockCache {
  private static final Object LOCK = new Object();
  private static int capacity = 2;
  private static final LinkedHashMap<Long, Block> BLOCKS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Block> eldest) {
          return size() > capacity;
        }
      };

  private BlockCache() {}

  static Block get(int rddId, int partition, int entries, Supplier<Block> load) {
    long key = ((long) rddId << 32) | (partition & 0xFFFFFFFFL);
    synchronized (LOCK) {
      capacity = Math.max(capacity, entries);
      Block cached = BLOCKS.get(key);
      if (cached != null) {
        return cached;
      }
    }
    Block block = load.get();
    synchronized (LOCK) {
      BLOCKS.put(key, block);
    }
    return block;
  }

  /** Drops every cached block (tests; a new pack evicts old ones anyway). */
  static void clear() {
    synchronized (LOCK) {
      BLOCKS.clear();
    }
  }
}
