package io.distill.jobs.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The text of {@code conf/default.conf}, generated from {@link Params}: every key with its
 * documentation, type, range and default, in sections, as a HOCON file that loads to the defaults.
 * A test keeps the committed file equal to this text ({@code java -cp distill-job.jar
 * io.distill.jobs.config.DefaultsFile > conf/default.conf} rewrites it).
 */
public final class DefaultsFile {
  private static final int WIDTH = 116;

  private DefaultsFile() {}

  public static void main(String[] args) {
    System.out.print(render());
  }

  public static String render() {
    StringBuilder b = new StringBuilder();
    comment(
        b,
        "",
        "The defaults of a distill run: every key, its meaning, type/range and default. Generated from"
            + " io.distill.jobs.config.Params (a test keeps this file equal to it).");
    b.append(
        "#\n#   spark-submit distill-job.jar [--config conf/xyz.conf] [--set key=value ...] [--stages a,b,c]\n#\n");
    comment(
        b,
        "",
        "Precedence: --set/--stages (later ones win) > the --config file > these defaults. A --config"
            + " file only needs the keys it changes (see mnist.conf). --set keys are relative to `distill`"
            + " (students.epochs=5) and their values are HOCON (students.sizes=[{name=a,hidden=[10]}]); a value that is"
            + " not valid HOCON is taken as a plain string (run.dir=s3a://bucket/runs/x). Unknown keys, wrong types and"
            + " out-of-range values are refused before any Spark work, all of them together, each naming its full key.");
    comment(
        b,
        "",
        "With no arguments the job distils the teacher shipped in the jar (trained on the full MNIST"
            + " training split) into students smaller than it (in parameters and forward flops) that see the"
            + " embedded 5,000-image slice; the transfer set and epochs"
            + " below were chosen on that slice's validation split (docs/BENCHMARKS.md, \"The default run\"), and"
            + " each size's settings (T, alpha, logit standardisation, learning rate, decay and seed of the distilled"
            + " student and of its baseline) are what students.search = halving chose there for each model (\"The"
            + " default run with the settings search\"): at 30x30 no distilled setting beat the baseline on"
            + " validation, so its distilled student is a hard-label student (alpha 1).");
    b.append("distill {\n");
    String section = null;
    for (Param<?> p : Params.ALL) {
      if (!p.section().equals(section)) {
        if (section != null && !section.isEmpty()) {
          b.append("  }\n");
        }
        section = p.section();
        b.append('\n');
        if (!section.isEmpty()) {
          String key = section;
          comment(
              b,
              "  ",
              Params.SECTIONS.stream()
                  .filter(s -> s.key().equals(key))
                  .findFirst()
                  .orElseThrow()
                  .doc());
          b.append("  ").append(section).append(" {\n");
        }
      }
      String indent = section.isEmpty() ? "  " : "    ";
      comment(b, indent, p.help());
      b.append(indent).append(p.name()).append(" = ").append(value(p)).append('\n');
    }
    return b.append("}\n").toString();
  }

  private static <T> String value(Param<T> p) {
    if (p == Params.STUDENTS_SIZES) {
      StringBuilder b = new StringBuilder("[\n");
      for (Object size : (List<?>) p.type().plain(p.defaultValue())) {
        b.append("      ").append(ValueReader.hocon(size)).append('\n');
      }
      return b.append("    ]").toString();
    }
    return p.type().render(p.defaultValue());
  }

  /** {@code text} as # comment lines of at most {@value #WIDTH} characters. */
  private static void comment(StringBuilder b, String indent, String text) {
    List<String> words = new ArrayList<>(List.of(text.split(" ")));
    StringBuilder line = new StringBuilder(indent + "#");
    for (String w : words) {
      if (line.length() + 1 + w.length() > WIDTH && line.length() > indent.length() + 1) {
        b.append(line).append('\n');
        line = new StringBuilder(indent + "#");
      }
      line.append(' ').append(w);
    }
    b.append(line).append('\n');
  }
}
