package io.distill.losses;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * JUnit extension that makes ND4J's default data types double precision for each test and restores
 * the previous defaults afterwards.
 */
final class DoublePrecision implements BeforeEachCallback, AfterEachCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(DoublePrecision.class);

  private record Defaults(DataType dataType, DataType floatingPointType) {}

  @Override
  public void beforeEach(ExtensionContext context) {
    context
        .getStore(NAMESPACE)
        .put(Defaults.class, new Defaults(Nd4j.dataType(), Nd4j.defaultFloatingPointType()));
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Defaults previous = context.getStore(NAMESPACE).remove(Defaults.class, Defaults.class);
    Nd4j.setDefaultDataTypes(previous.dataType(), previous.floatingPointType());
  }
}
