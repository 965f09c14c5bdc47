"""Holding back one region: a marts-gate error whose failing rows all belong to some regions holds those regions
back instead of the whole publication. The others publish; a held region keeps serving what the last good version
published of it (asn_platform/serving/publish.py), until a build passes its checks again.

An error is attributed to regions when its failing rows name them: a row rule's failing rows and a duplicate key
by their `region` column, a query expectation by the `region` column of its unexpected rows. A table-level check
(row count, columns), a rule run in Great Expectations, or failing rows without a region stop everyone, as does an
error in every region. The holds of the latest marts gate are in `dq.held_regions` of the build database.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from asn_platform.core.warehouse import insert_rows, qualified, quote_identifier
from asn_platform.quality.expectation_types import QUERY_EXPECTATION
from asn_platform.quality.runner import RESULTS_SCHEMA, ExpectationOutcome, ValidationReport, row_conditions

HOLDS_TABLE = f"{RESULTS_SCHEMA}.held_regions"
REGION = "region"
_UNIQUE = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


def failing_regions(connection: duckdb.DuckDBPyConnection, outcome: ExpectationOutcome) -> dict[str, int] | None:
    """The regions whose rows fail `outcome` (over its whole table), each with how many of its rows do (or, for a
    duplicate key, how many keys), or None when the failure names no region."""
    spec, table = outcome.spec, qualified(outcome.table)
    described = connection.execute(f"DESCRIBE {table}").fetchall()
    columns = {row[0] for row in described}
    if spec.type == QUERY_EXPECTATION:
        query = spec.kwargs["unexpected_rows_query"].replace("{batch}", table)
        names = [column[0] for column in connection.execute(f"SELECT * FROM ({query}) LIMIT 0").description]
        if REGION not in names:
            return None
        rows = f"SELECT {REGION} FROM ({query})"
    elif spec.type in _UNIQUE and REGION in columns:
        key = [spec.kwargs["column"]] if "column" in spec.kwargs else list(spec.kwargs["column_list"])
        if REGION not in key:
            return None  # a key repeated across regions is no one region's
        key_sql = ", ".join(map(quote_identifier, key))
        rows = f"SELECT {REGION} FROM {table} GROUP BY {key_sql} HAVING count(*) > 1"
    elif (conditions := row_conditions(spec)) is not None and REGION in columns:
        ignore, unexpected = conditions
        rows = f"SELECT {REGION} FROM {table} WHERE NOT ({ignore}) AND ({unexpected})"
    else:
        return None
    counts = dict(connection.execute(f"SELECT {REGION}, count(*) FROM ({rows}) GROUP BY ALL").fetchall())
    if not counts or None in counts:
        return None
    return counts


def regions_to_hold(
    connection: duckdb.DuckDBPyConnection, failed: list[ValidationReport], regions: set[str]
) -> dict[str, list[str]] | None:
    """For the failed reports of a marts gate: each region to hold back with the errors that hold it, or None when
    an error cannot be pinned on regions or would hold back every one of `regions` (the regions the build holds)."""
    holds: dict[str, list[str]] = {}
    for report in failed:
        for outcome in report.errors:
            pinned = failing_regions(connection, outcome)
            if pinned is None:
                return None
            for region, count in sorted(pinned.items()):
                holds.setdefault(region, []).append(f"{outcome.label} on {outcome.table}: {count:,} of its rows")
    if not holds or set(holds) >= regions:
        return None
    return holds


def record_holds(connection: duckdb.DuckDBPyConnection, run_id: str, holds: dict[str, list[str]]) -> None:
    """`holds` become the latest marts gate's (none: a passing gate clears them)."""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {RESULTS_SCHEMA}")
    connection.execute(
        f"""CREATE TABLE IF NOT EXISTS {HOLDS_TABLE} (
            run_id VARCHAR NOT NULL, region VARCHAR NOT NULL, reasons VARCHAR[] NOT NULL,
            held_at TIMESTAMPTZ NOT NULL)"""
    )
    connection.execute(f"DELETE FROM {HOLDS_TABLE}")
    now = datetime.now(UTC)
    insert_rows(connection, HOLDS_TABLE, [(run_id, region, reasons, now) for region, reasons in sorted(holds.items())])


def held_regions(connection: duckdb.DuckDBPyConnection, database: str | None = None) -> dict[str, list[str]]:
    """The regions the latest marts gate held back, each with its reasons (`database`: an attached one's)."""
    schema, table = HOLDS_TABLE.split(".")
    prefix = f"{database}." if database else ""
    found = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?"
        + (" AND database_name = ?" if database else ""),
        [schema, table, *([database] if database else [])],
    ).fetchone()[0]
    if not found:
        return {}
    rows = connection.execute(f"SELECT region, reasons FROM {prefix}{HOLDS_TABLE} ORDER BY region").fetchall()
    return {region: list(reasons) for region, reasons in rows}
