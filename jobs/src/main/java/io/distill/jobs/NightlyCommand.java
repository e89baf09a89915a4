package io.distill.jobs;

import io.distill.core.HadoopFiles;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.pipeline.DistillPipeline;
import io.distill.jobs.pipeline.RunDirectory;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nightly}: the pipeline into {@code <runs-root>/<run-id>}, the run id being today's UTC
 * date unless given, then {@code <runs-root>/latest} (a one-line file holding the run id) moved to
 * it — only once the run has written {@code _SUCCESS}. Rerunning the same night reuses every
 * finished stage and student.
 */
@Command(
    name = "nightly",
    mixinStandardHelpOptions = true,
    description = {
      "The pipeline into DIR/ID (ID: today's UTC date, yyyy-MM-dd, unless given);"
          + " DIR/latest is updated to ID only after the run's _SUCCESS. A rerun of the same ID reuses finished stages."
    })
final class NightlyCommand implements JobCommand {
  static final String LATEST = "latest";
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_.-]+");

  @Option(
      names = "--runs-root",
      paramLabel = "DIR",
      required = true,
      description = "Where the nightly runs go.")
  String root;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "The run's name; default: today's UTC date.")
  String runId = LocalDate.now(ZoneOffset.UTC).toString();

  @Mixin ConfigOptions config = new ConfigOptions();
  @Mixin SessionOptions session = new SessionOptions();

  @Override
  public Runnable plan() {
    if (root.isBlank()) {
      throw new UsageException("nightly: --runs-root must not be blank");
    }
    if (!RUN_ID.matcher(runId).matches()
        || runId.equals(LATEST)
        || runId.equals(".")
        || runId.equals("..")) {
      throw new UsageException(
          "nightly: --run-id must match [A-Za-z0-9_.-]+ and not be 'latest', cannot be: " + runId);
    }
    String runsRoot = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    String id = runId;
    RunConfig c = config.load("run.dir=" + runsRoot + "/" + id);
    return () -> {
      SparkSession spark = Sessions.create("distill: nightly " + id, session);
      DistillPipeline.Result result = DistillPipeline.of(spark, c).execute();
      RunDirectory run =
          new RunDirectory(result.runDir(), spark.sparkContext().hadoopConfiguration());
      if (!run.exists(run.path(RunDirectory.SUCCESS))) {
        throw new IllegalStateException(
            "Run " + result.runDir() + " has no _SUCCESS; " + LATEST + " not moved");
      }
      HadoopFiles.publishFile(
          runsRoot + "/" + LATEST,
          spark.sparkContext().hadoopConfiguration(),
          out -> out.write((id + "\n").getBytes(StandardCharsets.UTF_8)));
      System.out.println(
          "Nightly run "
              + id
              + " succeeded: "
              + result.runDir()
              + "; "
              + runsRoot
              + "/"
              + LATEST
              + " -> "
              + id);
    };
  }
}
