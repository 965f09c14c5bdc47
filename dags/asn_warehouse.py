"""asn_warehouse: gate the raw layer, build the marts with dbt, gate the marts, then publish.

Scheduled on the raw-layer Assets the ingestion DAGs emit. Nothing is built from a raw layer that fails its gate,
and nothing is published unless every gate passes, so a failure leaves the last published warehouse serving.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import AssetAny, dag, task

from asn_platform.contract import REGIONAL_DATASETS
from asn_platform.orchestration import DEFAULT_ARGS, PUBLISHED_ANALYTICS, START_DATE, raw_asset


def _gate_summary(reports: list[Any]) -> dict[str, Any]:
    """What a gate task returns (and the UI shows as its XCom): checks and warnings per suite."""
    return {report.suite: {"checks": len(report.outcomes), "warnings": len(report.warnings)} for report in reports}


@dag(
    dag_id="asn_warehouse",
    description="dbt build, mart data-quality gates, publish",
    # Any raw dataset that changed triggers a build (a list of Assets would wait for all of them).
    schedule=AssetAny(*(raw_asset(name) for name in sorted(REGIONAL_DATASETS))),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["asn", "warehouse"],
)
def asn_warehouse() -> None:
    @task(retries=0)  # bad data does not get better by retrying
    def gate_raw() -> dict[str, Any]:
        from asn_platform.pipeline import gate_raw

        return _gate_summary(gate_raw())

    @task
    def dbt_build() -> dict[str, int]:
        from asn_platform.pipeline import build

        return build().statuses

    @task(retries=0)  # bad data does not get better by retrying
    def gate_marts() -> dict[str, Any]:
        from asn_platform.pipeline import gate_marts

        return _gate_summary(gate_marts())

    @task(outlets=[PUBLISHED_ANALYTICS])
    def publish() -> dict[str, int]:
        from asn_platform.publish import publish

        return publish().tables

    # Data Docs and the report index show what the gates saw, failures above all: they run once both gates are done,
    # passed or not. publish stays a leaf of its own, so a failed gate still fails the run.
    @task(trigger_rule="all_done")
    def reports() -> dict[str, str]:
        from asn_platform.quality.data_docs import build_data_docs
        from asn_platform.reports.index import write_report_index

        return {"data_docs": str(build_data_docs()), "report_index": str(write_report_index())}

    raw_checked, marts_checked = gate_raw(), gate_marts()
    raw_checked >> dbt_build() >> marts_checked >> publish()
    [raw_checked, marts_checked] >> reports()


asn_warehouse()
