"""The nightly knowledge-distillation run as an Airflow DAG (apache-airflow-providers-apache-spark).

One task: spark-submit distill-job.jar nightly into <runs root>/<night>. The night is the end of the run's data
interval ({{ data_interval_end | ds }}, UTC): with a CronTriggerTimetable that is the day the run fires, the same
date cron and systemd give `nightly.sh` (with a plain cron `schedule`, `{{ ds }}` would name the previous day).
The job moves `latest` only after the run's _SUCCESS and only when tonight's students are no worse than the
champion's; it exits 1 with a one-line reason when it fails and 3 when the night was not promoted, either of which
fails the task and alerts.

Cluster mode: the run configuration travels with the job (`files=`) and is read by its name in the driver's
working directory; in client mode give `--config` the file's full path (or any Hadoop URI) instead.
"""
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.timetables.trigger import CronTriggerTimetable

RUNS_ROOT = "hdfs:///distill/nightly"
JAR = "/opt/distill/jobs/target/distill-job.jar"
CONFIG = "/opt/distill/conf/nightly.conf"
KEEP_NIGHTS = 14
NIGHT = "{{ data_interval_end | ds }}"

with DAG(
    dag_id="distill_nightly",
    description="Soft labels for new rows, students continued, champion promoted only when no worse, every night",
    schedule=CronTriggerTimetable("30 2 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
    tags=["distill", "spark"],
) as dag:
    SparkSubmitOperator(
        task_id="distill_nightly",
        conn_id="spark_default",
        name="distill-nightly-" + NIGHT,
        application=JAR,
        java_class="io.distill.jobs.DistillJob",
        files=CONFIG,
        application_args=[
            "nightly",
            "--runs-root", RUNS_ROOT,
            "--run-id", NIGHT,
            "--config", os.path.basename(CONFIG),
            "--keep", str(KEEP_NIGHTS),
        ],
        conf={"spark.executorEnv.OMP_WAIT_POLICY": "PASSIVE"},
        env_vars={"OMP_WAIT_POLICY": "PASSIVE"},
        execution_timeout=timedelta(hours=6),
    )
