package io.distill.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A DL4J model zip is data: its configuration (JSON), its coefficients and updater state (ND4J's
 * own binary format). DL4J's {@code ModelSerializer} also reads {@code preprocessor.bin} and a
 * legacy {@code normalizer.bin} with Java's {@code ObjectInputStream}, so a zip from anywhere
 * (teachers are any Hadoop URI, loaded on the driver and every executor) could run code on the
 * cluster. Every model zip this project reads goes through {@link #requireDataOnly} (or, entry by
 * entry, {@link #requireDataEntry}) first: an entry outside {@link #DATA_ENTRIES} is refused,
 * unread, with one line naming the file and the entry.
 */
public final class ModelArchive {
  /** The entries DL4J writes for a network: configuration, coefficients, updater state. */
  public static final List<String> DATA_ENTRIES =
      List.of("configuration.json", "coefficients.bin", "updaterState.bin", "noParams.marker");

  /**
   * The largest model file the project reads, in bytes (1 GiB; the system property {@code
   * distill.model.max-bytes} changes it): a model file is read whole into memory, on the driver and
   * on every executor, so a wrong path to a dataset or a disk image is refused rather than read.
   */
  public static long maxBytes() {
    return Long.getLong("distill.model.max-bytes", 1L << 30);
  }

  private ModelArchive() {}

  /**
   * The bytes of model file {@code name}, read whole from {@code in} up to {@link #maxBytes()}; a
   * longer file is refused with one line naming it and the bound, having read no more than that.
   */
  public static byte[] readBounded(InputStream in, String name) throws IOException {
    long max = maxBytes();
    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    if (bytes.length > max) {
      throw new IllegalArgumentException(
          "Model file "
              + name
              + " is larger than the "
              + max
              + " bytes a model file may have (set -Ddistill.model.max-bytes to read a larger one)");
    }
    return bytes;
  }

  /** The refusal of a zip with an entry that is not network data. */
  public static final class RefusedEntryException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    RefusedEntryException(String message) {
      super(message);
    }
  }

  /**
   * Reads the zip's entry names (not their contents) and refuses any that is not a data entry. A
   * stream that is not a zip has no entries and passes: DL4J then says it is not a model file.
   */
  public static void requireDataOnly(InputStream zip, String name) throws IOException {
    try (ZipInputStream entries = new ZipInputStream(zip)) {
      for (ZipEntry e = entries.getNextEntry(); e != null; e = entries.getNextEntry()) {
        requireDataEntry(e.getName(), name);
      }
    }
  }

  /** Refuses an entry of model file {@code name} that is not network data. */
  public static void requireDataEntry(String entry, String name) {
    if (!DATA_ENTRIES.contains(entry)) {
      throw new RefusedEntryException(
          "Model file "
              + name
              + " holds entry '"
              + entry
              + "', which is not network data ("
              + String.join(", ", DATA_ENTRIES)
              + "): refused unread, since DL4J would deserialize Java objects from it");
    }
  }
}
