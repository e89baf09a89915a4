package io.distill.jobs;

import io.distill.jobs.config.Params;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.pipeline.DistillPipeline;
import io.distill.student.ModelMetrics;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code run} (also what distill-job.jar does with no command): the whole pipeline from a HOCON
 * configuration. The configuration is loaded and validated before Spark starts.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "import -> teacher -> soft-labels -> students -> evaluate -> report, into"
          + " distill.run.dir. Without --config: the defaults (conf/default.conf: the embedded MNIST slice). Stages whose"
          + " output exists for the same inputs are not redone. `run` may be left out: distill-job.jar --config x.conf"
    })
final class RunCommand implements JobCommand {
  @Mixin ConfigOptions config = new ConfigOptions();
  @Mixin SessionOptions session = new SessionOptions();

  @Override
  public Runnable plan() {
    RunConfig c = config.load();
    return () -> {
      SparkSession spark = Sessions.create("distill: run " + c.get(Params.RUN_DIR), session);
      print(DistillPipeline.of(spark, c).execute());
    };
  }

  static void print(DistillPipeline.Result result) {
    if (result.metrics().isEmpty()) {
      System.out.println(
          "Run " + result.runDir() + ": stages " + result.stages() + " done (partial: no report)");
      return;
    }
    System.out.println("Run " + result.runDir() + " succeeded; stages " + result.stages());
    System.out.printf(
        "  %-22s %10s %8s %10s %10s%n", "model", "parameters", "errors", "accuracy", "agreement");
    for (ModelMetrics m : result.metrics()) {
      System.out.printf(
          "  %-22s %,10d %8d %9.2f%% %9.2f%%%n",
          m.model(),
          m.parameters(),
          m.testErrors(),
          100 * m.testAccuracy(),
          100 * m.teacherAgreement());
    }
    System.out.println("  report: " + result.runDir() + "/report/report.html");
  }
}
