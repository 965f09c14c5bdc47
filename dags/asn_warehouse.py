"""asn_warehouse: gate the raw layer, build the marts with dbt (rendered by astronomer-cosmos), gate the marts, publish,
serve PostgreSQL, write the reports.

Scheduled on the raw-layer Assets the ingestion DAGs emit. Nothing is built from a raw layer that fails its gate,
and nothing is published unless every gate passes, so a failure leaves the last published warehouse serving. Its
`doc_md` (the UI's DAG docs) is asn_platform.orchestration.docs.WAREHOUSE_DOC_MD; its time limits and deadline are
in asn_platform/orchestration/defaults.py.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import AssetAny, dag, task

from asn_platform.core.contract import REGIONAL_DATASETS
from asn_platform.orchestration.cosmos import dbt_layers
from asn_platform.orchestration.defaults import (
    DEFAULT_ARGS,
    PUBLISHED_ANALYTICS,
    START_DATE,
    TASK_TIMEOUTS,
    WAREHOUSE_RUN_TIMEOUT,
    raw_asset,
    warehouse_deadline,
)
from asn_platform.orchestration.docs import WAREHOUSE_DOC_MD
from asn_platform.orchestration.names import WAREHOUSE_DAG_ID, WRITER_POOL
from asn_platform.orchestration.runtime import get_settings


def _gate_summary(reports: list[Any]) -> dict[str, Any]:
    """What a gate task returns (and the UI shows as its XCom): checks and warnings per suite."""
    return {report.suite: {"checks": len(report.outcomes), "warnings": len(report.warnings)} for report in reports}


@dag(
    dag_id=WAREHOUSE_DAG_ID,
    description="dbt build, mart data-quality gates, publish",
    doc_md=WAREHOUSE_DOC_MD,
    # Any raw dataset that changed triggers a build (a list of Assets would wait for all of them).
    schedule=AssetAny(*(raw_asset(name) for name in sorted(REGIONAL_DATASETS))),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=WAREHOUSE_RUN_TIMEOUT,
    # Late: an alert through the project's alerting while the build goes on; stopped at dagrun_timeout.
    deadline=warehouse_deadline(),
    default_args=DEFAULT_ARGS,
    tags=["asn", "warehouse"],
)
def asn_warehouse() -> None:
    # Every task opens the build database, and DuckDB lets one process write it or many read it, never both: all
    # of them, readers too, take the one-slot writer pool, so a load in an ingestion DAG never meets a gate here.
    # Bad data does not get better by retrying.
    @task(retries=0, pool=WRITER_POOL, execution_timeout=TASK_TIMEOUTS["gate_raw"])
    def gate_raw() -> dict[str, Any]:
        from asn_platform.orchestration.stages import gate_raw

        return _gate_summary(gate_raw(get_settings()))

    @task(retries=0, pool=WRITER_POOL, execution_timeout=TASK_TIMEOUTS["gate_marts"])
    def gate_marts() -> dict[str, Any]:
        from asn_platform.orchestration.stages import gate_marts

        return _gate_summary(gate_marts(get_settings()))

    @task(outlets=[PUBLISHED_ANALYTICS], pool=WRITER_POOL, execution_timeout=TASK_TIMEOUTS["publish"])
    def publish() -> dict[str, object]:
        from asn_platform.serving.publish import publish

        publication = publish(get_settings())
        return {"version": publication.version, "tables": publication.tables}

    # For BI tools that need a server (JDBC/ODBC). It reads the published file only, so it takes no writer slot;
    # skipped where no asn_serving_postgres connection is configured.
    @task(execution_timeout=TASK_TIMEOUTS["serve_postgres"])
    def serve_postgres() -> dict[str, object]:
        from airflow.sdk.exceptions import AirflowSkipException

        from asn_platform.serving.postgres import serve_postgres

        settings = get_settings()
        if settings.serving_postgres_uri() is None:
            raise AirflowSkipException("no PostgreSQL serving target: AIRFLOW_CONN_ASN_SERVING_POSTGRES is not set")
        served = serve_postgres(settings)
        return {"version": served.version, "rows": served.rows, "skipped": served.skipped}

    # The reports: the workforce charts of the version serving (after a failed gate or publication, the last good
    # one), the dbt docs, and the Data Docs showing what the gates saw, failures above all; so they run once publish
    # has run or failed. dbt docs generate opens the build database: the writer pool.
    @task(trigger_rule="all_done", pool=WRITER_POOL, execution_timeout=TASK_TIMEOUTS["reports"])
    def reports() -> dict[str, str]:
        from asn_platform.reports.site import build_site

        return build_site(get_settings())

    raw_checked, marts_checked = gate_raw(), gate_marts()
    # dbt through cosmos, one `dbt build` per layer (seeds, staging, intermediate, marts), ordered and checked
    # against dbt_project/target/manifest.json: measured on the sample, one cosmos task per model took 6-8 times as
    # long as one build and WATCHER does not run under dag.test() (docs/dbt-in-airflow.md). The DAG fails to
    # import, naming the command, when the manifest is missing. Every dbt task writes the build database: all in
    # the one-slot writer pool.
    dbt = dbt_layers("dbt", pool=WRITER_POOL, execution_timeout=TASK_TIMEOUTS["dbt"])
    published = publish()
    raw_checked >> dbt >> marts_checked >> published >> serve_postgres()
    [raw_checked, marts_checked, published] >> reports()


asn_warehouse()
