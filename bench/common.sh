# Shared by the bench/ scripts: build the jar once and import the full MNIST once.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jar=${DISTILL_JAR:-jobs/target/distill-job.jar}
bench_jar=${BENCH_JAR:-bench/target/distill-bench.jar}
mnist=${MNIST_DIR:-../shared/datasets/mnist}
data=${MNIST_PARQUET:-target/bench/mnist}

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  mvn -q -B -ntp -DskipTests package
fi
if [ ! -f "$data/import.json" ]; then
  bin/spark-submit --master 'local[2]' "$jar" import-mnist --input "$mnist" --output "$data"
fi
