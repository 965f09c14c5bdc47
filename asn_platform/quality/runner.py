"""Validate a DuckDB table against a suite without copying the table into memory.

Row-level (map) expectations of the types `row_conditions` translates run as SQL in DuckDB, all of a suite's in one
scan (tests/unit/test_quality.py holds each translation to Great Expectations' own result); any other row-level
type runs through Great Expectations on pandas chunks of the table, which add up. Expectations that need the whole
table (row count, column set, uniqueness) run as SQL. Every outcome is recorded in the
warehouse's `dq.expectation_results`, whether or not the gate passes.
"""

from __future__ import annotations

import json
import math
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import insert_rows, qualified, quote_identifier, sql_literal
from asn_platform.quality.suites import QUERY_EXPECTATION, ExpectationSpec, Suite, SuiteError

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_SIZE = 20
_DUCKDB_VECTOR_ROWS = 2048


class QualityGateFailed(RuntimeError):
    """An error-severity expectation failed; the message names the expectation, table and failing values."""

    def __init__(self, reports: list[ValidationReport]):
        self.reports = reports
        lines = [outcome.describe() for report in reports for outcome in report.errors]
        super().__init__("data-quality gate failed:\n  " + "\n  ".join(lines))


@dataclass
class ExpectationOutcome:
    spec: ExpectationSpec
    table: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    observed_value: Any = None
    unexpected_sample: list[Any] = field(default_factory=list)
    # With validate_table(row_key=...): the row_key value of every failing row (row-level and uniqueness checks).
    failing_rows: list[Any] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.spec.type == QUERY_EXPECTATION:
            return f"{self.spec.type}({self.spec.kwargs['description']!r})"
        target = ",".join(self.spec.columns) or "table"
        return f"{self.spec.type}({target})"

    def describe(self) -> str:
        text = f"[{self.spec.severity}] {self.label} on {self.table}"
        if self.success:
            return text + ": passed"
        if self.spec.type == QUERY_EXPECTATION:
            text += f": {self.unexpected_count:,} unexpected rows"
        elif self.unexpected_count is not None:
            text += f": {self.unexpected_count:,} of {self.element_count or 0:,} rows failed"
        elif self.observed_value is not None:
            text += f": observed {self.observed_value!r}"
        if self.unexpected_sample:
            text += f"; e.g. {json.dumps(self.unexpected_sample[:5], default=str, ensure_ascii=False)}"
        hidden = {"column", "description", "unexpected_rows_query"}
        expected = {key: value for key, value in self.spec.kwargs.items() if key not in hidden}
        return text + (f" (expected {json.dumps(expected, default=str)})" if expected else "")


