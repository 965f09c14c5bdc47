"""The DAGs' `doc_md` (the Markdown the Airflow UI shows on a DAG's page): the warehouse DAG's written here, a
regional DAG's built from its registry file, so a region added by configuration is documented by it too."""

from __future__ import annotations

from datetime import timedelta

from asn_platform.orchestration.defaults import (
    SENSOR_TIMEOUT_MARGIN,
    TASK_TIMEOUTS,
    WAREHOUSE_DEADLINE,
    WAREHOUSE_RUN_TIMEOUT,
    ingest_run_timeout,
)
from asn_platform.orchestration.names import WRITER_POOL
from ingestion.registry import RegionSource

DOCS = "docs/orchestration.md"


def _duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes // 60} h {minutes % 60} min" if minutes > 60 else f"{minutes} min"


def _transport(source: RegionSource, dataset: str) -> str:
    config = source.datasets[dataset]
    if config.api is not None:
        return f"API `{config.api.endpoint}` (connection `{config.api.connection_id}`)"
    return f"files `{config.file_pattern}`"


def _format(source: RegionSource, dataset: str) -> str:
    config = source.datasets[dataset]
    parts = [config.format]
    if config.compression != "none":
        parts.append(config.compression)
    if config.format == "csv" and config.delimiter != ",":
        parts.append(f"delimiter `{config.delimiter}`")
    if config.encoding != "utf-8":
        parts.append(config.encoding)
    if config.sheet:
        parts.append(f"sheet `{config.sheet}`")
    return ", ".join(parts)


def _timeouts(source: RegionSource) -> str:
    wait = timedelta(hours=source.delivery_wait_hours)
    return (
        f"a run {_duration(ingest_run_timeout(wait))}, the sensor {_duration(wait + SENSOR_TIMEOUT_MARGIN)}, "
        f"a load {_duration(TASK_TIMEOUTS['load_deliveries'])}"
    )


def _contacts(source: RegionSource) -> str:
    if not source.contacts:
        return f"None in the registry yet: add `contacts:` to `ingestion/sources/{source.region}.yml`."
    rows = [
        f"| {contact.name} | {contact.about} | {contact.email or ''} | {contact.phone or ''} |"
        for contact in source.contacts
    ]
    return "| who | about | email | phone |\n|---|---|---|---|\n" + "\n".join(rows)


def ingest_doc_md(source: RegionSource) -> str:
    """A regional DAG's page: the region, its schedule and waiting, and each dataset as the registry describes it."""
    wait = timedelta(hours=source.delivery_wait_hours)
    rows = [
        f"| {dataset} | {_format(source, dataset)} | {_transport(source, dataset)} | "
        f"{source.datasets[dataset].load_mode} | {source.freshness(dataset)} days |"
        for dataset in sorted(source.datasets)
    ]
    has_api = any(config.api is not None for config in source.datasets.values())
    steps = [
        "`fetch_api`: the API datasets into the landing area, as the delivery of the region's local date"
        if has_api
        else None,
        f"`wait_for_delivery`: a scheduled run waits (deferred) up to {_duration(wait)} for a delivery newer than the "
        "last successful run, else it skips; a manual or backfill run does not wait",
        f"`load_deliveries`: validates, loads and audits what is pending, in the one-slot pool `{WRITER_POOL}`, and "
        "emits a raw Asset event for each dataset it changed (which schedules `asn_warehouse`)",
        "`report_rejections`: fails the run, naming file, row and column, while a delivery is rejected or waiting",
    ]
    numbered = "\n".join(f"{number}. {step}" for number, step in enumerate(filter(None, steps), start=1))
    return f"""# Ingestion: {source.name}

Loads the deliveries of {source.name} ({source.province}) into the raw layer of the build database.
Written from the source registry, `ingestion/sources/{source.region}.yml`: change the region there, not here.

- **Schedule:** `{source.schedule}` in {source.timezone} (the region's local time)
- **Waits for a delivery:** up to {_duration(wait)} (`delivery_wait_hours`)
- **Stale after:** {source.freshness_days} days without a delivery (`freshness_days`; per dataset below)
- **Landing folder:** `landing/{source.region}/<dataset>/<YYYY-MM-DD>/`
- **Time limits:** {_timeouts(source)}

| dataset | format | arrives as | load mode | stale after |
|---|---|---|---|---|
{chr(10).join(rows)}

## Contacts

{_contacts(source)}

## Tasks

{numbered}

Loading again is a no-op (the load audit knows each delivery's bytes), so any run can be repeated or backfilled.
A failure after the last retry is recorded in `ops.alerts` and sent to the alert webhook and mail, where set up.
More: `{DOCS}`.
"""


