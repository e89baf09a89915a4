package org.example.gadget;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A class whose deserialization has a side effect, as an attacker's gadget would: {@link #ran} is
 * set when any {@code ObjectInputStream} reads one. Tests put one into a model zip as {@code
 * preprocessor.bin} (which DL4J's ModelSerializer deserializes) and check it is never read.
 */
public final class Gadget implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Whether a Gadget was ever deserialized in this JVM. */
  public static volatile boolean ran;

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    ran = true;
  }

  /** A copy of a model zip with one more entry, {@code preprocessor.bin}, holding a Gadget. */
  public static byte[] inModelZip(byte[] zip) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
        ZipOutputStream z = new ZipOutputStream(out)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        z.putNextEntry(new ZipEntry(e.getName()));
        in.transferTo(z);
        z.closeEntry();
      }
      z.putNextEntry(new ZipEntry("preprocessor.bin"));
      ByteArrayOutputStream gadget = new ByteArrayOutputStream();
      try (ObjectOutputStream o = new ObjectOutputStream(gadget)) {
        o.writeObject(new Gadget());
      }
      z.write(gadget.toByteArray());
      z.closeEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
