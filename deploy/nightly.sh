#!/usr/bin/env bash
# The nightly distillation run, for cron and systemd: spark-submit distill-job.jar nightly into
# $DISTILL_RUNS_ROOT/<today, UTC>. `latest` there moves to it only after the run's _SUCCESS and only when its students
# are no worse than the champion's on the holdout. Exit code: 0 promoted; 3 the run succeeded but was not promoted
# (the figures are in $DISTILL_RUNS_ROOT/nights.md); 1 or 2 failed, with a one-line reason on stderr. Schedulers
# alert on any non-zero code.
#
# Settings (environment; a systemd EnvironmentFile or the crontab line sets them):
#   DISTILL_HOME        where the project (or its install) lives          default: this script's parent directory
#   DISTILL_JAR         the application jar                                default: $DISTILL_HOME/jobs/target/distill-job.jar
#   DISTILL_RUNS_ROOT   where the nightly runs go (any Hadoop FS URI)      default: $DISTILL_HOME/runs/nightly
#   DISTILL_CONFIG      the run configuration (a path or any Hadoop URI)   default: $DISTILL_HOME/conf/nightly.conf
#   DISTILL_KEEP        nights' run directories kept (the champion always)  default: 14
#   DISTILL_SPARK_ARGS  spark-submit options, split on spaces              e.g. "--deploy-mode cluster --executor-memory 8g"
#   SPARK_MASTER        spark-submit --master                              default: local[2]
#   SPARK_HOME          a Spark distribution to submit with; without it, $DISTILL_HOME/bin/spark-submit
#   (conf/nightly.conf reads DISTILL_DATA, DISTILL_DATA_TRAIN, DISTILL_DATA_TEST and DISTILL_TEACHER.)
# Extra arguments are passed to the nightly command (e.g. --run-id 2026-11-22 --set students.epochs=20).
set -euo pipefail

home=${DISTILL_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
jar=${DISTILL_JAR:-$home/jobs/target/distill-job.jar}
runs=${DISTILL_RUNS_ROOT:-$home/runs/nightly}
config=${DISTILL_CONFIG:-$home/conf/nightly.conf}
keep=${DISTILL_KEEP:-14}
read -r -a spark_args <<< "${DISTILL_SPARK_ARGS:-}"
submit=$home/bin/spark-submit
if [ -n "${SPARK_HOME:-}" ] && [ -x "$SPARK_HOME/bin/spark-submit" ]; then
  submit=$SPARK_HOME/bin/spark-submit
fi
if [ ! -f "$jar" ]; then
  echo "distill nightly: no application jar at $jar (build it: mvn -DskipTests package)" >&2
  exit 1
fi
case "$config" in
  *://*) ;; # a Hadoop URI: the job reads it and names it if it is missing
  *)
    if [ ! -f "$config" ]; then
      echo "distill nightly: no run configuration at $config" >&2
      exit 1
    fi
    config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config") ;;
esac
cd "$home"
exec "$submit" --master "${SPARK_MASTER:-local[2]}" --name "distill-nightly" "${spark_args[@]}" \
  --class io.distill.jobs.DistillJob "$jar" \
  nightly --runs-root "$runs" --config "$config" --keep "$keep" "$@"
