package io.distill.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The run directory's layout is declared once ({@link RunLayout}); the README shows that
 * declaration.
 */
class RunLayoutTest {
  @Test
  void theReadmesLayoutTableIsTheDeclaredLayout() throws Exception {
    String readme =
        Files.readString(
            Path.of(System.getProperty("distill.project.dir", "..")).resolve("README.md"));
    assertTrue(
        readme.contains(RunLayout.markdownTable()),
        "README.md's run-directory table differs from RunLayout;"
            + " regenerate it: java -cp jobs/target/distill-job.jar io.distill.jobs.pipeline.RunLayout\n"
            + RunLayout.markdownTable());
  }

  @Test
  void everyEntryHasItsOwnPathAndTheAccessorsUseThem() {
    Set<String> paths = new HashSet<>();
    for (RunLayout entry : RunLayout.values()) {
      assertTrue(paths.add(entry.relative()), "two entries at " + entry.relative());
    }
    RunDirectory run = new RunDirectory("file:///tmp/r", new Configuration());
    assertEquals("file:/tmp/r/quarantine/import", run.quarantine());
    assertEquals("file:/tmp/r/teacher/model.zip", run.teacherModel());
    assertEquals("file:/tmp/r/soft-labels/transfer", run.softLabels("transfer"));
    assertEquals("file:/tmp/r/transfer/train", run.transfer("train"));
    assertEquals("file:/tmp/r/" + RunLayout.STUDENTS.relative(), run.students());
    assertEquals(
        "teacher/checkpoints-0123456789abcdef",
        RunDirectory.teacherCheckpoints("0123456789abcdef00"));
  }
}
