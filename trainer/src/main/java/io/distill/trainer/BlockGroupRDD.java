package io.distill.trainer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.NarrowDependency;
import org.apache.spark.Partition;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag$;

/**
 * A view of chosen blocks of a packed dataset, grouped: partition {@code i} of this RDD yields the
 * parent's blocks {@code groups[i]}, in that order, one at a time. One training round is a job over
 * such a view: each worker's task reads only the blocks its minibatches of this round come from,
 * not its whole share of the data. A block is fetched through Spark's block manager (from this
 * executor's memory or disk, or recomputed from lineage when lost) only when the task asks for it,
 * and first looked up in the executor's {@link BlockCache}, so consecutive rounds on the same block
 * deserialize it once. The dependency is narrow, so the scheduler runs each task where its first
 * block is cached.
 */
final class BlockGroupRDD extends RDD<Block> {
  private static final long serialVersionUID = 1L;

  private final RDD<Block> parent;
  private final GroupPartition[] partitions;

  BlockGroupRDD(RDD<Block> parent, int[][] groups) {
    super(
        parent.context(),
        seq(List.of(new GroupDependency(parent, groups))),
        ClassTag$.MODULE$.apply(Block.class));
    this.parent = parent;
    Partition[] parentPartitions = parent.partitions();
    this.partitions = new GroupPartition[groups.length];
    for (int i = 0; i < groups.length; i++) {
      Partition[] members = new Partition[groups[i].length];
      for (int j = 0; j < members.length; j++) {
        members[j] = parentPartitions[groups[i][j]];
      }
      partitions[i] = new GroupPartition(i, members);
    }
  }

  private static <T> Seq<T> seq(List<T> list) {
    return JavaConverters.asScalaBufferConverter(list).asScala().toSeq();
  }

  @Override
  public Partition[] getPartitions() {
    return partitions.clone();
  }

  @Override
  public scala.collection.Iterator<Block> compute(Partition split, TaskContext context) {
    Partition[] members = ((GroupPartition) split).members;
    int rddId = parent.id();
    int cacheEntries = 2 * executorCores();
    Iterator<Block> blocks =
        new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < members.length;
          }

          @Override
          public Block next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            Partition p = members[next++];
            return BlockCache.get(
                rddId, p.index(), cacheEntries, () -> parent.iterator(p, context).next());
          }
        };
    return JavaConverters.asScalaIteratorConverter(blocks).asScala();
  }

  /**
   * Task slots of this executor: spark.executor.cores, or this machine's processors (local mode).
   */
  private static int executorCores() {
    SparkEnv env = SparkEnv.get();
    int cores = env == null ? 0 : env.conf().getInt("spark.executor.cores", 0);
    return cores > 0 ? cores : Runtime.getRuntime().availableProcessors();
  }

  /** One group of parent partitions. */
  private static final class GroupPartition implements Partition {
    private static final long serialVersionUID = 1L;
    private final int index;
    private final Partition[] members;

    GroupPartition(int index, Partition[] members) {
      this.index = index;
      this.members = members;
    }

    @Override
    public int index() {
      return index;
    }

    @Override
    public int hashCode() {
      return index;
    }

    @Override
    public boolean equals(Object o) {
      return o == this;
    }
  }

  /** Partition {@code i} depends on the parent partitions {@code groups[i]}. */
  private static final class GroupDependency extends NarrowDependency<Block> {
    private static final long serialVersionUID = 1L;
    private final int[][] groups;

    GroupDependency(RDD<Block> parent, int[][] groups) {
      super(parent);
      this.groups = groups;
    }

    @Override
    public Seq<Object> getParents(int partitionId) {
      List<Object> out = new ArrayList<>();
      for (int p : groups[partitionId]) {
        out.add(p);
      }
      return seq(out);
    }
  }
}