@dataclass
class ValidationReport:
    run_id: str
    stage: str
    suite: str
    table: str
    outcomes: list[ExpectationOutcome]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.spec.severity == "error"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.spec.severity == "warning"]

    @property
    def success(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        if self.errors:
            raise QualityGateFailed([self])


# Great Expectations (seconds to import) and pandas load only when a suite has a row-level type without a SQL
# translation (_validate_rows_in_gx); the types the suites use run in SQL.
@cache
def _batch_definition() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("duckdb_chunks")
    return source.add_dataframe_asset("chunk").add_batch_definition_whole_dataframe("whole_chunk")


def _gx_suite(suite: Suite, specs: list[ExpectationSpec]) -> Any:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = [
        ExpectationConfiguration(type=spec.type, kwargs=spec.kwargs, meta={"index": spec.index}).to_domain_obj()
        for spec in specs
    ]
    return gx.ExpectationSuite(name=suite.name, expectations=expectations)


@dataclass
class _Tally:
    element_count: int = 0
    missing_count: int = 0
    unexpected_count: int = 0
    chunks_failed: bool = False
    sample: list[Any] = field(default_factory=list)
    failing_rows: list[Any] = field(default_factory=list)

    def add(self, success: bool, result: dict[str, Any], row_key: str | None = None) -> None:
        if row_key:
            self.failing_rows.extend(_plain(row[row_key]) for row in result.get("unexpected_index_list") or [])
        self.element_count += int(result.get("element_count") or 0)
        self.missing_count += int(result.get("missing_count") or 0)
        self.unexpected_count += int(result.get("unexpected_count") or 0)
        self.chunks_failed |= not success
        room = SAMPLE_SIZE - len(self.sample)
        if room > 0:
            rows = result.get("partial_unexpected_index_list") or result.get("partial_unexpected_list") or []
            self.sample.extend(_plain(row) for row in rows[:room])

    def success(self, spec: ExpectationSpec) -> bool:
        mostly = spec.kwargs.get("mostly")
        if mostly is None:
            return self.unexpected_count == 0 and not self.chunks_failed
        considered = self.element_count
        if spec.type != "expect_column_values_to_not_be_null":
            considered -= self.missing_count
        # The same form as Great Expectations (success ratio >= mostly), so floats round the same way.
        return considered == 0 or (considered - self.unexpected_count) / considered >= mostly


def _plain(value: Any) -> Any:
    """JSON-friendly values for samples (numpy scalars, NaN, timestamps)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    # pandas' missing values come only from Great Expectations' chunks; the SQL path never loads pandas.
    pandas = sys.modules.get("pandas")
    if pandas is not None and (value is pandas.NA or value is pandas.NaT):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, Decimal):  # DECIMAL columns (IKM, shares): a number in JSON, as in the table
        value = float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _bound_literal(value: object) -> str:
    """A bound as SQL: numbers as numbers (DuckDB casts a quoted '1.5' to an INTEGER column's type, so `2 > '1.5'`
    is false), anything else (dates) quoted."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return sql_literal(value)


def row_conditions(spec: ExpectationSpec) -> tuple[str, str] | None:  # noqa: PLR0911 - one return per type
    """SQL for a row-level expectation Great Expectations would evaluate row by row: (the rows it ignores, the
    rows it counts as unexpected among the rest), or None for a type without a translation here (those run in
    Great Expectations itself). tests/unit/test_quality.py holds each translation to Great Expectations' own
    result on the same rows, NULLs and edge values included."""
    kwargs = spec.kwargs
    if spec.type == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = quote_identifier(kwargs["column_A"]), quote_identifier(kwargs["column_B"])
        ignore = {
            "both_values_are_missing": f"{a} IS NULL AND {b} IS NULL",
            "either_value_is_missing": f"({a} IS NULL OR {b} IS NULL)",
            "neither": "false",
        }.get(kwargs.get("ignore_row_if", "both_values_are_missing"))
        if ignore is None:
            return None
        # A comparison with one side missing is not true: unexpected, as in pandas.
        return ignore, f"({a} {'>=' if kwargs.get('or_equal') else '>'} {b}) IS NOT TRUE"
    column = quote_identifier(kwargs["column"]) if "column" in kwargs else None
    if column is None:
        return None
    missing = f"{column} IS NULL"
    if spec.type == "expect_column_values_to_not_be_null":
        return "false", missing
    if spec.type == "expect_column_values_to_be_in_set" and kwargs.get("value_set"):
        values = ", ".join(sql_literal(value) for value in kwargs["value_set"])
        return missing, f"{column} NOT IN ({values})"
    if spec.type == "expect_column_value_lengths_to_equal":
        # length() counts characters, as pandas' str.len does.
        return missing, f"length({column}::VARCHAR) <> {int(kwargs['value'])}"
    if spec.type == "expect_column_values_to_match_regex":
        # Great Expectations searches (re.search); so does regexp_matches.
        return missing, f"NOT regexp_matches({column}::VARCHAR, {sql_literal(kwargs['regex'])})"
    if spec.type == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is None and high is None:
            return None
        outside = []
        if low is not None:
            outside.append(f"{column} {'<=' if kwargs.get('strict_min') else '<'} {_bound_literal(low)}")
        if high is not None:
            outside.append(f"{column} {'>=' if kwargs.get('strict_max') else '>'} {_bound_literal(high)}")
        return missing, " OR ".join(outside)
    return None


def _validate_rows_in_sql(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    specs: list[tuple[ExpectationSpec, tuple[str, str]]],
    keys: list[str],
    row_key: str | None,
) -> list[_Tally]:
    """Every translated expectation counted in one scan; failing rows fetched only for those that failed."""
    target = qualified(table)
    # Failing rows in key order (a view has no rowid); without keys, in the table's own order.
    order = ("ORDER BY " + ", ".join(map(quote_identifier, keys))) if keys else ""
    counts = ", ".join(
        # coalesce: over no rows at all, count_if gives NULL, not 0
        f"coalesce(count_if({ignore}), 0), coalesce(count_if(NOT ({ignore}) AND ({unexpected})), 0)"
        for _, (ignore, unexpected) in specs
    )
    (total, *tallied) = cursor.execute(f"SELECT count(*), {counts} FROM {target}").fetchall()[0]
    tallies = []
    for position, (spec, (ignore, unexpected)) in enumerate(specs):
        missing, failed = tallied[2 * position], tallied[2 * position + 1]
        tally = _Tally(element_count=total, missing_count=missing, unexpected_count=failed)
        if failed:
            # One scan for the sample and, when asked for, every failing row's key (keys lead `shown`).
            shown = list(dict.fromkeys([*keys, *spec.columns]))
            limit = "" if row_key else f"LIMIT {SAMPLE_SIZE}"
            rows = cursor.execute(
                f"""SELECT {", ".join(map(quote_identifier, shown))} FROM {target}
                    WHERE NOT ({ignore}) AND ({unexpected}) {order} {limit}"""
            ).fetchall()
            tally.sample = [
                {column: _plain(value) for column, value in zip(shown, row, strict=True)} for row in rows[:SAMPLE_SIZE]
            ]
            if row_key:
                tally.failing_rows = [_plain(row[shown.index(row_key)]) for row in rows]
        tallies.append(tally)
    return tallies


def _validate_rows(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    suite: Suite,
    *,
    chunk_rows: int,
    columns: set[str],
    row_key: str | None = None,
) -> list[_Tally]:
    """Row-level expectations: those with a SQL translation in one scan in DuckDB, any other in Great Expectations
    on chunks of the table (`columns`: the table's)."""
    keys = [column for column in suite.key_columns if column in columns]
    if row_key and row_key not in keys:
        keys = [row_key, *keys]
    translated = {spec.index: row_conditions(spec) for spec in suite.row_level}
    in_sql = [(spec, conditions) for spec in suite.row_level if (conditions := translated[spec.index])]
    by_index: dict[int, _Tally] = {}
    if in_sql:
        sql_tallies = _validate_rows_in_sql(cursor, table, in_sql, keys, row_key)
        by_index.update(zip([spec.index for spec, _ in in_sql], sql_tallies, strict=True))
    in_gx = [spec for spec in suite.row_level if not translated[spec.index]]
    gx_tallies = _validate_rows_in_gx(cursor, table, suite, in_gx, chunk_rows=chunk_rows, keys=keys, row_key=row_key)
    by_index.update(zip([spec.index for spec in in_gx], gx_tallies, strict=True))
    return [by_index[spec.index] for spec in suite.row_level]


def _validate_rows_in_gx(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    suite: Suite,
    specs: list[ExpectationSpec],
    *,
    chunk_rows: int,
    keys: list[str],
    row_key: str | None,
) -> list[_Tally]:
    tallies = [_Tally() for _ in specs]
    if not specs:
        return tallies
    batch_definition = _batch_definition()
    gx_suite = _gx_suite(suite, specs)
    # COMPLETE lists every failing row (by its key) when the caller routes failing rows somewhere.
    result_format: dict[str, Any] = {
        "result_format": "COMPLETE" if row_key else "SUMMARY",
        "partial_unexpected_count": SAMPLE_SIZE,
        "return_unexpected_index_query": False,
    }
    if keys:
        result_format["unexpected_index_column_names"] = keys
    cursor.execute(f"SELECT * FROM {qualified(table)}")
    vectors = max(1, math.ceil(chunk_rows / _DUCKDB_VECTOR_ROWS))
    while True:
        chunk: pd.DataFrame = cursor.fetch_df_chunk(vectors)
        if chunk.empty:
            break
        result = batch_definition.get_batch(batch_parameters={"dataframe": chunk}).validate(
            gx_suite, result_format=result_format
        )
        for expectation_result in result.results:
            index = expectation_result.expectation_config.meta["index"]
            raised = (expectation_result.exception_info or {}).get("raised_exception")
            if raised:
                message = expectation_result.exception_info.get("exception_message")
                raise SuiteError(f"{suite.path}: expectation #{index + 1} could not be evaluated: {message}")
            position = next(i for i, spec in enumerate(specs) if spec.index == index)
            tallies[position].add(expectation_result.success, expectation_result.result, row_key)
    return tallies


def _validate_query(
    cursor: duckdb.DuckDBPyConnection, table: str, spec: ExpectationSpec, where: Path
) -> ExpectationOutcome:
    """Great Expectations' UnexpectedRowsExpectation in DuckDB: the query's rows are the unexpected ones."""
    query = spec.kwargs["unexpected_rows_query"].replace("{batch}", qualified(table))
    try:
        relation = cursor.execute(f"SELECT * FROM ({query}) LIMIT {SAMPLE_SIZE}")
        names = [column[0] for column in relation.description]
        sample = [dict(zip(names, map(_plain, row), strict=True)) for row in relation.fetchall()]
        count = len(sample)
        if count == SAMPLE_SIZE:  # there may be more: count them all
            (count,) = cursor.execute(f"SELECT count(*) FROM ({query})").fetchone()
    except duckdb.Error as error:
        raise SuiteError(f"{where}: expectation #{spec.index + 1} ({spec.kwargs['description']!r}): {error}") from None
    return ExpectationOutcome(
        spec, table, count == 0, None, int(count), observed_value=int(count), unexpected_sample=sample
    )


def _validate_in_sql(
    cursor: duckdb.DuckDBPyConnection, table: str, spec: ExpectationSpec, where: Path, row_key: str | None = None
) -> ExpectationOutcome:
    target = qualified(table)
    kwargs = spec.kwargs
    if spec.type == QUERY_EXPECTATION:
        return _validate_query(cursor, table, spec, where)
    if spec.type == "expect_table_row_count_to_be_between":
        (count,) = cursor.execute(f"SELECT count(*) FROM {target}").fetchone()
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        ok = (low is None or count >= low) and (high is None or count <= high)
        return ExpectationOutcome(spec, table, ok, observed_value=count)
    if spec.type == "expect_table_columns_to_match_set":
        actual = {row[0] for row in cursor.execute(f"DESCRIBE {target}").fetchall()}
        expected = set(kwargs["column_set"])
        ok = actual == expected if kwargs.get("exact_match", True) else expected <= actual
        observed = {"missing": sorted(expected - actual), "unexpected": sorted(actual - expected)}
        return ExpectationOutcome(spec, table, ok, observed_value=observed)
    columns = [kwargs["column"]] if spec.type == "expect_column_values_to_be_unique" else list(kwargs["column_list"])
    column_sql = ", ".join(quote_identifier(column) for column in columns)
    not_null = " AND ".join(f"{quote_identifier(column)} IS NOT NULL" for column in columns)
    # First one pass grouping by a 64-bit hash of the key (one fixed-width value instead of several strings: about
    # twice as fast on tens of millions of rows); only the rows of hashes seen more than once are then grouped by
    # the key itself, so a hash collision can never pass for a duplicate.
    suspects = f"""SELECT * FROM {target} WHERE hash({column_sql}) IN (
                     SELECT hash({column_sql}) FROM {target} WHERE {not_null}
                     GROUP BY 1 HAVING count(*) > 1) AND {not_null}"""
    duplicates = f"SELECT {column_sql}, count(*) AS n FROM ({suspects}) GROUP BY ALL HAVING count(*) > 1"
    (element_count,) = cursor.execute(f"SELECT count(*) FROM {target}").fetchone()
    cursor.execute(f"CREATE OR REPLACE TEMP TABLE _asn_duplicates AS {duplicates}")
    try:
        (unexpected,) = cursor.execute("SELECT coalesce(sum(n), 0) FROM _asn_duplicates").fetchone()
        sample_rows = cursor.execute(
            f"FROM _asn_duplicates ORDER BY n DESC, {column_sql} LIMIT {SAMPLE_SIZE}"
        ).fetchall()
        failing = []
        if row_key and unexpected:
            # Every row sharing a duplicated key: which of them is right cannot be told from the data.
            failing = [
                _plain(value)
                for (value,) in cursor.execute(
                    f"""SELECT {quote_identifier(row_key)} FROM {target}
                        WHERE ({column_sql}) IN (SELECT ({column_sql}) FROM _asn_duplicates) ORDER BY 1"""
                ).fetchall()
            ]
    finally:
        cursor.execute("DROP TABLE IF EXISTS _asn_duplicates")
    sample = [dict(zip([*columns, "rows"], (_plain(v) for v in row), strict=True)) for row in sample_rows]
    return ExpectationOutcome(
        spec, table, unexpected == 0, element_count, int(unexpected), unexpected_sample=sample, failing_rows=failing
    )


def _check_columns(cursor: duckdb.DuckDBPyConnection, table: str, suite: Suite) -> set[str]:
    """The table's columns. A suite that names a column the table lacks is a mistake in the suite, not a passing
    check."""
    columns = {row[0] for row in cursor.execute(f"DESCRIBE {qualified(table)}").fetchall()}
    for spec in suite.expectations:
        unknown = [column for column in spec.columns if column not in columns]
        if unknown:
            raise SuiteError(
                f"{suite.path}: expectation #{spec.index + 1} ({spec.type}) names column(s) {unknown} "
                f"that {table} does not have; it has {sorted(columns)}"
            )
    return columns


def validate_table(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    suite: Suite,
    *,
    settings: Settings,
    stage: str | None = None,
    run_id: str | None = None,
    chunk_rows: int | None = None,
    record: bool = True,
    row_key: str | None = None,
) -> ValidationReport:
    """Validate `table` (schema.name) against `suite`; record the outcomes; return the report (it never raises on
    failing data: call `report.raise_for_errors()` where an error must block). With `row_key` (a column naming each
    row), every failing row of a row-level or uniqueness check is listed in its outcome's `failing_rows`."""
    chunk_rows = chunk_rows or settings.dq_chunk_rows
    cursor = connection.cursor()
    try:
        # Freshness queries measure a delivery's age against this day: getvariable('asn_as_of').
        cursor.execute("SET VARIABLE asn_as_of = ?::DATE", [settings.freshness_date()])
        columns = _check_columns(cursor, table, suite)
        tallies = iter(_validate_rows(cursor, table, suite, chunk_rows=chunk_rows, columns=columns, row_key=row_key))
        outcomes = []
        for spec in suite.expectations:
            if spec.is_table_level:
                outcomes.append(_validate_in_sql(cursor, table, spec, suite.path, row_key))
            else:
                tally = next(tallies)
                outcomes.append(
                    ExpectationOutcome(
                        spec,
                        table,
                        tally.success(spec),
                        tally.element_count,
                        tally.unexpected_count,
                        unexpected_sample=tally.sample,
                        failing_rows=tally.failing_rows,
                    )
                )
    finally:
        cursor.close()
    report = ValidationReport(run_id or uuid.uuid4().hex, stage or suite.stage, suite.name, table, outcomes)
    if record:
        record_report(connection, report)
    return report


RESULTS_TABLE = "dq.expectation_results"
# The same, as (schema, table), for catalogue look-ups.
RESULTS_SCHEMA, RESULTS_TABLE_NAME = RESULTS_TABLE.split(".")


def record_report(connection: duckdb.DuckDBPyConnection, report: ValidationReport) -> None:
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {RESULTS_SCHEMA}")
    connection.execute(
        f"""CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} (
            run_id VARCHAR NOT NULL, stage VARCHAR NOT NULL, suite VARCHAR NOT NULL, table_name VARCHAR NOT NULL,
            expectation VARCHAR NOT NULL, column_name VARCHAR, kwargs JSON, severity VARCHAR NOT NULL,
            success BOOLEAN NOT NULL, element_count BIGINT, unexpected_count BIGINT, observed_value JSON,
            unexpected_sample JSON, validated_at TIMESTAMPTZ NOT NULL)"""
    )
    now = datetime.now(UTC)
    rows = [
        (
            report.run_id,
            report.stage,
            report.suite,
            report.table,
            o.spec.type,
            o.spec.column,
            json.dumps(o.spec.kwargs, default=str),
            o.spec.severity,
            o.success,
            o.element_count,
            o.unexpected_count,
            json.dumps(_plain(o.observed_value), default=str),
            json.dumps(o.unexpected_sample, default=str, ensure_ascii=False),
            now,
        )
        for o in report.outcomes
    ]
    insert_rows(connection, RESULTS_TABLE, rows)
