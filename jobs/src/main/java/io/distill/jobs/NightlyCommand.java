package io.distill.jobs;

import io.distill.dataset.HadoopFiles;
import io.distill.jobs.config.ConfigArguments;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.RunConfigException;
import io.distill.jobs.pipeline.DistillPipeline;
import io.distill.jobs.pipeline.RunDirectory;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * {@code nightly}: the pipeline into {@code <runs-root>/<run-id>}, the run id being today's UTC date unless given,
 * then {@code <runs-root>/latest} (a one-line file holding the run id) moved to it — only once the run has written
 * {@code _SUCCESS}. Rerunning the same night reuses every finished stage and student. Exit codes as for every
 * command: 0 success, 1 failed (one line on stderr), 2 bad command line.
 */
final class NightlyCommand implements Command {
  static final String LATEST = "latest";
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_.-]+");

  @Override
  public String name() {
    return "nightly";
  }

  @Override
  public String usage() {
    return String.join("\n",
        "  nightly --runs-root DIR [--run-id ID] [--config FILE.conf] [--set key=value]... [--stages a,b,c]",
        "      The pipeline into DIR/ID (ID: today's UTC date, yyyy-MM-dd, unless given); DIR/latest is updated",
        "      to ID only after the run's _SUCCESS. A rerun of the same ID reuses finished stages.");
  }

  @Override
  public Runnable plan(List<String> args) {
    String root = null;
    String runId = LocalDate.now(ZoneOffset.UTC).toString();
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("--runs-root") || a.equals("--run-id")) && i + 1 >= args.size()) {
        throw new UsageException(name() + ": option " + a + " needs a value");
      }
      if (a.equals("--runs-root")) {
        root = args.get(++i);
      } else if (a.equals("--run-id")) {
        runId = args.get(++i);
      } else {
        rest.add(a);
      }
    }
    if (root == null || root.isBlank()) {
      throw new UsageException(name() + ": --runs-root is required");
    }
    if (!RUN_ID.matcher(runId).matches() || runId.equals(LATEST) || runId.equals(".") || runId.equals("..")) {
      throw new UsageException(name() + ": --run-id must match [A-Za-z0-9_.-]+ and not be 'latest', cannot be: "
          + runId);
    }
    String runsRoot = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    String id = runId;
    rest.add("--set");
    rest.add("run.dir=" + runsRoot + "/" + id);
    RunConfig config;
    try {
      config = ConfigArguments.parse(rest).load();
    } catch (RunConfigException e) {
      throw new UsageException(e.getMessage());
    }
    return () -> {
      SparkSession spark = SparkSession.builder().appName("distill: nightly " + id).getOrCreate();
      DistillPipeline.Result result = DistillPipeline.of(spark, config).execute();
      RunDirectory run = new RunDirectory(result.runDir(), spark.sparkContext().hadoopConfiguration());
      if (!run.exists(run.path(RunDirectory.SUCCESS))) {
        throw new IllegalStateException("Run " + result.runDir() + " has no _SUCCESS; " + LATEST + " not moved");
      }
      HadoopFiles.publishFile(runsRoot + "/" + LATEST, spark.sparkContext().hadoopConfiguration(),
          out -> out.write((id + "\n").getBytes(StandardCharsets.UTF_8)));
      System.out.println("Nightly run " + id + " succeeded: " + result.runDir() + "; " + runsRoot + "/" + LATEST
          + " -> " + id);
    };
  }
}
