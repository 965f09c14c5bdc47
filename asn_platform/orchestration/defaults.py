"""What every DAG shares: default arguments, timeouts, the warehouse's deadline, start date, and the Airflow Assets
the pipeline produces."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, AssetAlias, Connection, DeadlineAlert, DeadlineReference, SyncCallback

from asn_platform.core.settings import ApiConnection
from asn_platform.orchestration.alerts import on_deadline_missed, on_task_failure

# Timeouts, from measurement (docs/orchestration.md, "Timeouts and the deadline", has the figures): a task may take
# about three times its slowest measured run at national scale (docs/benchmarks.md: 500 regions, 38.8 M rows, on a
# shared 2-core machine), never less than 10 minutes (a fresh task process imports Airflow, dbt or Great
# Expectations for 10-30 s under load). Past it Airflow fails the try (and retries where the task retries), so a
# hung dbt run or load gives the one-slot writer pool back instead of holding it forever.
MINIMUM_TASK_TIMEOUT = timedelta(minutes=10)
TASK_TIMEOUTS = {
    # National: 45 s for every API region at once (29 s on another run), but one page may take 6 tries of 30 s.
    "fetch_api": timedelta(minutes=30),
    # National: 1,136 s for all 500 regions in one process (1,118 s on a loaded machine); a region's DAG loads one
    # region (1-4 s on the sample), so this covers a backlog of the whole country's size.
    "load_deliveries": timedelta(hours=1),
    # National: 5-23 s and 29-58 s.
    "gate_raw": MINIMUM_TASK_TIMEOUT,
    "gate_marts": MINIMUM_TASK_TIMEOUT,
    # National: the whole dbt build 360 s quiet, 560 s loaded; each layer gets the whole build's budget, as no
    # national figure splits it (sample: seeds 7 s, staging 15, intermediate 13, marts 9).
    "dbt": timedelta(minutes=30),
    # National: 153 s quiet, 388 s loaded.
    "publish": timedelta(minutes=20),
    # National estimate 10-20 minutes (docs/serving-postgres.md); the sample 1-3 s.
    "serve_postgres": timedelta(hours=1),
    # National: 55-66 s (71 s for the regional sample on a loaded machine).
    "reports": MINIMUM_TASK_TIMEOUT,
    # Reads the load's summary: 0.1 s.
    "report_rejections": MINIMUM_TASK_TIMEOUT,
}
# The delivery sensor waits (deferred, off the workers) for the registry's delivery_wait_hours: its timeout is that
# wait plus this, for the checks before and after it.
SENSOR_TIMEOUT_MARGIN = timedelta(minutes=10)
# A whole warehouse build, nationally: 18 minutes on a loaded machine (raw gate 23 s, dbt 560, marts gate 58, publish
# 388, reports 66), 10 quiet; serving PostgreSQL adds up to 20 minutes. Runs also wait for the writer pool behind
# ingestion loads. Late at an hour (the deadline alert); stopped at two (about three times the slowest build with
# serving), when the next raw change schedules a new one.
WAREHOUSE_DEADLINE = timedelta(hours=1)
WAREHOUSE_RUN_TIMEOUT = timedelta(hours=2)
# An ingestion run: the delivery wait (the registry's delivery_wait_hours) plus fetch and load.
INGEST_RUN_MARGIN = timedelta(hours=2)

DEFAULT_ARGS = {
    "owner": "asn-data",
    # After the last retry: a row in ops.alerts, and a webhook call and mail when configured (orchestration/alerts.py).
    "on_failure_callback": on_task_failure,
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    # Each task names its own (TASK_TIMEOUTS); this holds for any task added without one.
    "execution_timeout": MINIMUM_TASK_TIMEOUT,
}


def ingest_run_timeout(delivery_wait: timedelta) -> timedelta:
    return delivery_wait + INGEST_RUN_MARGIN


def warehouse_deadline() -> DeadlineAlert:
    """An alert when a warehouse build has not finished WAREHOUSE_DEADLINE after it was queued: recorded and notified
    like a failed task (alerts.on_deadline_missed, run by the executor), while the build goes on."""
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=WAREHOUSE_DEADLINE,
        callback=SyncCallback(on_deadline_missed, kwargs={"allowed_s": WAREHOUSE_DEADLINE.total_seconds()}),
        name="warehouse build late",
    )


START_DATE = pendulum.datetime(2026, 1, 1, tz="Asia/Jakarta")


def api_connection(connection_id: str) -> ApiConnection:
    """A regional API's connection as Airflow resolves it (environment, metadata database or secrets backend);
    Airflow masks the token in task logs. Read into the API's address as the command line reads it."""
    return ApiConnection.of(Connection.get(connection_id))


def raw_asset(dataset: str) -> Asset:
    """A raw-layer table; ingestion DAGs emit it, the warehouse DAG is scheduled on it."""
    return Asset(name=f"raw.{dataset}", uri=f"duckdb://asn-warehouse/raw/{dataset}", group="raw")


def raw_changes(region: str) -> AssetAlias:
    """What a region's ingestion run emits: through this alias, an event for each raw Asset it actually changed
    (decided while it runs; a dataset with nothing new gets none, so it schedules no warehouse build)."""
    return AssetAlias(name=f"raw_changes.{region}", group="raw")


PUBLISHED_ANALYTICS = Asset(name="published.analytics", uri="file://asn-published/analytics.duckdb", group="published")
