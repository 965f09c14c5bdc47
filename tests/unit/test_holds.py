"""Which regions a failing marts-gate expectation holds back (asn_platform/quality/holds.py), on a real DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from asn_platform.quality.holds import failing_regions, held_regions, record_holds, regions_to_hold
from asn_platform.quality.runner import ExpectationOutcome, ValidationReport
from asn_platform.quality.suites import ExpectationSpec


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA core")
    connection.execute(
        """CREATE TABLE core.units AS SELECT * FROM (VALUES
               ('a', 'U1', 10), ('a', 'U2', -1), ('b', 'U1', -5), ('b', 'U1', 3), ('c', 'U9', 1))
           AS t(region, unit_code, staff)"""
    )
    return connection


def _failed(spec_type: str, **kwargs: object) -> ExpectationOutcome:
    return ExpectationOutcome(ExpectationSpec(spec_type, kwargs, "error", 0), "core.units", False)


def test_a_row_rule_is_pinned_on_the_regions_of_its_failing_rows(connection: duckdb.DuckDBPyConnection) -> None:
    outcome = _failed("expect_column_values_to_be_between", column="staff", min_value=0)
    assert failing_regions(connection, outcome) == {"a": 1, "b": 1}


def test_a_duplicate_key_is_its_region_s_when_the_key_holds_the_region(connection: duckdb.DuckDBPyConnection) -> None:
    within = _failed("expect_compound_columns_to_be_unique", column_list=["region", "unit_code"])
    assert failing_regions(connection, within) == {"b": 1}
    across = _failed("expect_column_values_to_be_unique", column="unit_code")
    assert failing_regions(connection, across) is None


def test_a_query_is_pinned_by_the_region_column_of_its_rows(connection: duckdb.DuckDBPyConnection) -> None:
    named = _failed(
        "unexpected_rows_expectation",
        description="units known",
        unexpected_rows_query="SELECT region, unit_code FROM {batch} WHERE unit_code = 'U9'",
    )
    assert failing_regions(connection, named) == {"c": 1}
    unnamed = _failed(
        "unexpected_rows_expectation", description="total", unexpected_rows_query="SELECT sum(staff) FROM {batch}"
    )
    assert failing_regions(connection, unnamed) is None


def test_a_table_level_check_holds_everyone(connection: duckdb.DuckDBPyConnection) -> None:
    outcome = _failed("expect_table_row_count_to_be_between", min_value=100)
    assert failing_regions(connection, outcome) is None
    report = ValidationReport("run", "marts", "marts.units", "core.units", [outcome])
    assert regions_to_hold(connection, [report], {"a", "b", "c"}) is None


def test_holds_name_each_region_with_its_errors_unless_every_region_fails(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    negative = _failed("expect_column_values_to_be_between", column="staff", min_value=0)
    report = ValidationReport("run", "marts", "marts.units", "core.units", [negative])
    holds = regions_to_hold(connection, [report], {"a", "b", "c"})
    assert holds == {
        "a": ["expect_column_values_to_be_between(staff) on core.units: 1 of its rows"],
        "b": ["expect_column_values_to_be_between(staff) on core.units: 1 of its rows"],
    }
    assert regions_to_hold(connection, [report], {"a", "b"}) is None  # nobody left to publish

    record_holds(connection, "run-1", holds)
    assert held_regions(connection) == holds
    record_holds(connection, "run-2", {})  # a passing gate clears them
    assert held_regions(connection) == {}
