"""The nightly knowledge-distillation run as an Airflow DAG (apache-airflow-providers-apache-spark).

One task: spark-submit distill-job.jar nightly into <runs root>/<ds>; the job moves `latest` only after the run's
_SUCCESS and exits non-zero with a one-line reason on failure, which fails the task and alerts.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

RUNS_ROOT = "hdfs:///distill/nightly"
JAR = "/opt/distill/jobs/target/distill-job.jar"
CONFIG = "/opt/distill/conf/mnist.conf"

with DAG(
    dag_id="distill_nightly",
    description="Teacher soft labels, student sweep, evaluation and report, every night",
    schedule="30 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
    tags=["distill", "spark"],
) as dag:
    SparkSubmitOperator(
        task_id="distill_nightly",
        conn_id="spark_default",
        application=JAR,
        java_class="io.distill.jobs.DistillJob",
        application_args=["nightly", "--runs-root", RUNS_ROOT, "--run-id", "{{ ds }}", "--config", CONFIG],
        conf={"spark.executorEnv.OMP_WAIT_POLICY": "PASSIVE"},
        env_vars={"OMP_WAIT_POLICY": "PASSIVE"},
        execution_timeout=timedelta(hours=6),
    )
