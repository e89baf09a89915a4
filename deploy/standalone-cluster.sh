#!/usr/bin/env bash
# A Spark standalone cluster on this machine, from the Maven-resolved Spark jars (no Spark install needed):
# a Master and N Workers bound to 127.0.0.1, each worker a separate JVM that launches separate executor JVMs.
#
#   deploy/standalone-cluster.sh start [WORKERS] [CORES_PER_WORKER] [MEMORY_PER_WORKER]   (defaults 2 1 3g)
#   deploy/standalone-cluster.sh stop
#   deploy/standalone-cluster.sh url        # prints spark://127.0.0.1:PORT
#
# Then: bin/spark-submit --master "$(deploy/standalone-cluster.sh url)" jobs/target/distill-job.jar ...
# State (pids, logs, worker dirs, the SPARK_HOME with jars/ links executors need) lives in
# target/standalone-cluster/ (or $DISTILL_CLUSTER_DIR). Ports: $SPARK_MASTER_PORT (default 7177), web UIs off.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${DISTILL_CLUSTER_DIR:-$root/target/standalone-cluster}
port=${SPARK_MASTER_PORT:-7177}
url="spark://127.0.0.1:$port"
cp_file="$root/deploy/spark-runtime/target/classpath.txt"

classpath() {
  if [ ! -s "$cp_file" ] || [ "$root/deploy/spark-runtime/pom.xml" -nt "$cp_file" ]; then
    mkdir -p "$(dirname "$cp_file")"
    # Maven's output (and its terminal escape codes) go to a log, shown only if resolving fails.
    if ! mvn -q -B -f "$root/deploy/spark-runtime/pom.xml" dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file" > "$cp_file.log" 2>&1; then
      cat "$cp_file.log" >&2
      echo "standalone-cluster: could not resolve the Spark jars with Maven" >&2
      exit 1
    fi
  fi
  cat "$cp_file"
}

flags=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true
)

# wait_for LOG PATTERN WHAT: wait up to 60 s for PATTERN in LOG; on time-out stop everything and fail naming WHAT.
wait_for() {
  for _ in $(seq 1 60); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "standalone-cluster: $3 (see $1)" >&2
  stop >/dev/null
  exit 1
}

start() {
  local workers=${1:-2} cores=${2:-1} memory=${3:-3g}
  stop >/dev/null 2>&1 || true
  mkdir -p "$state/spark-home/jars" "$state/logs"
  local cp
  cp=$(classpath)
  rm -f "$state/spark-home/jars/"*.jar
  IFS=: read -r -a jars <<< "$cp"
  for j in "${jars[@]}"; do ln -sf "$j" "$state/spark-home/jars/"; done
  export SPARK_HOME="$state/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
  export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
  nohup java -Xmx512m "${flags[@]}" -cp "$cp" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$port" --webui-port 0 > "$state/logs/master.log" 2>&1 &
  echo $! > "$state/master.pid"
  wait_for "$state/logs/master.log" "I have been elected leader" "the master did not start"
  for i in $(seq 1 "$workers"); do
    mkdir -p "$state/worker-$i"
    nohup java -Xmx512m "${flags[@]}" -cp "$cp" org.apache.spark.deploy.worker.Worker "$url" \
      --host 127.0.0.1 --webui-port 0 --cores "$cores" --memory "$memory" --work-dir "$state/worker-$i" \
      > "$state/logs/worker-$i.log" 2>&1 &
    echo $! > "$state/worker-$i.pid"
  done
  for i in $(seq 1 "$workers"); do
    wait_for "$state/logs/worker-$i.log" "Successfully registered with master" "worker $i did not register"
  done
  echo "$url"
}

stop() {
  local stopped=0
  for pid_file in "$state"/*.pid; do
    [ -f "$pid_file" ] || continue
    local pid
    pid=$(cat "$pid_file")
    # The worker's executors are its children: stop them with it.
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pid_file"
    stopped=$((stopped + 1))
  done
  echo "standalone-cluster: stopped $stopped process(es)"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  url) echo "$url" ;;
  *) echo "usage: deploy/standalone-cluster.sh start [WORKERS] [CORES] [MEMORY] | stop | url" >&2; exit 2 ;;
esac
