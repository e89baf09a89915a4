"""Imports distill_nightly_dag.py with stand-ins for the Airflow classes it uses and checks what it builds.

Run by DeployFilesTest (python3 deploy/airflow/check_dag.py deploy/airflow/distill_nightly_dag.py): the module is
executed, not only parsed, so a wrong import, a misspelt argument or a template in the wrong place fails here
rather than in the scheduler. Exit 0 and one line on success; an AssertionError naming the problem otherwise.
"""
import importlib.util
import sys
import types

TASKS = []
DAGS = []


class DAG:
    def __init__(self, dag_id, schedule, start_date, **kwargs):
        self.dag_id = dag_id
        self.schedule = schedule
        self.start_date = start_date
        self.kwargs = kwargs
        DAGS.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class SparkSubmitOperator:
    # The arguments of apache-airflow-providers-apache-spark 4.x's SparkSubmitOperator that the DAG may use.
    ALLOWED = {
        "task_id", "conn_id", "name", "application", "java_class", "files", "application_args", "conf",
        "env_vars", "execution_timeout", "jars", "driver_memory", "executor_memory", "executor_cores",
        "num_executors", "total_executor_cores", "verbose", "spark_binary", "properties_file", "retries",
    }

    def __init__(self, **kwargs):
        unknown = set(kwargs) - self.ALLOWED
        assert not unknown, "SparkSubmitOperator has no argument(s) %s" % sorted(unknown)
        self.kwargs = kwargs
        TASKS.append(self)


class CronTriggerTimetable:
    def __init__(self, cron, *, timezone):
        self.cron = cron
        self.timezone = timezone


def stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module


for package in ["airflow.providers", "airflow.providers.apache", "airflow.providers.apache.spark",
                "airflow.providers.apache.spark.operators", "airflow.timetables"]:
    stub(package)
stub("airflow", DAG=DAG)
stub("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=SparkSubmitOperator)
stub("airflow.timetables.trigger", CronTriggerTimetable=CronTriggerTimetable)

spec = importlib.util.spec_from_file_location("distill_nightly_dag", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))

assert len(DAGS) == 1 and len(TASKS) == 1, "one DAG with one task, got %d and %d" % (len(DAGS), len(TASKS))
dag, task = DAGS[0], TASKS[0].kwargs
assert isinstance(dag.schedule, CronTriggerTimetable), "the schedule is a CronTriggerTimetable"
assert dag.schedule.timezone == "UTC", "the timetable runs in UTC, got %r" % dag.schedule.timezone
assert dag.kwargs.get("catchup") is False and dag.kwargs.get("max_active_runs") == 1, "one night at a time"
args = task["application_args"]
assert args[0] == "nightly", "the nightly command, got %r" % args[0]
assert args[args.index("--run-id") + 1] == "{{ data_interval_end | ds }}", "the night is the interval's end"
assert "--keep" in args and int(args[args.index("--keep") + 1]) >= 1, "old nights are pruned"
config = args[args.index("--config") + 1]
assert task.get("files", "").endswith("/" + config), "--config %s is shipped with files=" % config
assert task["java_class"] == "io.distill.jobs.DistillJob"
assert "{{ data_interval_end | ds }}" in task["name"], "the application is named by its night"
print("DAG %s: %s at %s UTC, args %s" % (dag.dag_id, task["task_id"], dag.schedule.cron, " ".join(args)))
