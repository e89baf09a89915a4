package io.distill.core;

/**
 * The argument checks the library's builders share, each failing with one message that names the
 * argument, what it must be and what it got ("epochs must be at least 1, cannot be: 0").
 */
public final class Checks {
  private Checks() {}

  /** {@code value}, when it is at least {@code min}. */
  public static int atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(
          name + " must be at least " + min + ", cannot be: " + value);
    }
    return value;
  }

  /** {@code value}, when it is a retain probability: in (0, 1] (1 = no dropout). */
  public static double retain(String name, double value) {
    if (!(value > 0 && value <= 1)) {
      throw new IllegalArgumentException(
          name + " (a retain probability) must be in (0, 1], cannot be: " + value);
    }
    return value;
  }
}
