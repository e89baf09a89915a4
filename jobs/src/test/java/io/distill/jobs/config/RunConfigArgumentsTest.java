package io.distill.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line of a run: {@link ConfigArguments}. */
class RunConfigArgumentsTest {
  @TempDir Path dir;

  @Test
  void parsesConfigSetAndStagesInOrder() {
    ConfigArguments a = ConfigArguments.parse("--config", "conf/x.conf", "--set", "students.epochs=5",
        "--stages", "students, evaluate,report", "--set=run.dir=s3a://b/r", "--stages=teacher");
    assertEquals("conf/x.conf", a.configFile());
    assertEquals(List.of("students.epochs=5", "stages=[\"students\", \"evaluate\", \"report\"]", "run.dir=s3a://b/r",
        "stages=[\"teacher\"]"), a.overrides());
    ConfigArguments none = ConfigArguments.parse(List.of());
    assertNull(none.configFile());
    assertEquals(List.of(), none.overrides());
    assertEquals(RunConfig.defaults(), none.load());
  }

  @Test
  void loadsWithStagesShorthandAndPrecedence() throws Exception {
    Path file = Files.writeString(dir.resolve("r.conf"), "distill.students.epochs = 4\ndistill.run.dir = f\n");
    RunConfig c = ConfigArguments.parse("--stages", "report,students", "--config", file.toString(),
        "--set", "students.epochs=9").load();
    assertEquals(List.of("students", "report"), c.stages());
    assertEquals(9, c.students().epochs());
    assertEquals("f", c.run().dir());
  }

  @Test
  void unknownStagesGivenWithTheShorthandAreNamed() {
    RunConfigException e = assertThrows(RunConfigException.class,
        () -> ConfigArguments.parse("--stages", "import,trian").load());
    assertEquals("distill.stages[1] must be one of import, teacher, soft-labels, students, evaluate, report, "
        + "cannot be: 'trian'", e.getMessage());
  }

  @Test
  void badCommandLinesAreRefusedNamingTheFlag() {
    assertEquals("unknown option '--conifg' (accepted: --config FILE, --set key=value, --stages a,b,c)",
        refused("--conifg", "x.conf"));
    assertEquals("unknown option '-c' (accepted: --config FILE, --set key=value, --stages a,b,c)",
        refused("-c", "x.conf"));
    assertEquals("unexpected argument 'x.conf' (accepted: --config FILE, --set key=value, --stages a,b,c)",
        refused("x.conf"));
    assertEquals("--set needs a value (key=value)", refused("--set"));
    assertEquals("--config needs a value (a HOCON file)", refused("--config", "--set", "a=1"));
    assertEquals("--config given twice ('a.conf' and 'b.conf')", refused("--config", "a.conf", "--config=b.conf"));
    assertEquals("--stages expects a comma-separated list of stage names (import,teacher,soft-labels,students,"
        + "evaluate,report), got 'import,,report'", refused("--stages", "import,,report"));
    RunConfigException all = assertThrows(RunConfigException.class,
        () -> ConfigArguments.parse("--foo", "--bar=1", "--stages"));
    assertEquals(3, all.problems().size(), all.getMessage());
    assertEquals(3, all.getMessage().lines().count());
  }

  private static String refused(String... args) {
    return assertThrows(RunConfigException.class, () -> ConfigArguments.parse(args)).getMessage();
  }
}
