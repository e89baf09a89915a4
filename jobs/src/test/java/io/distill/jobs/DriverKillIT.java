package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distill.core.LocalSpark;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver of a nightly run killed with SIGKILL in the middle of the student sweep (one student
 * finished, the next part-way through its epochs), then the same command run again, as a
 * scheduler's retry would: finished stages and students are not redone, the interrupted student
 * continues from its last epoch checkpoint, the killed run is never marked complete nor pointed at
 * by {@code latest}, and the finished run has the same files as a clean run of the same
 * configuration. Recorded in the reliability table.
 */
class DriverKillIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Each student's epochs: the driver is killed from epoch 2 on, part-way with room to spare. */
  private static final int EPOCHS = 6;

  private static final List<String> SMALL =
      List.of(
          "--set",
          "teacher.model=null",
          "--set",
          "teacher.hidden=[32]",
          "--set",
          "teacher.epochs=1",
          "--set",
          "students.epochs=" + EPOCHS,
          "--set",
          "students.sizes=[{name=a, hidden=[64]}, {name=b, hidden=[32]}]",
          "--set",
          "training.workers=2",
          // The training rows alone (no jittered transfer set): a third of the work per run.
          "--set",
          "soft-labels.transfer-copies=0");

  @TempDir Path dir;

  private List<String> nightly(Path root, String runId) {
    List<String> c =
        new ArrayList<>(
            List.of(
                "bash",
                new File(Processes.PROJECT, "bin/spark-submit").getAbsolutePath(),
                "--master",
                "local[2]",
                new File(Processes.PROJECT, "jobs/target/distill-job.jar").getAbsolutePath(),
                "nightly",
                "--runs-root",
                root.toString(),
                "--run-id",
                runId));
    c.addAll(SMALL);
    return c;
  }

  @Test
  void aKilledDriverResumesWhereItStoppedAndPublishesNothingHalfDone() throws Exception {
    Path root = dir.resolve("nightly");
    Path run = root.resolve("night-1");
    Path killedLog = dir.resolve("killed.log");
    Process driver = Processes.start(killedLog, Map.of(), nightly(root, "night-1"));
    try {
      Processes.await(
          600,
          "a-baseline done and a-distilled past its second epoch",
          killedLog,
          () ->
              Files.exists(run.resolve("_stages/students/a-baseline.json"))
                  && lastCheckpoint(run.resolve("students/a-distilled")) >= 2);
      Processes.killTree(driver.toHandle());
    } finally {
      if (driver.isAlive()) {
        Processes.killTree(driver.toHandle());
      }
    }
    // Killed: not complete, not published as latest, the sweep's progress kept on disk.
    assertFalse(Files.exists(run.resolve("_SUCCESS")), "a killed run has no _SUCCESS");
    assertFalse(Files.exists(root.resolve("latest")), "latest never points at an unfinished run");
    assertEquals("running", manifest(run).path("status").asText());
    assertFalse(Files.exists(run.resolve("_stages/students/a-distilled.json")));
    int checkpointed = lastCheckpoint(run.resolve("students/a-distilled"));
    assertTrue(
        checkpointed >= 2 && checkpointed < EPOCHS,
        "a-distilled was part-way: epoch " + checkpointed);
    ReliabilityTable.record(
        "driver killed (SIGKILL) mid-sweep (nightly run)",
        "no _SUCCESS, latest not moved, finished work kept",
        "no _SUCCESS; manifest status 'running'; latest absent; a-baseline done, a-distilled checkpointed at epoch "
            + checkpointed
            + " of "
            + EPOCHS,
        "-",
        "0 runs published");

    // The same command again resumes.
    Path resumedLog = dir.resolve("resumed.log");
    Processes.Result resumed = Processes.run(resumedLog, 15, Map.of(), nightly(root, "night-1"));
    assertEquals(0, resumed.exitCode(), resumed.tail());
    String log = resumed.output();
    assertTrue(
        log.contains("Student a-baseline: already trained for these inputs"),
        "a-baseline not redone");
    Matcher m =
        Pattern.compile("Training student a-distilled: resuming after epoch (\\d+)").matcher(log);
    assertTrue(m.find(), "a-distilled resumed from its checkpoint:\n" + resumed.tail());
    int resumedAfter = Integer.parseInt(m.group(1));
    assertEquals(checkpointed, resumedAfter, "resumed from the last checkpoint on disk");
    JsonNode stages = manifest(run).path("stages");
    for (String stage : List.of("import", "teacher", "soft-labels")) {
      assertEquals("reused", stages.path(stage).path("status").asText(), stage + " was not redone");
    }
    assertEquals("ran", stages.path("students").path("status").asText());
    assertEquals(
        EPOCHS,
        JSON.readTree(run.resolve("_stages/students/a-distilled.json").toFile())
            .path("output")
            .path("history")
            .size(),
        "the resumed student has all its epochs in its history");
    assertTrue(Files.exists(run.resolve("_SUCCESS")));
    assertEquals("night-1", Files.readString(root.resolve("latest")).trim());

    // Same structure as a clean run of the same configuration.
    Processes.Result clean =
        Processes.run(dir.resolve("clean.log"), 15, Map.of(), nightly(root, "night-clean"));
    assertEquals(0, clean.exitCode(), clean.tail());
    Set<String> resumedFiles = structure(run);
    Set<String> cleanFiles = structure(root.resolve("night-clean"));
    assertEquals(cleanFiles, resumedFiles, "the resumed run has the files of a clean run");
    Map<String, Double> a = RunOutputs.accuracies(run);
    Map<String, Double> b = RunOutputs.accuracies(root.resolve("night-clean"));
    assertEquals(b.keySet(), a.keySet());
    StringBuilder acc = new StringBuilder();
    for (String model : a.keySet()) {
      assertTrue(
          Math.abs(a.get(model) - b.get(model)) <= 0.02,
          model + ": " + a.get(model) + " vs clean " + b.get(model));
      acc.append(
          String.format(
              " %s %.1f %% (clean %.1f %%);", model, 100 * a.get(model), 100 * b.get(model)));
    }
    long rows =
        LocalSpark.session().read().parquet(run.resolve("soft-labels/train").toString()).count();
    ReliabilityTable.record(
        "same command rerun after the driver kill",
        "finished stages and students not redone; the interrupted student continues from its last epoch; outputs"
            + " equal a clean run's structure",
        "exit 0; import/teacher/soft-labels reused; a-baseline not retrained; a-distilled resumed after epoch "
            + resumedAfter
            + "; "
            + resumedFiles.size()
            + " files, same paths as a clean run;"
            + acc
            + " latest -> night-1",
        "5000 train rows",
        rows + " soft-label rows");
  }

  private static JsonNode manifest(Path run) throws IOException {
    return JSON.readTree(run.resolve("manifest.json").toFile());
  }

  /**
   * The epoch of the student's last complete checkpoint: what its {@code checkpoint.json} points at
   * (written, by one rename, after the epoch's model file; a model file it does not point at yet is
   * not a checkpoint).
   */
  private static int lastCheckpoint(Path model) {
    if (!Files.isDirectory(model)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(model)) {
      List<Path> pointers =
          s.filter(p -> p.getFileName().toString().equals("checkpoint.json")).toList();
      int epoch = 0;
      for (Path p : pointers) {
        epoch = Math.max(epoch, JSON.readTree(p.toFile()).path("epoch").asInt());
      }
      return epoch;
    } catch (IOException | UncheckedIOException e) {
      return 0; // a checkpoint directory deleted while walking it: none
    }
  }

  /**
   * Relative paths of a run's files, part files numbered without their random ids, checksums left
   * out.
   */
  private static Set<String> structure(Path run) throws IOException {
    try (Stream<Path> s = Files.walk(run)) {
      return s.filter(Files::isRegularFile)
          .map(p -> run.relativize(p).toString())
          .filter(p -> !p.endsWith(".crc"))
          .map(p -> p.replaceAll("part-(\\d+)-[0-9a-f-]+(-c\\d+)?", "part-$1"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
