package io.distill.dataset;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The header of an IDX file: magic number, record count and the size of each record. All IDX
 * integers are big-endian int32; the data follows the header as unsigned bytes, record after
 * record.
 */
public final class IdxHeader implements Serializable {
  private static final long serialVersionUID = 1L;

  private final IdxKind kind;
  private final int count;
  private final int[] recordShape;

  IdxHeader(IdxKind kind, int count, int[] recordShape) {
    this.kind = kind;
    this.count = count;
    this.recordShape = recordShape.clone();
  }

  public IdxKind kind() {
    return kind;
  }

  /** Number of records (images or labels). */
  public int count() {
    return count;
  }

  /** Shape of one record: {rows, columns} for images, {} for labels. */
  public int[] recordShape() {
    return recordShape.clone();
  }

  /** Bytes per record: rows × columns for images, 1 for labels. */
  public int recordBytes() {
    int bytes = 1;
    for (int d : recordShape) {
      bytes *= d;
    }
    return bytes;
  }

  /** Bytes taken by the header: 4 (magic) + 4 per dimension. */
  public int headerBytes() {
    return 4 + 4 * kind.dimensions();
  }

  /** Total bytes a complete file holds. */
  public long fileBytes() {
    return headerBytes() + (long) count * recordBytes();
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase()
        + " "
        + count
        + (recordShape.length == 0 ? "" : " x " + Arrays.toString(recordShape));
  }
}
