package io.distill.jobs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.dataformat.yaml.YAMLFactory;

/** The schedules in deploy/ are valid for the tools that read them. */
class DeployFilesTest {
  private static final Path DEPLOY =
      Path.of(System.getProperty("distill.project.dir", ".."), "deploy");

  @TempDir Path dir;

  private record Result(int exitCode, String output) {}

  private static Result run(Path workDir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
    return new Result(p.exitValue(), out);
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void kubernetesManifestIsAScheduledSparkApplicationForTheNightlyCommand() throws Exception {
    JsonNode yaml =
        new ObjectMapper(new YAMLFactory())
            .readTree(DEPLOY.resolve("kubernetes/distill-nightly.yaml").toFile());
    assertEquals("sparkoperator.k8s.io/v1beta2", yaml.path("apiVersion").asText());
    assertEquals("ScheduledSparkApplication", yaml.path("kind").asText());
    assertFalse(yaml.at("/metadata/name").asText().isEmpty());
    assertEquals(5, yaml.at("/spec/schedule").asText().split(" ").length, "a cron schedule");
    JsonNode template = yaml.at("/spec/template");
    for (String field :
        List.of("type", "mode", "image", "mainClass", "mainApplicationFile", "sparkVersion")) {
      assertFalse(template.path(field).asText().isEmpty(), field);
    }
    assertEquals("io.distill.jobs.DistillJob", template.path("mainClass").asText());
    assertEquals("nightly", template.at("/arguments/0").asText());
    assertTrue(template.at("/executor/instances").asInt() >= 1);
    assertEquals(template.path("sparkVersion").asText(), "3.5.3");
  }

  @Test
  void systemdUnitsVerify() throws Exception {
    Assumptions.assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
    // The units name /opt/distill; verify them against this checkout, where nightly.sh exists.
    String project = DEPLOY.getParent().toAbsolutePath().normalize().toString();
    for (String unit : List.of("distill-nightly.service", "distill-nightly.timer")) {
      Files.writeString(
          dir.resolve(unit),
          Files.readString(DEPLOY.resolve("systemd").resolve(unit))
              .replace("/opt/distill", project));
    }
    Result r =
        run(
            dir,
            "systemd-analyze",
            "verify",
            "./distill-nightly.service",
            "./distill-nightly.timer");
    assertEquals(0, r.exitCode(), r.output());
    assertFalse(
        r.output().contains("Unknown key") || r.output().contains("bad-setting"), r.output());
  }

  @Test
  void cronLineCallsTheNightlyScriptDaily() throws Exception {
    List<String> jobs = new ArrayList<>();
    for (String line : Files.readAllLines(DEPLOY.resolve("cron/distill-nightly.cron"))) {
      String t = line.trim();
      if (!t.isEmpty() && !t.startsWith("#") && !t.matches("[A-Z_]+=.*")) {
        jobs.add(t);
      }
    }
    assertEquals(1, jobs.size(), jobs.toString());
    String[] f = jobs.get(0).split("\\s+");
    assertTrue(
        f[0].matches("\\d+")
            && f[1].matches("\\d+")
            && f[2].equals("*")
            && f[3].equals("*")
            && f[4].equals("*"),
        "minute hour * * *: " + jobs.get(0));
    assertEquals("distill", f[5], "an /etc/cron.d line names its user");
    assertTrue(jobs.get(0).contains("deploy/nightly.sh"), jobs.get(0));
  }

  @Test
  void scriptsAndTheAirflowDagParse() throws Exception {
    assertEquals(0, run(dir, "bash", "-n", DEPLOY.resolve("nightly.sh").toString()).exitCode());
    Path dag = DEPLOY.resolve("airflow/distill_nightly_dag.py");
    String text = Files.readString(dag);
    assertTrue(
        text.contains("SparkSubmitOperator(") && text.contains("\"nightly\""),
        "a SparkSubmitOperator task");
    Assumptions.assumeTrue(onPath("python3"), "python3 is not installed");
    // Imported with stand-ins for Airflow's classes (deploy/airflow/check_dag.py), not only parsed.
    Result r =
        run(dir, "python3", DEPLOY.resolve("airflow/check_dag.py").toString(), dag.toString());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("--run-id {{ data_interval_end | ds }}"), r.output());
  }

  @Test
  void nightlyScriptRefusesAMissingJarWithOneLine() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("bash", DEPLOY.resolve("nightly.sh").toString())
            .redirectErrorStream(true);
    pb.environment().put("DISTILL_JAR", dir.resolve("nope.jar").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue());
    assertEquals(
        "distill nightly: no application jar at "
            + dir.resolve("nope.jar")
            + " (build it: mvn -DskipTests package)",
        out);
  }
}
