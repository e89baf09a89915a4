package io.distill.jobs;

import io.distill.jobs.config.ConfigArguments;
import io.distill.jobs.config.RunConfig;
import io.distill.jobs.config.RunConfigException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The run configuration on the command line, shared by {@code run} and {@code nightly}: {@code
 * --config FILE}, {@code --set key=value}, {@code --stages a,b,c} (shorthand for {@code --set
 * stages=[a,b,c]}) and {@code --max-bad-rows N} (for {@code --set data.max-bad-rows=N}); {@code
 * --set} and {@code --stages} may repeat, later ones win.
 */
final class ConfigOptions {
  private String configFile;
  private final List<String> overrides = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "A HOCON run configuration (conf/mnist.conf); it"
              + " only needs the keys it changes from conf/default.conf.")
  void config(String file) {
    if (configFile != null) {
      problems.add("--config given twice ('" + configFile + "' and '" + file + "')");
    }
    configFile = file;
  }

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Sets one key of the run configuration, relative"
              + " to distill (students.epochs=5); the value is HOCON, or a plain string where it is not.")
  void set(String keyValue) {
    overrides.add(keyValue);
  }

  @Option(
      names = "--stages",
      paramLabel = "A,B,C",
      description =
          "The stages to run, any of "
              + "import, teacher, soft-labels, students, evaluate, report.")
  void stages(String names) {
    String stages = ConfigArguments.stages(names);
    if (stages == null) {
      problems.add(
          "--stages expects a comma-separated list of stage names ("
              + String.join(",", RunConfig.STAGES)
              + "), got '"
              + names
              + "'");
    } else {
      overrides.add(stages);
    }
  }

  @Option(
      names = "--max-bad-rows",
      paramLabel = "N",
      description =
          "Shorthand for --set data.max-bad-rows=N: up to"
              + " N rows of each split that fail the import's checks go to run.dir/quarantine/import/ and the run goes on.")
  void maxBadRows(String n) {
    overrides.add("data.max-bad-rows=" + n);
  }

  @Option(
      names = "--target",
      paramLabel = "accuracy-drop=P%|agreement=A",
      description =
          "Distil to a target, judged on the validation rows: accuracy-drop=0.5% (at most 0.5"
              + " points of accuracy below the teacher's; shorthand for --set"
              + " students.target-accuracy-drop=0.5) or agreement=0.99 (the student predicts the"
              + " teacher's class on at least 99 % of the rows; 99% is the same; shorthand for --set"
              + " students.target-agreement=0.99); may repeat: a student must meet every target. The"
              + " run ends by naming the smallest distilled student that does; when none of the"
              + " sweep does, wider ones are grown first (students.target-grow-steps), and between"
              + " one that meets it and a smaller one that misses, narrower ones are tried"
              + " (students.target-narrow-steps).")
  void target(String target) {
    String t = target.trim();
    int eq = t.indexOf('=');
    String name = eq < 0 ? t : t.substring(0, eq).trim();
    String value = eq < 0 ? "" : t.substring(eq + 1).trim();
    boolean percent = value.endsWith("%");
    String number = percent ? value.substring(0, value.length() - 1).trim() : value;
    Double x = null;
    try {
      x = Double.valueOf(number);
    } catch (NumberFormatException e) {
      // named below
    }
    if (x != null && Double.isFinite(x) && name.equals("accuracy-drop")) {
      overrides.add("students.target-accuracy-drop=" + x); // points, with or without %
    } else if (x != null && Double.isFinite(x) && name.equals("agreement")) {
      overrides.add("students.target-agreement=" + (percent ? x / 100 : x));
    } else {
      problems.add(
          "--target expects accuracy-drop=<points>% or agreement=<fraction>, e.g."
              + " accuracy-drop=0.5% or agreement=0.99, got '"
              + target
              + "'");
    }
  }

  /**
   * These options and {@code more} overrides, loaded and checked; a bad configuration is a usage
   * error.
   */
  RunConfig load(String... more) {
    if (!problems.isEmpty()) {
      throw new UsageException(String.join("\n", problems));
    }
    List<String> all = new ArrayList<>(overrides);
    all.addAll(List.of(more));
    try {
      return new ConfigArguments(configFile, all).load();
    } catch (RunConfigException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
