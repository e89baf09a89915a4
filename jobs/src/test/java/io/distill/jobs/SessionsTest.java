package io.distill.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which log4j2 configurations the job replaces with its quiet one: only the defaults. */
class SessionsTest {
  @Test
  void aClustersOwnLogConfigurationIsLeftAlone() {
    assertTrue(Sessions.isOwnLogConfiguration("/opt/spark/conf/log4j2.properties"));
    assertTrue(Sessions.isOwnLogConfiguration("file:/etc/spark/conf/log4j2.xml"));
    assertFalse(Sessions.isOwnLogConfiguration(null)); // log4j2's own default
    assertFalse(
        Sessions.isOwnLogConfiguration(
            "jar:file:/opt/spark/jars/spark-core_2.12-3.5.3.jar!/org/apache/spark/log4j2-defaults.properties"));
    assertFalse(
        Sessions.isOwnLogConfiguration(
            "jar:file:/opt/distill/distill-job.jar!" + Sessions.QUIET_LOGS));
  }
}
