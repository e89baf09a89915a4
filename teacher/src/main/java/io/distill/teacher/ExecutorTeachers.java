package io.distill.teacher;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.hadoop.conf.Configuration;

/**
 * Teachers held by an executor JVM. The model file is read once per JVM (per path and content
 * hash), and its bytes must have the sha256 the driver recorded (a teacher replaced mid-run fails
 * the task naming both hashes); each task thread then borrows its own copy (a DL4J network must not
 * be shared by threads running at once), cloned in memory from the first, and gives it back for the
 * next task.
 */
final class ExecutorTeachers {
  private static final Map<String, TeacherModel> LOADED = new ConcurrentHashMap<>();
  private static final Map<String, Queue<TeacherModel>> IDLE = new ConcurrentHashMap<>();
  private static final Map<String, Integer> LOADS = new ConcurrentHashMap<>();

  private ExecutorTeachers() {}

  static TeacherModel borrow(String path, String sha256, TeacherInput input, Configuration conf) {
    String key = path + "#" + sha256 + "#" + input;
    TeacherModel idle = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
    if (idle != null) {
      return idle;
    }
    TeacherModel first = LOADED.get(key);
    if (first == null) {
      synchronized (ExecutorTeachers.class) {
        first = LOADED.get(key);
        if (first == null) {
          first =
              TeacherModelFile.load(
                  path, conf, sha256, input); // the driver's bytes, or the task fails
          LOADS.merge(key, 1, Integer::sum);
          LOADED.put(key, first);
          return first;
        }
      }
    }
    return first.copy();
  }

  static void giveBack(String path, String sha256, TeacherInput input, TeacherModel teacher) {
    IDLE.computeIfAbsent(path + "#" + sha256 + "#" + input, k -> new ConcurrentLinkedQueue<>())
        .add(teacher);
  }

  /** How many times this JVM read the teacher's file (for tests: once). */
  static int loads(String path, String sha256, TeacherInput input) {
    return LOADS.getOrDefault(path + "#" + sha256 + "#" + input, 0);
  }
}
