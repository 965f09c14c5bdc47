"""The pipeline's stages as plain functions: the DAGs' tasks call these, and so can a person or a test."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from asn_platform.quality import QualityGateFailed, SuiteError, ValidationReport, suites_for_stage, validate_table
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
    )


def build(settings: Settings | None = None) -> DbtResult:
    return run_dbt(["build"], settings)


def gate_marts(settings: Settings | None = None, run_id: str | None = None) -> list[ValidationReport]:
    """Validate every mart suite; any error blocks publishing (the last published warehouse keeps serving)."""
    settings = settings or get_settings()
    suites = suites_for_stage("marts")
    unnamed = [str(suite.path) for suite in suites if not suite.table]
    if unnamed:
        raise SuiteError(f"a mart suite must name its 'table': {unnamed}")
    with connect(settings=settings) as connection:
        reports = [
            validate_table(connection, str(suite.table), suite, stage="marts", run_id=run_id) for suite in suites
        ]
    failed = [report for report in reports if not report.success]
    if failed:
        raise QualityGateFailed(failed)
    return reports
