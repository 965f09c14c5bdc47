"""The pipeline's stages as plain functions: the DAGs' tasks call these, and so can a person or a test."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

import duckdb

from asn_platform.quality import (
    STAGES,
    QualityGateFailed,
    SuiteError,
    ValidationReport,
    suites_for_stage,
    validate_table,
)
from asn_platform.settings import ApiConnection, Settings, get_settings
from asn_platform.transform import DbtResult, run_dbt
from asn_platform.warehouse import connect


@dataclass(frozen=True)
class IngestSummary:
    region: str
    loaded: int
    unchanged: int
    rows_loaded: int
    rejections: list[str]
    # The datasets of which at least one delivery loaded: the raw Assets this run changed.
    changed_datasets: list[str]


def fetch(
    region: str,
    delivery_date: date,
    settings: Settings | None = None,
    connections: dict[str, ApiConnection] | None = None,
) -> list[dict[str, object]]:
    """Fetch what the region serves through its API into the landing area, as the delivery of `delivery_date`."""
    from ingestion.api import fetch_region

    results = fetch_region(region, delivery_date, settings, connections)
    return [asdict(result) | {"path": str(result.path)} for result in results]


def ingest(region: str, settings: Settings | None = None) -> IngestSummary:
    """Load what the region has pending; rejections are reported in the summary, the other deliveries load."""
    from ingestion.service import load_pending

    results = load_pending(region, settings=settings)
    return IngestSummary(
        region=region,
        loaded=sum(result.status == "loaded" for result in results),
        unchanged=sum(result.status == "unchanged" for result in results),
        rows_loaded=sum(result.loaded for result in results),
        # A delivery that waits (a delta before its full extract) is reported too: somebody has to send the full one.
        rejections=[result.message for result in results if result.status in {"rejected", "waiting"}],
        changed_datasets=sorted({result.delivery.dataset for result in results if result.status == "loaded"}),
    )


def build(settings: Settings | None = None) -> DbtResult:
    return run_dbt(["build"], settings)


# The stages a gate guards after ingestion: the raw layer before dbt reads it (the raw -> staging handoff), and the
# marts before they are published. (Each delivery is validated by ingestion itself, before it loads.)
GATED_STAGES = tuple(stage for stage in STAGES if stage != "delivery")


def gate(stage: str, settings: Settings | None = None, run_id: str | None = None) -> list[ValidationReport]:
    """Validate every suite of `expectations/<stage>/` and record the outcomes; an error-severity failure raises
    QualityGateFailed naming the expectation, table and failing values, so the stage downstream does not run and
    the last published warehouse keeps serving. Warnings are recorded and returned."""
    if stage not in GATED_STAGES:
        raise ValueError(f"unknown stage {stage!r}; the gated stages are {GATED_STAGES}")
    settings = settings or get_settings()
    suites = suites_for_stage(stage)
    unnamed = [str(suite.path) for suite in suites if not suite.table]
    if unnamed:
        raise SuiteError(f"a {stage} suite must name its 'table': {unnamed}")
    run_id = run_id or uuid.uuid4().hex
    with connect(settings=settings) as connection:
        if stage == "raw":
            write_delivery_schedule(connection)
        reports = [validate_table(connection, str(suite.table), suite, stage=stage, run_id=run_id) for suite in suites]
    failed = [report for report in reports if not report.success]
    if failed:
        raise QualityGateFailed(failed)
    return reports


def gate_raw(settings: Settings | None = None, run_id: str | None = None) -> list[ValidationReport]:
    return gate("raw", settings, run_id)


def gate_marts(settings: Settings | None = None, run_id: str | None = None) -> list[ValidationReport]:
    return gate("marts", settings, run_id)


def write_delivery_schedule(connection: duckdb.DuckDBPyConnection) -> None:
    """`raw.delivery_schedule`: the registry's regions and datasets with their schedule and freshness, as the
    registry says now (the freshness check joins it; analysts can see who delivers what, and how often)."""
    from ingestion.load import ensure_raw_tables
    from ingestion.registry import SCHEDULE_COLUMNS, delivery_schedule, load_registry

    ensure_raw_tables(connection)  # a region that has never delivered still has its (empty) raw tables
    rows = delivery_schedule(load_registry())
    columns = ", ".join(
        f"{name} {'INTEGER' if name == 'freshness_days' else 'VARCHAR'} NOT NULL" for name in SCHEDULE_COLUMNS
    )
    connection.execute("BEGIN TRANSACTION")
    connection.execute(f"CREATE OR REPLACE TABLE raw.delivery_schedule ({columns})")
    if rows:
        placeholders = ", ".join(f"({', '.join('?' * len(SCHEDULE_COLUMNS))})" for _ in rows)
        connection.execute(f"INSERT INTO raw.delivery_schedule VALUES {placeholders}", [v for row in rows for v in row])
    connection.execute("COMMIT")
