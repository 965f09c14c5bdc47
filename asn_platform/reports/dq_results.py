"""The data-quality results the runner recorded in `dq.expectation_results`, read back for the pages that show them
(the Data Docs, the report index): the latest runs of each (stage, suite), with a delivery's audit row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import WarehouseUnavailable, connect, has_table
from asn_platform.quality.runner import RESULTS_SCHEMA, RESULTS_TABLE, RESULTS_TABLE_NAME

# Runs shown per (stage, suite), newest first; older ones stay in dq.expectation_results.
RUNS_KEPT = 10


class DataDocsError(RuntimeError):
    """The Data Docs cannot be built: no build database, no recorded results, or a page would load a remote file."""


@dataclass
class RecordedOutcome:
    expectation: str
    column: str | None
    kwargs: dict[str, Any]
    severity: str
    success: bool
    element_count: int | None
    unexpected_count: int | None
    observed_value: Any
    unexpected_sample: list[Any]


@dataclass
class RecordedRun:
    """One recorded validation of one table against one suite."""

    stage: str
    suite: str
    run_id: str
    table: str
    validated_at: datetime
    audit: dict[str, Any] | None = None  # raw.load_audit's row, for a delivery
    outcomes: list[RecordedOutcome] = field(default_factory=list)

    @property
    def batch_name(self) -> str:
        """What readers know the batch by: a delivery's source file, otherwise the table."""
        return (self.audit or {}).get("source_file") or self.table

    @property
    def gate_passed(self) -> bool:
        return not any(not o.success and o.severity == "error" for o in self.outcomes)


def latest_runs_sql(limit: int = RUNS_KEPT) -> str:
    """The latest `limit` runs of each (stage, suite) in dq.expectation_results: stage, suite, run_id, table_name,
    run_at (when it was recorded) and run_rank (1 for the newest)."""
    return f"""
        WITH runs AS (
            SELECT stage, suite, run_id, table_name, max(validated_at) AS run_at
            FROM {RESULTS_TABLE} GROUP BY stage, suite, run_id, table_name),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY stage, suite ORDER BY run_at DESC, run_id DESC) AS run_rank
            FROM runs)
        SELECT * FROM ranked WHERE run_rank <= {int(limit)}"""


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@contextmanager
def recorded_results(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the build database, after checking it holds recorded results. Raises
    DataDocsError naming the path and what to run."""
    path = settings.warehouse_path
    if not path.is_file():
        raise DataDocsError(
            f"no build database at {path}: run the pipeline first (`make run`), which records the data-quality results"
        )
    with ExitStack() as stack:
        try:
            connection = stack.enter_context(connect(path, read_only=True, settings=settings))
        except WarehouseUnavailable as error:
            raise DataDocsError(str(error)) from None
        if not has_table(connection, RESULTS_SCHEMA, RESULTS_TABLE_NAME):
            raise DataDocsError(
                f"{path} has no {RESULTS_TABLE} yet: no data-quality gate has run; run the pipeline (`make run`)"
            )
        yield connection


def read_runs(settings: Settings, limit: int = RUNS_KEPT) -> list[RecordedRun]:
    """The latest `limit` recorded runs of each (stage, suite), newest first within each, outcomes in suite order."""
    with recorded_results(settings) as connection:
        with_audit = has_table(connection, "raw", "load_audit")
        audit_columns = ("region", "dataset", "delivery_date", "source_file")
        audit_select = (
            ", ".join(f"a.{column}" for column in audit_columns)
            if with_audit
            else ", ".join(f"NULL AS {column}" for column in audit_columns)
        )
        audit_join = "LEFT JOIN raw.load_audit a ON l.stage = 'delivery' AND a.load_id = l.run_id" if with_audit else ""
        rows = connection.execute(
            f"""WITH latest AS ({latest_runs_sql(limit)})
                SELECT l.stage, l.suite, l.run_id, l.table_name, l.run_at, {audit_select},
                       r.expectation, r.column_name, r.kwargs, r.severity, r.success, r.element_count,
                       r.unexpected_count, r.observed_value, r.unexpected_sample
                FROM latest l
                JOIN {RESULTS_TABLE} r USING (stage, suite, run_id, table_name)
                {audit_join}
                ORDER BY l.stage, l.suite, l.run_rank, r.rowid"""
        ).fetchall()
    runs: dict[tuple[str, str, str, str], RecordedRun] = {}
    for stage, suite, run_id, table, run_at, region, dataset, delivery_date, source_file, *outcome in rows:
        run = runs.get((stage, suite, run_id, table))
        if run is None:
            audit = None
            if source_file is not None:
                audit = {"region": region, "dataset": dataset, "delivery_date": str(delivery_date)}
                audit["source_file"] = source_file
            run = runs[(stage, suite, run_id, table)] = RecordedRun(
                stage, suite, run_id, table, run_at.astimezone(UTC), audit
            )
        expectation, column, kwargs, severity, success, elements, unexpected, observed, sample = outcome
        run.outcomes.append(
            RecordedOutcome(
                expectation,
                column,
                _json(kwargs) or {},
                severity,
                bool(success),
                elements,
                unexpected,
                _json(observed),
                _json(sample) or [],
            )
        )
    return list(runs.values())
