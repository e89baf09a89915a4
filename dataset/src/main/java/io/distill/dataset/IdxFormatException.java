package io.distill.dataset;

/**
 * An IDX file that cannot be read as what it claims (or is expected) to be: wrong magic number, a
 * count that does not match its partner file, fewer bytes than the header promises, a label outside
 * its range. The message names the file and, where there is one, the record.
 */
public final class IdxFormatException extends RuntimeException {
  public IdxFormatException(String message) {
    super(message);
  }

  public IdxFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
