"""One ingestion DAG per region in the source registry (`ingestion/sources/<region>.yml`): asn_ingest_<region>.

Each run first fetches what the region serves through an API (if it does), then loads whatever it has
delivered to the landing area and not yet loaded; loading again is a no-op.
It emits the raw-layer Assets of the datasets the region delivers, which schedule the warehouse build.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, dag, task
from airflow.sdk.exceptions import AirflowFailException

from asn_platform.orchestration import DEFAULT_ARGS, START_DATE, raw_asset
from ingestion.registry import RegionSource, load_registry


def build_ingest_dag(source: RegionSource) -> DAG:
    @dag(
        dag_id=f"asn_ingest_{source.region}",
        description=f"Load {source.name}'s deliveries into the raw layer",
        schedule="@daily",
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["asn", "ingestion", source.region],
    )
    def ingest_region() -> None:
        # Emits the raw Assets whenever it succeeds, so deliveries that did load still schedule the warehouse build.
        # all_done: a failed API fetch must not keep the region's file deliveries from loading.
        @task(outlets=[raw_asset(dataset) for dataset in sorted(source.datasets)], trigger_rule="all_done")
        def load_deliveries() -> dict[str, Any]:
            from asn_platform.pipeline import ingest

            return asdict(ingest(source.region))

        @task(retries=0)  # a rejected file stays rejected until the region sends a corrected one
        def report_rejections(summary: dict[str, Any]) -> None:
            if summary["rejections"]:
                raise AirflowFailException("rejected deliveries:\n" + "\n".join(summary["rejections"]))

        loaded = load_deliveries()
        report = report_rejections(loaded)
        api_connections = sorted({c.api.connection_id for c in source.datasets.values() if c.api is not None})
        if api_connections:
            # What the region serves over HTTP is fetched into the landing area first, as the delivery of the
            # region's local date; a retried fetch resumes from its last page. A failed fetch still fails the run
            # (the report waits on it) but not the loading of the files that did arrive.
            @task
            def fetch_api(**context: Any) -> list[dict[str, Any]]:
                from asn_platform.orchestration import api_connection
                from asn_platform.pipeline import fetch

                local_date = context["dag_run"].run_after.astimezone(ZoneInfo(source.timezone)).date()
                connections = {connection_id: api_connection(connection_id) for connection_id in api_connections}
                return fetch(source.region, local_date, connections=connections)

            fetched = fetch_api()
            fetched >> loaded
            fetched >> report

    return ingest_region()


for _source in load_registry().values():
    build_ingest_dag(_source)