def held_doc_md(region: str, problem: str) -> str:
    """The page of a region held back by a broken registry file."""
    return f"""# Ingestion: {region} (held back)

Nothing of this region loads while its registry file, `ingestion/sources/{region}.yml`, is broken; every other
region loads as usual. Each run fails with what is wrong (and alerts), until the file is mended:

    {problem}

More: `{DOCS}`.
"""


WAREHOUSE_DOC_MD = f"""# The ASN warehouse build

Builds the warehouse of the civil-servant (ASN) workforce from the raw layer the regional ingestion DAGs load, and
publishes it. Scheduled on the raw-layer Assets: any raw dataset that changed starts a build (one at a time).

## Stages

1. `gate_raw`: the raw layer's data-quality suites (`expectations/raw/`); a failure stops the build.
2. `dbt` (cosmos): one `dbt build` per layer, `seeds` → `staging` → `intermediate` → `marts`, models and their
   tests (`dbt_project/`).
3. `gate_marts`: the marts' suites (`expectations/marts/`); a failure stops publication, unless its failing rows
   are some regions' only: those regions are held back (they keep serving their last good data) and the others
   publish (`docs/data-quality.md`, Severity).
4. `publish`: a new version of the published warehouse, audited for identifiers and swapped in whole.
5. `serve_postgres`: the published marts into PostgreSQL for BI tools that need a server; skipped unless the
   connection `asn_serving_postgres` is set.
6. `reports`: the workforce report, the dbt docs and the Data Docs of the gates, once the gates and publish are done,
   passed or not.

Nothing is published unless every gate passes (a held region passes as its last good data), so a failure leaves
the last published version serving. Every task
that opens the build database takes the one-slot pool `{WRITER_POOL}` (DuckDB allows one writing process).

## Where the outputs go

| output | where | who reads it |
|---|---|---|
| build database | `data/warehouse/warehouse.duckdb` (`ops.alerts`: the alerts) | the pipeline only |
| published, pseudonymous | `data/published/analytics.duckdb` | analysts, BI tools (read-only) |
| every mart as Parquet | `data/published/parquet/<schema>/<table>.parquet` | analysts, BI tools |
| published, restricted | `data/published/hr_restricted.duckdb` (owner-only: names and NIPs) | the HR agency |
| kept versions | `data/published/versions/` (`python -m asn_platform rollback`) | operators |
| PostgreSQL serving | the `asn_serving_postgres` connection's database | BI tools over JDBC/ODBC |
| reports | `data/reports/index.html`: workforce charts, dbt docs, Data Docs | everyone |

(Under `ASN_DATA_DIR` where it is set.)

## Time limits and the deadline

- A build that has not finished {_duration(WAREHOUSE_DEADLINE)} after it was queued raises a deadline alert
  (recorded in `ops.alerts` as `dagrun_deadline` and sent to the alert webhook and mail, where set up); it is
  stopped at {_duration(WAREHOUSE_RUN_TIMEOUT)} (`dagrun_timeout`).
- Each task's `execution_timeout`: the gates and reports {_duration(TASK_TIMEOUTS["gate_raw"])}, each dbt layer
  {_duration(TASK_TIMEOUTS["dbt"])}, publish {_duration(TASK_TIMEOUTS["publish"])}, serving PostgreSQL
  {_duration(TASK_TIMEOUTS["serve_postgres"])}: about three times the slowest national run measured.

More: `{DOCS}`, `docs/dbt-in-airflow.md`.
"""
