package io.distill.jobs.config;

import java.util.Objects;

/**
 * One key of the run configuration, declared once with its type (which reads, checks and writes its
 * values), its default and its documentation, in the spirit of Spark ML's {@code Param}. Everything
 * else derives from the declarations in {@link Params}: loading and validation ({@link
 * RunConfig#load}), {@code conf/default.conf} ({@link DefaultsFile}), the manifest's resolved
 * configuration ({@link RunConfig#asMap()}) and the sub-commands' options ({@link
 * io.distill.jobs.ParamOptions}).
 *
 * @param <T> the value's Java type
 */
public final class Param<T> {
  private final String key;
  private final ParamType<T> type;
  private final T defaultValue;
  private final String doc;

  Param(String key, ParamType<T> type, T defaultValue, String doc) {
    this.key = Objects.requireNonNull(key, "key");
    this.type = Objects.requireNonNull(type, "type");
    this.defaultValue = defaultValue;
    this.doc = Objects.requireNonNull(doc, "doc");
  }

  /** The key relative to {@value RunConfig#ROOT}, e.g. {@code students.epochs}. */
  public String key() {
    return key;
  }

  /** The full key, e.g. {@code distill.students.epochs}. */
  public String path() {
    return RunConfig.ROOT + "." + key;
  }

  /** The object the key lives in ({@code students}), or "" for a top-level key ({@code stages}). */
  public String section() {
    int dot = key.lastIndexOf('.');
    return dot < 0 ? "" : key.substring(0, dot);
  }

  /** The key's own name, e.g. {@code epochs}. */
  public String name() {
    return key.substring(key.lastIndexOf('.') + 1);
  }

  public ParamType<T> type() {
    return type;
  }

  public T defaultValue() {
    return defaultValue;
  }

  /** What the key means, in prose (without the type and default, which {@link #help()} adds). */
  public String doc() {
    return doc;
  }

  /** The documentation with the type, range and default: what default.conf and --help print. */
  public String help() {
    return doc + " " + type.describe() + ". Default: " + type.render(defaultValue) + ".";
  }

  @Override
  public String toString() {
    return path();
  }
}
