package io.distill.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.Path;

/**
 * Fencing for publishes: a run that holds a directory (its lease) registers a check here, and every
 * publish under that directory ({@link AtomicDirectoryCommit#commit()}, {@link
 * HadoopFiles#publishFile}) runs it first. A run that has lost its lease to another therefore
 * publishes nothing more: the check throws, naming the new holder, before anything is renamed into
 * place.
 */
public final class PublishFence {
  /** A holder's check: throws {@link IllegalStateException} when it no longer holds. */
  @FunctionalInterface
  public interface Check {
    void requireHeld();
  }

  private static final Map<String, Check> HELD = new ConcurrentHashMap<>();

  private PublishFence() {}

  /** Registers {@code check} for publishes under {@code root} (a qualified directory URI). */
  public static void register(String root, Check check) {
    HELD.put(withSlash(root), check);
  }

  /** Removes the check registered for {@code root}, if it is {@code check}. */
  public static void unregister(String root, Check check) {
    HELD.remove(withSlash(root), check);
  }

  /** Runs the check of every registered directory that holds {@code target}. */
  static void requireHeld(Path target) {
    if (HELD.isEmpty()) {
      return;
    }
    String path = target.toString();
    HELD.forEach(
        (root, check) -> {
          if (path.startsWith(root)) {
            check.requireHeld();
          }
        });
  }

  private static String withSlash(String root) {
    return root.endsWith("/") ? root : root + "/";
  }
}
