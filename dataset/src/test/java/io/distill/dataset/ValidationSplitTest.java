package io.distill.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class ValidationSplitTest {
  private static Set<Long> ids(Dataset<Row> d) {
    Set<Long> ids = new HashSet<>();
    for (Row r : d.select(DatasetSchema.ID).collectAsList()) {
      ids.add(r.getLong(0));
    }
    return ids;
  }

  private static Map<Integer, Long> labelCounts(Dataset<Row> d) {
    Map<Integer, Long> counts = new LinkedHashMap<>();
    for (Row r :
        d.groupBy(DatasetSchema.LABEL).count().orderBy(DatasetSchema.LABEL).collectAsList()) {
      counts.put(r.getInt(0), r.getLong(1));
    }
    return counts;
  }

  /**
   * A fraction split over the first half of the slice and over the whole slice (a later night's
   * data): every validation row of the first night is one again, no row that trained on the first
   * night becomes a validation row, and the size is near the fraction (binomial spread).
   */
  @Test
  void aFractionSplitKeepsItsRowsAsTheDataGrows() {
    Dataset<Row> all = EmbeddedMnist.train();
    Dataset<Row> firstNight = all.where(all.col(DatasetSchema.ID).lt(2500));
    ValidationSplit first = ValidationSplit.fraction(firstNight, "night 1", 0.1, 3);
    ValidationSplit later = ValidationSplit.fraction(all, "night 2", 0.1, 3);
    Set<Long> firstValidation = ids(first.validation(firstNight));
    Set<Long> laterValidation = ids(later.validation(all));
    Set<Long> firstTraining = ids(first.training(firstNight));
    assertEquals(first.rows(), firstValidation.size());
    assertEquals(later.rows(), laterValidation.size());
    assertTrue(laterValidation.containsAll(firstValidation));
    Set<Long> trainedThenHeldOut = new HashSet<>(firstTraining);
    trainedThenHeldOut.retainAll(laterValidation);
    assertTrue(trainedThenHeldOut.isEmpty(), "trained on, then held out: " + trainedThenHeldOut);
    assertTrue(Math.abs(laterValidation.size() - 500) < 6 * Math.sqrt(5000 * 0.1 * 0.9));
    assertEquals(later.quotas(), labelCounts(later.validation(all)));
    assertThrows(
        IllegalArgumentException.class, () -> ValidationSplit.fraction(all, "slice", 1.0, 3));
  }

  /**
   * 500 of the slice's 5,000: exact size, disjoint from and together equal to the training rows,
   * stratified.
   */
  @Test
  void carvesAnExactStratifiedDisjointSplit() {
    Dataset<Row> train = EmbeddedMnist.train();
    ValidationSplit split = ValidationSplit.compute(train, "slice/train", 500, 7);
    Set<Long> validation = ids(split.validation(train));
    Set<Long> fit = ids(split.training(train));
    assertEquals(500, validation.size());
    assertEquals(4500, fit.size());
    Set<Long> overlap = new HashSet<>(validation);
    overlap.retainAll(fit);
    assertTrue(overlap.isEmpty(), "validation and training rows overlap: " + overlap);
    Set<Long> all = new HashSet<>(validation);
    all.addAll(fit);
    assertEquals(ids(train), all);

    Map<Integer, Long> total = labelCounts(train);
    Map<Integer, Long> carved = labelCounts(split.validation(train));
    assertEquals(split.quotas(), carved);
    for (Map.Entry<Integer, Long> e : total.entrySet()) {
      double expected = 500.0 * e.getValue() / 5000;
      long got = carved.getOrDefault(e.getKey(), 0L);
      assertTrue(
          Math.abs(got - expected) < 1.0,
          "label " + e.getKey() + ": " + got + " of " + e.getValue() + ", expected " + expected);
    }
  }

  @Test
  void theSameSeedGivesTheSameSplitAndAnotherSeedAnother() {
    Dataset<Row> train = EmbeddedMnist.train();
    ValidationSplit a = ValidationSplit.compute(train, "slice/train", 300, 1);
    ValidationSplit b = ValidationSplit.compute(train.repartition(3), "slice/train", 300, 1);
    ValidationSplit c = ValidationSplit.compute(train, "slice/train", 300, 2);
    assertEquals(a, b);
    assertEquals(ids(a.validation(train)), ids(b.validation(train.repartition(5))));
    assertNotEquals(ids(a.validation(train)), ids(c.validation(train)));
  }

  @Test
  void quotasSumToTheSizeInProportion() {
    Map<Integer, Long> counts = new LinkedHashMap<>();
    counts.put(0, 3L);
    counts.put(1, 3L);
    counts.put(2, 4L);
    assertEquals(Map.of(0, 1L, 1, 1L, 2, 2L), ValidationSplit.quotas(counts, 4));
    assertEquals(List.of(0L, 0L, 1L), List.copyOf(ValidationSplit.quotas(counts, 1).values()));
  }

  @Test
  void noneKeepsEveryRowForTraining() {
    Dataset<Row> train = EmbeddedMnist.train();
    assertEquals(5000, ValidationSplit.none().training(train).count());
    assertEquals(0, ValidationSplit.none().validation(train).count());
  }

  @Test
  void aSplitAsLargeAsTheDataIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ValidationSplit.compute(EmbeddedMnist.train(), "slice/train", 5000, 1));
    assertTrue(e.getMessage().contains("slice/train has 5000 rows"), e.getMessage());
  }
}
