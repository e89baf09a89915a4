package io.distill.jobs.config;

import java.util.List;

/**
 * A run configuration or command line that cannot be used: unknown keys, wrong types, out-of-range
 * values, an unreadable config file, a malformed {@code --set} or an unknown flag. Thrown before
 * any Spark work. The message holds every problem found, one per line, each naming its full key
 * (such as {@code distill.students.sizes[2].hidden}), what was expected and what was got; {@link
 * #problems()} lists them.
 */
public final class RunConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /** One exception for all of {@code problems} (at least one), which become the message's lines. */
  public RunConfigException(List<String> problems) {
    super(String.join("\n", requireSome(problems)));
    this.problems = List.copyOf(problems);
  }

  /** A single problem. */
  public RunConfigException(String problem) {
    this(List.of(problem));
  }

  /** The problems, in the order found; the message is these joined with newlines. */
  public List<String> problems() {
    return problems;
  }

  private static List<String> requireSome(List<String> problems) {
    if (problems == null || problems.isEmpty()) {
      throw new IllegalArgumentException("a RunConfigException needs at least one problem");
    }
    return problems;
  }
}
