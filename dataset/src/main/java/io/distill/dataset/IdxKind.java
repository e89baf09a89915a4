package io.distill.dataset;

/**
 * The two kinds of IDX file MNIST-style datasets come in, with the magic number and shape each must
 * have.
 */
public enum IdxKind {
  /** Magic 2051 (0x00000803): unsigned bytes, 3 dimensions (count, rows, columns). */
  IMAGES(2051, 3, "images: unsigned byte, 3 dimensions"),
  /** Magic 2049 (0x00000801): unsigned bytes, 1 dimension (count). */
  LABELS(2049, 1, "labels: unsigned byte, 1 dimension");

  private final int magic;
  private final int dimensions;
  private final String description;

  IdxKind(int magic, int dimensions, String description) {
    this.magic = magic;
    this.dimensions = dimensions;
    this.description = description;
  }

  public int magic() {
    return magic;
  }

  public int dimensions() {
    return dimensions;
  }

  public String description() {
    return description;
  }
}
