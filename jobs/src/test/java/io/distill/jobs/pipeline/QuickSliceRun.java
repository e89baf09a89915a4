package io.distill.jobs.pipeline;

import io.distill.jobs.config.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run on the embedded slice quick enough for a unit test: a teacher of 32 hidden units trained
 * for 2 epochs, no jittered copies, students trained for 2 epochs.
 */
final class QuickSliceRun {
  private QuickSliceRun() {}

  /** That run in {@code run}, with {@code more} keys set (or overridden) after these. */
  static RunConfig config(Path run, String... more) {
    List<String> settings =
        new ArrayList<>(
            List.of(
                "run.dir=" + run,
                "teacher.model=null",
                "teacher.hidden=[32]",
                "teacher.epochs=2",
                "soft-labels.transfer-copies=0",
                "students.epochs=2"));
    settings.addAll(List.of(more));
    return RunConfig.load(null, settings);
  }
}
