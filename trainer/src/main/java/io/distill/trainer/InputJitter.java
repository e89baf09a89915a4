package io.distill.trainer;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random translation of image rows, the "input jitter" of Hinton, Vinyals &amp; Dean (2015): each
 * training example is shifted by a whole number of pixels drawn uniformly from {@code [-maxShift,
 * maxShift]} in each direction, independently per example and per visit, and the pixels that move
 * in are 0 (background). A row holds one image of {@code height × width} pixels in row-major order
 * (MNIST: 28 × 28); only training minibatches are jittered, never evaluation. Costs one pass over
 * the minibatch's floats.
 */
public final class InputJitter implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int width;
  private final int height;
  private final int maxShift;

  private InputJitter(int width, int height, int maxShift) {
    this.width = width;
    this.height = height;
    this.maxShift = maxShift;
  }

  /**
   * Shifts images of {@code width × height} pixels by up to {@code maxShift} pixels along each
   * axis.
   */
  public static InputJitter of(int width, int height, int maxShift) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          "image width and height must be at least 1, cannot be: " + width + " x " + height);
    }
    if (maxShift < 1 || maxShift >= Math.min(width, height)) {
      throw new IllegalArgumentException(
          "maxShift must be in [1, "
              + (Math.min(width, height) - 1)
              + "] for "
              + width
              + " x "
              + height
              + " images, cannot be: "
              + maxShift);
    }
    return new InputJitter(width, height, maxShift);
  }

  /**
   * Square images of {@code features} pixels (784 → 28 × 28), shifted by up to {@code maxShift}
   * pixels.
   */
  public static InputJitter square(int features, int maxShift) {
    int side = (int) Math.round(Math.sqrt(features));
    if (side * side != features) {
      throw new IllegalArgumentException(
          "input jitter needs square images: "
              + features
              + " features per row is not a square number of pixels");
    }
    return of(side, side, maxShift);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public int maxShift() {
    return maxShift;
  }

  /** Pixels per image, which must equal the rows' feature count. */
  public int pixels() {
    return width * height;
  }

  /**
   * A copy of one image ({@link #pixels()} floats) shifted by a random offset drawn from {@code
   * random}; the input is not changed.
   */
  public float[] jittered(float[] image, SplittableRandom random) {
    if (image.length != pixels()) {
      throw new IllegalArgumentException(
          "expected an image of "
              + pixels()
              + " pixels ("
              + width
              + " x "
              + height
              + "), got "
              + image.length
              + " values");
    }
    float[] x = image.clone();
    apply(x, 1, random);
    return x;
  }

  /**
   * Shifts each of the {@code rows} images in {@code x} (row-major, {@link #pixels()} floats each)
   * in place.
   */
  void apply(float[] x, int rows, SplittableRandom random) {
    float[] copy = new float[pixels()];
    for (int r = 0; r < rows; r++) {
      int dx = random.nextInt(2 * maxShift + 1) - maxShift;
      int dy = random.nextInt(2 * maxShift + 1) - maxShift;
      if (dx != 0 || dy != 0) {
        shift(x, r * pixels(), dx, dy, copy);
      }
    }
  }

  /**
   * Moves the image at {@code offset} right by {@code dx} and down by {@code dy} pixels, filling
   * with 0.
   */
  void shift(float[] x, int offset, int dx, int dy, float[] scratch) {
    System.arraycopy(x, offset, scratch, 0, pixels());
    Arrays.fill(x, offset, offset + pixels(), 0f);
    int fromX = Math.max(0, -dx);
    int toX = Math.min(width, width - dx);
    for (int y = Math.max(0, -dy); y < Math.min(height, height - dy); y++) {
      System.arraycopy(
          scratch, y * width + fromX, x, offset + (y + dy) * width + fromX + dx, toX - fromX);
    }
  }

  @Override
  public String toString() {
    return "jitter ±" + maxShift + "px on " + width + "x" + height;
  }
}
