"""The pipeline's stages as plain functions: the DAGs' tasks call these, and so can a person or a test."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

import duckdb

from asn_platform.core.settings import ApiConnection, Settings
from asn_platform.core.warehouse import connect, has_table
from asn_platform.quality import (
    STAGES,
    QualityGateFailed,
    SuiteError,
    ValidationReport,
    suites_for_stage,
)
from asn_platform.quality.holds import record_holds, regions_to_hold
from asn_platform.quality.scope import GateRun
from asn_platform.transform.dbt import PIPELINE_EXCLUDES, DbtResult, run_dbt
from ingestion.api import fetch_region
from ingestion.service import DELIVERY_SCHEDULE_TABLE, load_pending


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
    settings: Settings,
    connections: dict[str, ApiConnection] | None = None,
) -> list[dict[str, object]]:
    """Fetch what the region serves through its API into the landing area, as the delivery of `delivery_date`."""
    results = fetch_region(region, delivery_date, settings, connections)
    return [asdict(result) | {"path": str(result.path)} for result in results]


def ingest(region: str, settings: Settings) -> IngestSummary:
    """Load what the region has pending; rejections are reported in the summary, the other deliveries load."""
    results = load_pending(settings, region)
    return IngestSummary(
        region=region,
        loaded=sum(result.status == "loaded" for result in results),
        unchanged=sum(result.status == "unchanged" for result in results),
        rows_loaded=sum(result.loaded for result in results),
        # A delivery that waits (a delta before its full extract) is reported too: somebody has to send the full one.
        rejections=[result.message for result in results if result.status in {"rejected", "waiting"}],
        changed_datasets=sorted({result.delivery.dataset for result in results if result.status == "loaded"}),
    )


def build(settings: Settings) -> DbtResult:
    return run_dbt(["build", *PIPELINE_EXCLUDES], settings)


# The stages a gate guards after ingestion: the raw layer before dbt reads it (the raw -> staging handoff), and the
# marts before they are published. (Each delivery is validated by ingestion itself, before it loads.)
GATED_STAGES = tuple(stage for stage in STAGES if stage != "delivery")


class NothingToCheck(RuntimeError):
    """A gate's tables are not in the build database yet; the message says which, and what comes first."""


# Tables a stage's suites read besides their own: the raw gate's freshness check joins the registry's schedule.
_ALSO_READ = {"raw": (DELIVERY_SCHEDULE_TABLE,)}
# What has to run before a gate has something to check (a gate writes nothing but its results).
_NOT_READY = {
    "raw": "no delivery has loaded yet; run the ingestion DAGs (or `python -m ingestion load --all`) first",
    "marts": "dbt has not built them yet; run the build (`python -m asn_platform dbt build`) first",
}


def gate(stage: str, settings: Settings, run_id: str | None = None, *, whole: bool = False) -> list[ValidationReport]:
    """Validate every suite of `expectations/<stage>/` and record the outcomes; an error-severity failure raises
    QualityGateFailed naming the expectation, table and failing values, so the stage downstream does not run and
    the last published warehouse keeps serving. Warnings are recorded and returned.

    Each rule is checked on what changed since the stage's last passing run (asn_platform.quality.scope): the raw
    gate on the rows of loads it has not seen, the marts gate on the partitions whose fingerprint changed, besides
    the whole-table checks (row counts, reconciliations, relationships). A first run, a changed suite or
    `whole=True` checks every table whole. What the next run compares with is kept only when this one passes."""
    if stage not in GATED_STAGES:
        raise ValueError(f"unknown stage {stage!r}; the gated stages are {GATED_STAGES}")
    suites = suites_for_stage(stage)
    unnamed = [str(suite.path) for suite in suites if not suite.table]
    if unnamed:
        raise SuiteError(f"a {stage} suite must name its 'table': {unnamed}")
    run_id = run_id or uuid.uuid4().hex
    if not settings.warehouse_path.exists():
        raise NothingToCheck(f"no build database at {settings.warehouse_path}: {_NOT_READY[stage]}")
    with connect(settings=settings) as connection:
        tables = sorted({str(suite.table) for suite in suites} | set(_ALSO_READ.get(stage, ())))
        missing = [table for table in tables if not has_table(connection, *table.split("."))]
        if missing:
            raise NothingToCheck(f"the {stage} gate's tables {missing} are not in {settings.warehouse_path}: "
                                 f"{_NOT_READY[stage]}")  # fmt: skip
        with GateRun(connection, stage, settings=settings, run_id=run_id, whole=whole) as run:
            reports = [run.validate(suite) for suite in suites]
            run.record_scopes()
            failed = [report for report in reports if not report.success]
            holds = _regions_to_hold(connection, failed) if stage == "marts" and failed else None
            if stage == "marts" and (holds or not failed):
                record_holds(connection, run_id, holds or {})
            if not failed:
                run.commit()
            # With regions held, what this run checked is not kept: the next one checks them again.
    if failed and not holds:
        raise QualityGateFailed(failed)
    for region, reasons in (holds or {}).items():
        print(
            f"gate_marts: region {region} held back (it keeps serving its last published data): " + "; ".join(reasons)
        )
    return reports


def _regions_to_hold(
    connection: duckdb.DuckDBPyConnection, failed: list[ValidationReport]
) -> dict[str, list[str]] | None:
    """The regions the marts gate's errors hold back, if the errors are theirs alone (quality/holds.py)."""
    regions = {region for (region,) in connection.execute("SELECT region FROM core.dim_region").fetchall()}
    return regions_to_hold(connection, failed, regions)


def gate_raw(settings: Settings, run_id: str | None = None) -> list[ValidationReport]:
    return gate("raw", settings, run_id)


def gate_marts(settings: Settings, run_id: str | None = None) -> list[ValidationReport]:
    return gate("marts", settings, run_id)
