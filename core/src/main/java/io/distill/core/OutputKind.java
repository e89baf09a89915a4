package io.distill.core;

import java.io.Serializable;

/**
 * What kind of output a published directory is (soft labels, scores, an MNIST import, ...): the job
 * replaces an existing directory only when it is an earlier output of the same kind, which it
 * recognises by the marker {@link AtomicDirectoryCommit#OWNER_FILE} it writes into every output,
 * or, for outputs written before that marker existed, by the {@code legacyMarker} file outputs of
 * this kind always held (null: none).
 */
public record OutputKind(String name, String legacyMarker) implements Serializable {
  public OutputKind {
    if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
      throw new IllegalArgumentException("an output kind is a lower-case word, cannot be: " + name);
    }
  }
}
