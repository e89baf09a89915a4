package io.distill.jobs;

import io.distill.jobs.config.ConfigArguments;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.RunConfigException;
import io.distill.jobs.pipeline.DistillPipeline;
import io.distill.student.ModelMetrics;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * {@code run} (also what distill-job.jar does with no command): the whole pipeline from a HOCON configuration. The
 * configuration is loaded and validated before Spark starts.
 */
final class RunCommand implements Command {
  @Override
  public String name() {
    return "run";
  }

  @Override
  public String usage() {
    return String.join("\n",
        "  run [--config FILE.conf] [--set key=value]... [--stages a,b,c]",
        "      import -> teacher -> soft-labels -> students -> evaluate -> report, into distill.run.dir.",
        "      Without --config: the defaults (conf/default.conf: the embedded MNIST slice). Stages whose output",
        "      exists for the same inputs are not redone. `run` may be left out: distill-job.jar --config x.conf");
  }

  @Override
  public Runnable plan(List<String> args) {
    RunConfig config;
    try {
      config = ConfigArguments.parse(args).load();
    } catch (RunConfigException e) {
      throw new UsageException(e.getMessage());
    }
    return () -> {
      SparkSession spark = SparkSession.builder().appName("distill: run " + config.run().dir()).getOrCreate();
      DistillPipeline.Result result = DistillPipeline.of(spark, config).execute();
      System.out.println("Run " + result.runDir() + " succeeded; stages " + result.stages());
      System.out.printf("  %-22s %10s %8s %10s %10s%n", "model", "parameters", "errors", "accuracy", "agreement");
      for (ModelMetrics m : result.metrics()) {
        System.out.printf("  %-22s %,10d %8d %9.2f%% %9.2f%%%n", m.model(), m.parameters(), m.testErrors(),
            100 * m.testAccuracy(), 100 * m.teacherAgreement());
      }
      System.out.println("  report: " + result.runDir() + "/report/report.html");
    };
  }
}
