"""What every DAG shares: default arguments, start date, and the Airflow Assets the pipeline produces."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, AssetAlias, Connection

from asn_platform.core.settings import ApiConnection
from asn_platform.orchestration.alerts import on_task_failure

DEFAULT_ARGS = {
    "owner": "asn-data",
    # After the last retry: a row in ops.alerts, and a webhook call and mail when configured (orchestration/alerts.py).
    "on_failure_callback": on_task_failure,
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
}
START_DATE = pendulum.datetime(2026, 1, 1, tz="Asia/Jakarta")


def api_connection(connection_id: str) -> ApiConnection:
    """A regional API's connection as Airflow resolves it (environment, metadata database or secrets backend);
    Airflow masks the token in task logs."""
    connection = Connection.get(connection_id)
    scheme = connection.schema if connection.schema in {"http", "https"} else "http"
    if not connection.host or not connection.password:
        raise ValueError(f"connection {connection_id!r} needs a host and the API token as its password")
    port = f":{connection.port}" if connection.port else ""
    return ApiConnection(f"{scheme}://{connection.host}{port}", connection.password)


def raw_asset(dataset: str) -> Asset:
    """A raw-layer table; ingestion DAGs emit it, the warehouse DAG is scheduled on it."""
    return Asset(name=f"raw.{dataset}", uri=f"duckdb://asn-warehouse/raw/{dataset}", group="raw")


def raw_changes(region: str) -> AssetAlias:
    """What a region's ingestion run emits: through this alias, an event for each raw Asset it actually changed
    (decided while it runs; a dataset with nothing new gets none, so it schedules no warehouse build)."""
    return AssetAlias(name=f"raw_changes.{region}", group="raw")


PUBLISHED_ANALYTICS = Asset(name="published.analytics", uri="file://asn-published/analytics.duckdb", group="published")
