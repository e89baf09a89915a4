package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * A fingerprint that forgets a setting reuses a stale model: every field of {@link
 * TrainingSettings} but the checkpoint directory must change {@link TrainingSettings#fingerprint()}
 * (once {@code shuffle} and {@code threadsPerTask} were left out).
 */
class TrainingSettingsFingerprintTest {
  @Test
  void everySettingChangesTheFingerprint() throws Exception {
    TrainingSettings base = TrainingSettings.builder().build();
    int checked = 0;
    for (Field f : TrainingSettings.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      TrainingSettings changed = base.toBuilder().build();
      f.setAccessible(true);
      f.set(changed, other(f.getType(), f.get(base)));
      if (f.getName().equals("checkpointDir")) {
        assertEquals(
            base.fingerprint(),
            changed.fingerprint(),
            "where checkpoints go is not how a model trains");
      } else {
        assertNotEquals(
            base.fingerprint(), changed.fingerprint(), f.getName() + " is not in the fingerprint");
        checked++;
      }
    }
    assertEquals(12, checked, "settings checked");
  }

  private static Object other(Class<?> type, Object value) {
    if (type == int.class) {
      return (Integer) value + 1;
    }
    if (type == long.class) {
      return (Long) value + 1;
    }
    if (type == double.class) {
      return (Double) value + 1;
    }
    if (type == boolean.class) {
      return !(Boolean) value;
    }
    if (type == String.class) {
      return "file:/tmp/elsewhere";
    }
    if (type == InputJitter.class) {
      return InputJitter.square(784, 3);
    }
    throw new AssertionError("a setting of a type this test does not know: " + type + "; teach it");
  }
}
