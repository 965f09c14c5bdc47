"""One ingestion DAG per region in the source registry (`ingestion/sources/<region>.yml`): asn_ingest_<region>.

On the region's own schedule, in its own time zone: fetch what the region serves through an API (if it does),
wait for a delivery newer than the last successful run (deferred, off the workers, for at most the registry's
`delivery_wait_hours`; a day without one skips the run), then load whatever the region has delivered and not yet
loaded, reference lists first (validated, quarantined and audited by ingestion), in the one-slot writer pool
(DuckDB allows one writing process). The load emits a raw Asset event for each dataset it changed, which schedules
the warehouse build; a dataset with nothing new emits none. Loading again is a no-op, so any run can be repeated
or backfilled. Each DAG's `doc_md` (the UI's DAG docs) is written from its registry file
(asn_platform.orchestration.docs.ingest_doc_md).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
from airflow.sdk import DAG, dag, task
from airflow.sdk.exceptions import AirflowFailException

from asn_platform.orchestration.defaults import (
    DEFAULT_ARGS,
    SENSOR_TIMEOUT_MARGIN,
    START_DATE,
    TASK_TIMEOUTS,
    ingest_run_timeout,
    raw_asset,
    raw_changes,
)
from asn_platform.orchestration.docs import held_doc_md, ingest_doc_md
from asn_platform.orchestration.names import WRITER_POOL, ingest_dag_id
from asn_platform.orchestration.runtime import get_settings
from asn_platform.orchestration.sensors import DeliverySensor
from ingestion.registry import RegionSource, load_registry, registry_problems


def build_ingest_dag(source: RegionSource) -> DAG:
    delivery_wait = timedelta(hours=source.delivery_wait_hours)

    @dag(
        dag_id=ingest_dag_id(source.region),
        description=f"Load {source.name}'s deliveries into the raw layer",
        doc_md=ingest_doc_md(source),
        schedule=source.schedule,
        # The schedule reads in the region's local time (WIB, WITA or WIT).
        start_date=pendulum.instance(START_DATE).in_timezone(source.timezone),
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=ingest_run_timeout(delivery_wait),
        default_args=DEFAULT_ARGS,
        tags=["asn", "ingestion", source.region],
    )
    def ingest_region() -> None:
        wait = DeliverySensor(
            task_id="wait_for_delivery",
            region=source.region,
            landing_dir=get_settings().landing_dir,
            wait=delivery_wait,
            execution_timeout=delivery_wait + SENSOR_TIMEOUT_MARGIN,
            # A failed API fetch must not keep the region's file deliveries from loading.
            trigger_rule="all_done",
            retries=0,
        )

        @task(
            outlets=[raw_changes(source.region)], pool=WRITER_POOL, execution_timeout=TASK_TIMEOUTS["load_deliveries"]
        )
        def load_deliveries(**context: Any) -> dict[str, Any]:
            from asn_platform.orchestration.stages import ingest

            summary = ingest(source.region, get_settings())
            for dataset in summary.changed_datasets:
                context["outlet_events"][raw_changes(source.region)].add(raw_asset(dataset))
            return asdict(summary)

        # A rejected file stays rejected until the region sends a corrected one: no retry.
        @task(retries=0, execution_timeout=TASK_TIMEOUTS["report_rejections"])
        def report_rejections(summary: dict[str, Any]) -> None:
            if summary["rejections"]:
                raise AirflowFailException("rejected deliveries:\n" + "\n".join(summary["rejections"]))

        loaded = load_deliveries()
        wait >> loaded
        report = report_rejections(loaded)

        api_connections = sorted({c.api.connection_id for c in source.datasets.values() if c.api is not None})
        if api_connections:
            # What the region serves over HTTP is fetched into the landing area first, as the delivery of the
            # region's local date; a retried fetch resumes from its last page. A failed fetch fails the run (the
            # report waits on it) but does not keep the files that did arrive from loading.
            @task(execution_timeout=TASK_TIMEOUTS["fetch_api"])
            def fetch_api(**context: Any) -> list[dict[str, Any]]:
                from asn_platform.orchestration.defaults import api_connection
                from asn_platform.orchestration.stages import fetch

                local_date = context["dag_run"].run_after.astimezone(ZoneInfo(source.timezone)).date()
                connections = {connection_id: api_connection(connection_id) for connection_id in api_connections}
                return fetch(source.region, local_date, get_settings(), connections)

            fetched = fetch_api()
            fetched >> wait
            fetched >> report

    return ingest_region()


def build_held_dag(region: str, problem: str) -> DAG:
    """A region whose registry file is broken keeps a DAG of its name that fails each day with what is wrong (and
    alerts), so the others load and nobody mistakes the region for one with nothing to deliver."""

    @dag(
        dag_id=ingest_dag_id(region),
        description=f"Held back: {region}'s registry file is broken",
        doc_md=held_doc_md(region, problem),
        schedule="@daily",
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS | {"retries": 0},  # a file does not mend itself by retrying
        tags=["asn", "ingestion", region, "held"],
    )
    def held_region() -> None:
        @task(execution_timeout=timedelta(minutes=5))
        def registry_file() -> None:
            raise AirflowFailException(f"region {region!r} is held back by its registry file: {problem}")

        registry_file()

    return held_region()


for _source in load_registry(get_settings().sources_dir).values():
    build_ingest_dag(_source)
for _region, _problem in registry_problems(get_settings().sources_dir).items():
    build_held_dag(_region, _problem)
