#!/usr/bin/env bash
# The nightly distillation run, for cron and systemd: spark-submit distill-job.jar nightly into
# $DISTILL_RUNS_ROOT/<today, UTC>; `latest` there moves to it only after the run's _SUCCESS. Exit code: 0 on
# success, non-zero with a one-line reason on stderr (schedulers alert on it).
#
# Settings (environment; a systemd EnvironmentFile or the crontab line sets them):
#   DISTILL_HOME       where the project (or its install) lives          default: this script's parent directory
#   DISTILL_JAR        the application jar                                default: $DISTILL_HOME/jobs/target/distill-job.jar
#   DISTILL_RUNS_ROOT  where the nightly runs go (any Hadoop FS URI)      default: $DISTILL_HOME/runs/nightly
#   DISTILL_CONFIG     the run configuration (HOCON)                      default: $DISTILL_HOME/conf/mnist.conf
#   SPARK_MASTER       spark-submit --master                              default: local[2]
#   SPARK_HOME         a Spark distribution to submit with; without it, $DISTILL_HOME/bin/spark-submit
# Extra arguments are passed to the nightly command (e.g. --run-id 2026-11-22 --set students.epochs=20).
set -euo pipefail

home=${DISTILL_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
jar=${DISTILL_JAR:-$home/jobs/target/distill-job.jar}
runs=${DISTILL_RUNS_ROOT:-$home/runs/nightly}
config=${DISTILL_CONFIG:-$home/conf/mnist.conf}
submit=$home/bin/spark-submit
if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
  submit=$SPARK_HOME/bin/spark-submit
fi
if [ ! -f "$jar" ]; then
  echo "distill nightly: no application jar at $jar (build it: mvn -DskipTests package)" >&2
  exit 1
fi
if [ ! -f "$config" ]; then
  echo "distill nightly: no run configuration at $config" >&2
  exit 1
fi
cd "$home"
exec "$submit" --master "${SPARK_MASTER:-local[2]}" --class io.distill.jobs.DistillJob "$jar" \
  nightly --runs-root "$runs" --config "$config" "$@"
