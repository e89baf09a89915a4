package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every key declared in {@link Params} is in {@link Params#ALL}, once: what the loader,
 * default.conf and --help use.
 */
class ParamsTest {
  @Test
  void everyPublicStaticParamIsInAll() throws Exception {
    Set<Param<?>> declared = new HashSet<>();
    for (Field f : Params.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && Param.class.isAssignableFrom(f.getType())) {
        assertTrue(Modifier.isPublic(f.getModifiers()), f.getName() + " is not public");
        Param<?> p = (Param<?>) f.get(null);
        assertTrue(Params.ALL.contains(p), f.getName() + " (" + p.key() + ") is not in Params.ALL");
        declared.add(p);
      }
    }
    assertEquals(
        declared.size(), Params.ALL.size(), "Params.ALL holds only the declared keys, each once");
    Set<String> keys = new HashSet<>();
    Params.ALL.forEach(p -> assertTrue(keys.add(p.key()), "two declarations of " + p.key()));
  }
}
