package io.distill.jobs.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The key structure {@link Params} declares (objects and the keys each holds) and the refusal of
 * unknown keys with a hint: the nearest known key of the same object, or a key of that name
 * elsewhere.
 */
final class Keys {
  static final String SIZES_PATH = "distill.students.sizes[]";

  /**
   * Known keys of each object, by full path, in declaration order: distill → run, data, ...;
   * distill.run → dir.
   */
  static final Map<String, List<String>> KEYS = structure();

  private Keys() {}

  private static Map<String, List<String>> structure() {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    keys.put(RunConfig.ROOT, new ArrayList<>());
    for (Param<?> p : Params.ALL) {
      String object = p.section().isEmpty() ? RunConfig.ROOT : RunConfig.ROOT + "." + p.section();
      if (!keys.containsKey(object)) {
        keys.get(RunConfig.ROOT).add(p.section());
        keys.put(object, new ArrayList<>());
      }
      keys.get(object).add(p.name());
    }
    keys.replaceAll((k, v) -> List.copyOf(v));
    return keys;
  }

  /** Reports the keys of {@code o} (at {@code path}) that the schema does not know. */
  static void checkUnknown(ConfigObject o, String path, List<String> problems) {
    checkUnknown(
        o, path, path.isEmpty() ? List.of(RunConfig.ROOT) : KEYS.get(path), path, problems);
  }

  /**
   * Reports the keys of {@code o} not in {@code known}; {@code schemaPath} names the schema for
   * hints.
   */
  static void checkUnknown(
      ConfigObject o, String path, List<String> known, String schemaPath, List<String> problems) {
    for (String key : new TreeSet<>(o.keySet())) {
      if (known.contains(key)) {
        continue;
      }
      String quoted = ConfigUtil.joinPath(key);
      if (path.isEmpty()) {
        String full = RunConfig.ROOT + "." + quoted;
        boolean misplaced = KEYS.containsKey(full) || KEYS.get(RunConfig.ROOT).contains(key);
        problems.add(
            quoted
                + " is not a known key: every key lives under '"
                + RunConfig.ROOT
                + "'"
                + (misplaced ? " (did you mean " + full + "?)" : ""));
        continue;
      }
      String hint = "";
      String near = nearest(key, known);
      if (near != null) {
        hint = " (did you mean '" + near + "'?)";
      } else {
        List<String> elsewhere = elsewhere(key, schemaPath);
        if (!elsewhere.isEmpty()) {
          hint = " (did you mean " + String.join(" or ", elsewhere) + "?)";
        }
      }
      problems.add(
          path
              + "."
              + quoted
              + " is not a known key"
              + hint
              + "; "
              + path
              + " has: "
              + String.join(", ", known));
    }
  }

  /** Keys of the same (normalized) name in other objects of the schema, by full path. */
  private static List<String> elsewhere(String key, String schemaPath) {
    Set<String> found = new LinkedHashSet<>();
    for (Map.Entry<String, List<String>> e : KEYS.entrySet()) {
      for (String k : e.getValue()) {
        if (!e.getKey().equals(schemaPath) && normalize(k).equals(normalize(key))) {
          found.add(e.getKey() + "." + k);
        }
      }
    }
    if (!schemaPath.equals(SIZES_PATH)) {
      for (String k : ParamTypes.SIZE_KEYS) {
        if (normalize(k).equals(normalize(key)) && !found.contains("distill.students." + k)) {
          found.add(SIZES_PATH + "." + k);
        }
      }
    }
    return new ArrayList<>(found);
  }

  /** The closest of {@code candidates} to {@code key}, if close enough to be a likely typo. */
  static String nearest(String key, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int distance =
          normalize(c).equals(normalize(key)) ? 0 : levenshtein(key.toLowerCase(Locale.ROOT), c);
      if (distance < bestDistance) {
        best = c;
        bestDistance = distance;
      }
    }
    return best != null && bestDistance <= Math.min(2, Math.max(1, key.length() / 3)) ? best : null;
  }

  private static String normalize(String key) {
    return key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
  }

  private static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
