"""The names Airflow knows the pipeline by, stated once (no Airflow import here: the launchers read them before they
point Airflow at its home)."""

from __future__ import annotations

# DuckDB allows one writing process: every task that writes the build database runs in this one-slot pool, so two
# writers never collide (the scheduler queues the second); `make airflow` and the compose init job create it.
WRITER_POOL = "duckdb_writer"
WAREHOUSE_DAG_ID = "asn_warehouse"
INGEST_DAG_PREFIX = "asn_ingest_"


def ingest_dag_id(region: str) -> str:
    return f"{INGEST_DAG_PREFIX}{region}"
