package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad configuration is refused by {@link RunConfig#load}, naming the key, expectation
 * and value.
 */
class RunConfigRefusalTest {
  @TempDir Path dir;

  private static RunConfigException refused(String... overrides) {
    return assertThrows(RunConfigException.class, () -> RunConfig.load(null, List.of(overrides)));
  }

  /** The single problem of loading with these overrides. */
  private static String problem(String... overrides) {
    RunConfigException e = refused(overrides);
    assertEquals(1, e.problems().size(), e.getMessage());
    assertEquals(e.problems().get(0), e.getMessage());
    return e.getMessage();
  }

  @Test
  void wrongTypesNameKeyExpectationAndValue() {
    assertEquals(
        "distill.students.epochs must be an integer >= 1, got STRING 'three'",
        problem("students.epochs=three"));
    assertEquals(
        "distill.students.batch-size must be an integer >= 1, got NUMBER '2.5'",
        problem("students.batch-size=2.5"));
    assertEquals(
        "distill.teacher.learning-rate must be a number > 0, got BOOLEAN 'true'",
        problem("teacher.learning-rate=true"));
    assertEquals(
        "distill.teacher.max-norm must be a number > 0 or null, got STRING 'none'",
        problem("teacher.max-norm=none"));
    assertEquals(
        "distill.teacher.hidden must be a non-empty list of integers >= 1, got NUMBER '1200'",
        problem("teacher.hidden=1200"));
    assertEquals(
        "distill.teacher.hidden[1] must be an integer >= 1, got STRING 'wide'",
        problem("teacher.hidden=[100, wide]"));
    assertEquals(
        "distill.run.dir must be a non-blank string, got LIST '[\"a\",\"b\"]'",
        problem("run.dir=[a, b]"));
    assertEquals(
        "distill.data.input must be a non-blank string, got STRING ''", problem("data.input="));
    assertEquals(
        "distill.teacher.model must be a non-blank string or null, got OBJECT '{\"path\":\"x\"}'",
        problem("teacher.model={path=x}"));
    assertEquals("distill.students must be an object, got NUMBER '5'", problem("students=5"));
    assertEquals(
        "distill.students.epochs must be an integer >= 1, got NULL",
        problem("students.epochs=null"));
    assertEquals(
        "distill.stages must be a list of stage names (import, teacher, soft-labels, students, "
            + "evaluate, report), got STRING 'teacher'",
        problem("stages=teacher"));
    assertEquals(
        "distill.training.seed must be an integer, got NUMBER '0.5'", problem("training.seed=0.5"));
  }

  @Test
  void outOfRangeValuesNameKeyRangeAndValue() {
    assertEquals(
        "distill.students.alpha must be in [0, 1], cannot be: 1.5", problem("students.alpha=1.5"));
    assertEquals(
        "distill.students.search must be one of off, halving, got STRING 'grid'",
        problem("students.search=grid"));
    assertEquals(
        "distill.students.sizes[0].baseline-lr-decay must be in (0, 1], cannot be: 1.5",
        problem("students.sizes=[{name=a, hidden=[1], baseline-lr-decay=1.5}]"));
    assertEquals(
        "distill.students.sizes[0].standardise must be true or false, got STRING 'yes please'",
        problem("students.sizes=[{name=a, hidden=[1], standardise=\"yes please\"}]"));
    assertEquals(
        "distill.students.sizes[0].dkd-beta must be >= 0, cannot be: -8",
        problem("students.sizes=[{name=a, hidden=[1], dkd-beta=-8}]"));
    assertEquals(
        "distill.students.sizes[0].width is the width factor of a dl4j-json size; an MLP's widths"
            + " are its hidden list, cannot be: 2.0",
        problem("students.sizes=[{name=a, hidden=[1], width=2}]"));
    assertEquals(
        "distill.students.sizes[0].width must be > 0, cannot be: 0",
        problem("students.sizes=[{name=a, dl4j-json=\"a.json\", width=0}]"));
    assertEquals(
        "distill.students.search-dkd-betas[0] must be >= 0, cannot be: -1",
        problem("students.search-dkd-betas=[-1]"));
    assertEquals(
        "distill.students.epochs must be >= 1, cannot be: 0", problem("students.epochs=0"));
    assertEquals(
        "distill.teacher.momentum must be in [0, 1), cannot be: 1", problem("teacher.momentum=1"));
    assertEquals(
        "distill.teacher.input-retain must be in (0, 1], cannot be: 0",
        problem("teacher.input-retain=0"));
    assertEquals(
        "distill.students.hidden-retain must be in (0, 1], cannot be: 1.01",
        problem("students.hidden-retain=1.01"));
    assertEquals(
        "distill.teacher.max-norm must be > 0 or null, cannot be: 0",
        problem("teacher.max-norm=0"));
    assertEquals(
        "distill.soft-labels.temperature must be > 0, cannot be: -4",
        problem("soft-labels.temperature=-4"));
    assertEquals(
        "distill.training.workers must be >= 0, cannot be: -1", problem("training.workers=-1"));
    assertEquals(
        "distill.evaluation.latency-calls must be >= 200, cannot be: 199",
        problem("evaluation.latency-calls=199"));
    assertEquals(
        "distill.data.rows-per-partition must be <= 2147483647, cannot be: 3000000000",
        problem("data.rows-per-partition=3000000000"));
    assertEquals(
        "distill.teacher.hidden[0] must be >= 1, cannot be: 0", problem("teacher.hidden=[0, 10]"));
    assertEquals(
        "distill.teacher.hidden must be a non-empty list of integers >= 1, got []",
        problem("teacher.hidden=[]"));
  }

  @Test
  void unknownKeysAnywhereAreRefusedWithTheNearestKnownKey() {
    assertEquals(
        "distill.students.epoch is not a known key (did you mean 'epochs'?); distill.students has: "
            + "alpha, temperature, learning-rate, lr-decay, epochs, input-retain, hidden-retain, batch-size,"
            + " averaging-period, min-steps-per-epoch, jitter, target-accuracy-drop, target-agreement, target-grow-steps, target-narrow-steps, target-grow-factor, search, search-trials, assistant, search-eta,"
            + " search-first-rung-epochs,"
            + " search-temperatures, search-alphas, search-standardise, search-dkd-betas,"
            + " search-learning-rates,"
            + " search-lr-decays, sizes",
        problem("students.epoch=5"));
    assertTrue(
        problem("teacher.learningRate=0.1")
            .startsWith(
                "distill.teacher.learningRate is not a known key (did you mean 'learning-rate'?)"));
    String seed = problem("students.seed=1");
    assertTrue(
        seed.startsWith(
            "distill.students.seed is not a known key (did you mean distill.training.seed or "),
        seed);
    assertTrue(
        problem("training.batch-size=1")
            .startsWith(
                "distill.training.batch-size is not a known key "
                    + "(did you mean distill.teacher.batch-size or distill.soft-labels.batch-size or"
                    + " distill.students.batch-size?)"));
    assertTrue(
        problem("optimizer.name=adam")
            .startsWith(
                "distill.optimizer is not a known key; distill has: "
                    + "run, data, teacher, soft-labels, students, training, evaluation, nightly, stages"));
    assertEquals(
        "distill.students.sizes[1].hiden is not a known key (did you mean 'hidden'?); "
            + "distill.students.sizes[1] has: name, hidden, dl4j-json, width, temperature, alpha, seed,"
            + " standardise, dkd-beta, learning-rate, lr-decay, baseline-learning-rate,"
            + " baseline-lr-decay,"
            + " baseline-seed",
        problem("students.sizes=[{name=a, hidden=[10]}, {name=b, hidden=[5], hiden=[10]}]"));
    assertTrue(
        problem("students.sizes=[{name=a, hidden=[10], epochs=3}]")
            .startsWith(
                "distill.students.sizes[0].epochs is not a known key (did you mean distill.teacher.epochs or "
                    + "distill.students.epochs?)"));
  }

  @Test
  void keysOutsideTheRootObjectAreRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("flat.conf"), "students.epochs = 5\nfoo = 1\n");
    RunConfigException e =
        assertThrows(RunConfigException.class, () -> RunConfig.load(file.toString(), null));
    assertEquals(
        List.of(
            "foo is not a known key: every key lives under 'distill'",
            "students is not a known key: every key lives under 'distill' (did you mean distill.students?)"),
        e.problems());
  }

  @Test
  void studentSizesAreChecked() {
    assertEquals(
        "distill.students.sizes[2].name must be unique, cannot be: 'a' (distill.students.sizes[0].name "
            + "is 'a' too)",
        problem(
            "students.sizes=[{name=a, hidden=[1]}, {name=b, hidden=[2]}, {name=a, hidden=[3]}]"));
    assertEquals(
        "distill.students.sizes[0] must have exactly one of hidden (a list of widths: an MLP) or "
            + "dl4j-json (a DL4J MultiLayerConfiguration JSON), got both",
        problem("students.sizes=[{name=a, hidden=[1], dl4j-json=\"a.json\"}]"));
    assertEquals(
        "distill.students.sizes[1] must have exactly one of hidden (a list of widths: an MLP) or "
            + "dl4j-json (a DL4J MultiLayerConfiguration JSON), got neither",
        problem("students.sizes=[{name=a, hidden=[1]}, {name=b, temperature=2}]"));
    assertEquals(
        "distill.students.sizes[0].name must match [A-Za-z0-9_.-]+ (and not be . or ..), cannot be: "
            + "'a b'",
        problem("students.sizes=[{name=\"a b\", hidden=[1]}]"));
    assertEquals(
        "distill.students.sizes[0].name must be a non-blank string, got nothing (the key is missing)",
        problem("students.sizes=[{hidden=[1]}]"));
    assertEquals(
        "distill.students.sizes[2].hidden[1] must be >= 1, cannot be: 0",
        problem(
            "students.sizes=[{name=a, hidden=[1]}, {name=b, hidden=[2]}, {name=c, hidden=[3, 0]}]"));
    assertEquals(
        "distill.students.sizes[0].temperature must be > 0, cannot be: 0",
        problem("students.sizes=[{name=a, hidden=[1], temperature=0}]"));
    assertEquals(
        "distill.students.sizes[0].alpha must be in [0, 1], cannot be: 2",
        problem("students.sizes=[{name=a, hidden=[1], alpha=2}]"));
    assertEquals(
        "distill.students.sizes must be a non-empty list of student sizes ({name=..., hidden=[...]} or "
            + "{name=..., dl4j-json=...}), got []",
        problem("students.sizes=[]"));
    assertEquals(
        "distill.students.sizes[0] must be a student size object {name=..., hidden=[...] or "
            + "dl4j-json=...}, got STRING 'small'",
        problem("students.sizes=[small]"));
  }

  @Test
  void unknownStagesAreRefused() {
    assertEquals(
        "distill.stages[1] must be one of import, teacher, soft-labels, students, evaluate, report, "
            + "cannot be: 'train'",
        problem("stages=[import, train]"));
    assertEquals(
        "distill.stages[0] must be one of import, teacher, soft-labels, students, evaluate, report, "
            + "cannot be: 'studnets' (did you mean 'students'?)",
        problem("stages=[studnets]"));
    assertEquals(
        "distill.stages[2] must not repeat a stage, cannot be: 'teacher' (already distill.stages[0])",
        problem("stages=[teacher, report, teacher]"));
    assertEquals(
        "distill.stages must list at least one stage (import, teacher, soft-labels, students, evaluate, "
            + "report), got []",
        problem("stages=[]"));
  }

  @Test
  void anUnreadableConfigFileIsNamed() throws Exception {
    String missing = dir.resolve("nope.conf").toString();
    RunConfigException e =
        assertThrows(RunConfigException.class, () -> RunConfig.load(missing, List.of()));
    assertEquals("cannot read config file '" + missing + "': no such file", e.getMessage());
    e = assertThrows(RunConfigException.class, () -> RunConfig.load(dir.toString(), List.of()));
    assertEquals("cannot read config file '" + dir + "': it is a directory", e.getMessage());
    Path bad = Files.writeString(dir.resolve("bad.conf"), "distill {\n  students.epochs = 5\n");
    e = assertThrows(RunConfigException.class, () -> RunConfig.load(bad.toString(), List.of()));
    assertTrue(
        e.getMessage().startsWith("config file '" + bad + "' is not valid HOCON: "),
        e.getMessage());
    assertTrue(e.getMessage().contains("bad.conf: 3:"), "the line is named: " + e.getMessage());
  }

  @Test
  void malformedOverridesAreRefused() {
    assertEquals("--set expects key=value, got 'foo'", problem("foo"));
    assertEquals("--set expects key=value, got '=5'", problem("=5"));
    assertTrue(
        problem("students.sizes=[{name=a")
            .startsWith("--set 'students.sizes=[{name=a': the value is not valid HOCON: "));
    assertTrue(
        problem("students..epochs=3")
            .startsWith(
                "--set expects key=value with a key such as "
                    + "students.epochs, got key 'students..epochs'"));
    RunConfigException e =
        assertThrows(
            RunConfigException.class,
            () -> RunConfig.load(null, List.of("run.dir=${distill.nowhere}")));
    assertTrue(e.getMessage().startsWith("cannot resolve a substitution: "), e.getMessage());
    assertTrue(e.getMessage().contains("distill.nowhere"), e.getMessage());
  }

  @Test
  void allProblemsAreReportedTogetherOnePerLine() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("run.conf"),
            "distill { teacher.epochs = 0, students.alpha = -1, evaluation { latency-calls = 10 } }\n");
    RunConfigException e =
        assertThrows(
            RunConfigException.class,
            () ->
                RunConfig.load(
                    file.toString(),
                    List.of(
                        "foo",
                        "students.epochs=three",
                        "stages=[import, bogus]",
                        "students.sizes=[{name=x}]")));
    List<String> expected =
        List.of(
            "--set expects key=value, got 'foo'",
            "distill.teacher.epochs must be >= 1, cannot be: 0",
            "distill.students.alpha must be in [0, 1], cannot be: -1",
            "distill.students.epochs must be an integer >= 1, got STRING 'three'",
            "distill.students.sizes[0] must have exactly one of hidden (a list of widths: an MLP) or dl4j-json (a "
                + "DL4J MultiLayerConfiguration JSON), got neither",
            "distill.evaluation.latency-calls must be >= 200, cannot be: 10",
            "distill.stages[1] must be one of import, teacher, soft-labels, students, evaluate, report, cannot be: "
                + "'bogus'");
    assertEquals(expected, e.problems());
    assertEquals(String.join("\n", expected), e.getMessage());
    assertTrue(e instanceof IllegalArgumentException);
  }

  @Test
  void aMissingFileAndBadOverridesAreReportedTogether() {
    String missing = dir.resolve("missing.conf").toString();
    RunConfigException e =
        assertThrows(
            RunConfigException.class, () -> RunConfig.load(missing, List.of("students.alpha=2")));
    assertEquals(
        List.of(
            "cannot read config file '" + missing + "': no such file",
            "distill.students.alpha must be in [0, 1], cannot be: 2"),
        e.problems());
  }
}
