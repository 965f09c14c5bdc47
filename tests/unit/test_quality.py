"""The data-quality runner on real DuckDB tables: exact counts, failing keys, chunking, severity, recorded results."""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from asn_platform.core.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, Settings
from asn_platform.core.warehouse import connect
from asn_platform.quality import QualityGateFailed, SuiteError, load_suite, validate_table

SUITE = """
suite: test.people
table: main.people
key_columns: [id]
expectations:
  - type: expect_table_row_count_to_be_between
    kwargs: {min_value: 1, max_value: 10000}
  - type: expect_column_values_to_match_regex
    kwargs: {column: nip, regex: "^[0-9]{18}$"}
  - type: expect_column_values_to_be_in_set
    kwargs: {column: gender, value_set: [M, F]}
  - type: expect_column_values_to_be_unique
    kwargs: {column: nip}
  - type: expect_column_values_to_not_be_null
    kwargs: {column: unit, mostly: 0.9}
    severity: warning
"""


def _write(tmp_path: Path, text: str, name: str = "people.yml") -> Path:
    path = tmp_path / "marts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def people(settings: Settings) -> duckdb.DuckDBPyConnection:
    """5,000 people; ids 10 and 4000 have a bad NIP, id 20 a bad gender, ids 30/31 share a NIP, 10 % lack a unit."""
    with connect(settings=settings) as connection:
        connection.execute(
            """CREATE TABLE people AS
               SELECT i AS id,
                      CASE WHEN i = 10 THEN '12x' WHEN i = 4000 THEN '34y' WHEN i = 31 THEN lpad('30', 18, '0')
                           ELSE lpad(i::VARCHAR, 18, '0') END AS nip,
                      CASE WHEN i = 20 THEN 'X' WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS gender,
                      CASE WHEN i % 10 = 0 THEN NULL ELSE 'U1' END AS unit
               FROM range(1, 5001) AS t(i)"""
        )
        yield connection


def _by_type(report):
    return {outcome.spec.type: outcome for outcome in report.outcomes}


def test_counts_and_failing_keys_are_exact(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    report = validate_table(people, "main.people", load_suite(_write(tmp_path, SUITE)), settings=settings, run_id="r1")
    outcomes = _by_type(report)
    regex = outcomes["expect_column_values_to_match_regex"]
    assert (regex.success, regex.element_count, regex.unexpected_count) == (False, 5000, 2)
    assert [row["id"] for row in regex.unexpected_sample] == [10, 4000]
    in_set = outcomes["expect_column_values_to_be_in_set"]
    assert in_set.unexpected_count == 1
    assert in_set.unexpected_sample == [{"gender": "X", "id": 20}]
    unique = outcomes["expect_column_values_to_be_unique"]
    assert (unique.success, unique.unexpected_count) == (False, 2)
    assert unique.unexpected_sample == [{"nip": "000000000000000030", "rows": 2}]
    assert outcomes["expect_table_row_count_to_be_between"].observed_value == 5000
    # 500 of 5,000 units are missing: exactly at the 10 % the warning allows.
    assert outcomes["expect_column_values_to_not_be_null"].success
    assert [o.label for o in report.errors] == [
        "expect_column_values_to_match_regex(nip)",
        "expect_column_values_to_be_in_set(gender)",
        "expect_column_values_to_be_unique(nip)",
    ]


def test_chunked_validation_adds_up_to_the_whole_table(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    # A type without a SQL translation runs in Great Expectations, chunk by chunk, beside the translated ones.
    text = SUITE + "  - type: expect_column_value_lengths_to_equal\n    kwargs: {column: nip, value: 18}\n"
    suite = load_suite(_write(tmp_path, text))
    whole = validate_table(
        people, "main.people", suite, settings=settings, chunk_rows=10_000, record=False, row_key="id"
    )
    chunked = validate_table(
        people, "main.people", suite, settings=settings, chunk_rows=1_000, record=False, row_key="id"
    )
    summary = [(o.label, o.success, o.element_count, o.unexpected_count, o.failing_rows) for o in whole.outcomes]
    assert summary == [
        (o.label, o.success, o.element_count, o.unexpected_count, o.failing_rows) for o in chunked.outcomes
    ]
    lengths = _by_type(chunked)["expect_column_value_lengths_to_equal"]
    assert (lengths.unexpected_count, lengths.failing_rows) == (2, [10, 4000])


def test_mostly_is_judged_on_the_whole_table_not_per_chunk(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    # Rows 2049..4096 (the second chunk of 2,048) lack 205 units: 10.01 %, over the 10 % allowed. The whole table
    # lacks 500 of 5,000, exactly 10 %: it passes, and so must the chunked run.
    suite = load_suite(_write(tmp_path, SUITE))
    outcome = _by_type(validate_table(people, "main.people", suite, settings=settings, chunk_rows=2048, record=False))
    missing = outcome["expect_column_values_to_not_be_null"]
    assert (missing.success, missing.unexpected_count, missing.element_count) == (True, 500, 5000)
    strict = load_suite(_write(tmp_path, SUITE.replace("mostly: 0.9", "mostly: 0.95"), "strict.yml"))
    failing = _by_type(validate_table(people, "main.people", strict, settings=settings, chunk_rows=2048, record=False))
    assert not failing["expect_column_values_to_not_be_null"].success


def test_a_column_the_table_lacks_is_a_suite_error_not_a_pass(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    text = "expectations:\n  - type: expect_column_values_to_not_be_null\n    kwargs: {column: unit_code}\n"
    path = _write(tmp_path, text, "typo.yml")
    with pytest.raises(SuiteError, match=r"expectation #1 \(expect_column_values_to_not_be_null\) names column\(s\) "
                       r"\['unit_code'\] that main.people does not have") as failure:  # fmt: skip
        validate_table(people, "main.people", load_suite(path), settings=settings)
    assert str(path) in str(failure.value)


def test_outcomes_are_recorded_in_the_dq_schema(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    validate_table(
        people, "main.people", load_suite(_write(tmp_path, SUITE)), settings=settings, stage="marts", run_id="run-42"
    )
    rows = people.execute(
        """SELECT expectation, column_name, severity, success, unexpected_count, unexpected_sample
           FROM dq.expectation_results WHERE run_id = 'run-42' ORDER BY expectation"""
    ).fetchall()
    assert len(rows) == 5
    regex = next(row for row in rows if row[0] == "expect_column_values_to_match_regex")
    assert regex[1:5] == ("nip", "error", False, 2)
    assert json.loads(regex[5])[0] == {"nip": "12x", "id": 10}


def test_gate_failure_names_expectation_table_and_values(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    report = validate_table(people, "main.people", load_suite(_write(tmp_path, SUITE)), settings=settings, record=False)
    with pytest.raises(QualityGateFailed) as failure:
        report.raise_for_errors()
    message = str(failure.value)
    assert "[error] expect_column_values_to_match_regex(nip) on main.people: 2 of 5,000 rows failed" in message
    assert '"nip": "12x"' in message
    assert "expect_column_values_to_be_in_set(gender)" in message
    assert "not_be_null" not in message  # warnings do not block and are not reported as failures


def test_columns_set_reports_what_is_missing_and_unexpected(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    suite_text = """
table: main.people
expectations:
  - type: expect_table_columns_to_match_set
    kwargs: {column_set: [id, nip, gender, unit_code]}
"""
    (outcome,) = validate_table(
        people, "main.people", load_suite(_write(tmp_path, suite_text)), settings=settings, record=False
    ).outcomes
    assert not outcome.success
    assert outcome.observed_value == {"missing": ["unit_code"], "unexpected": ["unit"]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("expectations:\n  - type: expect_column_mean_to_be_between\n    kwargs: {column: x}\n",
         r"expectation #1: 'expect_column_mean_to_be_between' is neither a row-level"),
        ("expectations:\n  - type: expect_column_values_to_not_be_null\n    severity: fatal\n",
         r"expectation #1: severity must be 'error' or 'warning', not 'fatal'"),
        ("expectations:\n  - kwargs: {column: x}\n", r"expectation #1: needs a 'type'"),
        ("tables: x\nexpectations: []\n", r"unknown keys \['tables'\]"),
        ("expectations:\n  - type: expect_column_values_to_not_be_null\n    kwargs: {colum: x}\n",
         r"expect_column_values_to_not_be_null has bad arguments \['colum'\]: column: field required; "
         r"colum: not an argument of expect_column_values_to_not_be_null \(it takes .*column, .*mostly"),
        # Whole-table types are checked too (they run in SQL, and GX never saw their arguments).
        ("expectations:\n  - type: expect_table_row_count_to_be_between\n    kwargs: {min_vlaue: 1}\n",
         r"#1: expect_table_row_count_to_be_between has bad arguments \['min_vlaue'\]: min_vlaue: not an argument"),
        ("expectations:\n  - type: expect_column_values_to_not_be_null\n    kwargs: {column: x}\n"
         "  - type: expect_column_values_to_be_between\n    kwargs: {column: x, min_value: 1, mostly: 1.5}\n",
         r"#2: expect_column_values_to_be_between has bad arguments \['column', 'min_value', 'mostly'\]: "
         r"mostly: not at most 1.0 or not a mapping"),
        ("expectations:\n  - type: expect_column_values_to_be_betwen\n    kwargs: {column: x}\n",
         r"expectation #1: 'expect_column_values_to_be_betwen' is neither a row-level"),
        ("expectations: [unclosed\n", r"not valid YAML"),
    ],
)  # fmt: skip
def test_broken_suites_name_the_file_and_the_expectation(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text, "broken.yml")
    with pytest.raises(SuiteError, match=message) as failure:
        load_suite(path)
    assert str(path) in str(failure.value)


# Arguments of the types the runner evaluates itself, and what Great Expectations says of them: the committed table
# must agree (asn_platform/quality/expectation_types.py). `True`: GX builds the expectation.
ARGUMENTS = [
    ("expect_column_values_to_be_between", {"column": "a", "min_vale": 1}, False),
    ("expect_column_values_to_be_between", {"column": "a", "min_value": "x"}, False),
    ("expect_column_values_to_be_between", {"column": "a", "min_value": 1, "mostly": 2}, False),
    ("expect_column_values_to_be_between", {"column": 3, "min_value": 1}, False),
    ("expect_column_values_to_be_between", {"min_value": 1}, False),
    ("expect_column_values_to_be_between", {"column": "a"}, False),
    ("expect_column_values_to_be_between", {"column": "a", "min_value": {}}, False),
    ("expect_column_values_to_be_between", {"column": "a", "min_value": date(2026, 1, 1)}, True),
    ("expect_column_values_to_be_between", {"column": "a", "min_value": "2026-01-01", "max_value": 3.5}, True),
    ("expect_column_values_to_be_between", {"column": "a", "max_value": 3, "strict_max": True, "mostly": 0.995}, True),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": "AB"}, False),
    ("expect_column_values_to_be_in_set", {"column": "a"}, False),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": [1, "b", None]}, True),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": {"$PARAMETER": "codes"}}, True),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": ["a"], "result_format": "BAD"}, False),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": ["a"], "result_format": {"x": 1}}, False),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": ["a"], "result_format": "SUMMARY"}, True),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": ["a"], "severity": "error"}, False),
    ("expect_column_values_to_be_in_set", {"column": "a", "value_set": ["a"], "meta": {"x": 1}, "notes": "n"}, True),
    ("expect_column_values_to_not_be_null", {"column": ""}, False),
    ("expect_column_values_to_not_be_null", {"column": "a", "mostly": None}, False),
    ("expect_column_values_to_not_be_null", {"column": "a", "catch_exceptions": False}, True),
    ("expect_column_values_to_match_regex", {"column": "a", "regex": "^[0-9]{18}$", "mostly": 0.5}, True),
    ("expect_column_values_to_match_regex", {"column": "a", "regex": "x", "condition_parser": "sql"}, False),
    ("expect_column_value_lengths_to_equal", {"column": "a", "value": "x"}, False),
    ("expect_column_value_lengths_to_equal", {"column": "a", "value": 18}, True),
    (
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": "a", "column_B": "b", "ignore_row_if": "x"},
        False,
    ),
    ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "a"}, False),
    ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "a", "column_B": "b", "or_equal": True}, True),
    ("expect_table_row_count_to_be_between", {"min_vlue": 1}, False),
    ("expect_table_row_count_to_be_between", {"min_value": 5, "max_value": 1}, False),
    ("expect_table_row_count_to_be_between", {"min_value": {"x": 1}}, False),
    ("expect_table_row_count_to_be_between", {}, True),
    ("expect_table_row_count_to_be_between", {"min_value": 1, "max_value": 1}, True),
    ("expect_compound_columns_to_be_unique", {"column_list": "a"}, False),
    ("expect_compound_columns_to_be_unique", {"column_list": ["a"]}, False),
    ("expect_compound_columns_to_be_unique", {"column_list": ["a", "b"], "ignore_row_if": "x"}, False),
    ("expect_compound_columns_to_be_unique", {"column_list": ["a", "b"], "ignore_row_if": "never"}, True),
    ("expect_column_values_to_be_unique", {"column": "a", "mostly": 0.9}, True),
    ("expect_table_columns_to_match_set", {"column_set": "a"}, False),
    ("expect_table_columns_to_match_set", {"column_set": ["a"], "exact_match": None}, True),
    ("expect_table_columns_to_match_set", {"column_set": ["a"], "exact_match": False}, True),
    ("unexpected_rows_expectation", {"unexpected_rows_query": "SELECT 1 FROM {batch}", "descripton": "x"}, False),
    ("unexpected_rows_expectation", {"unexpected_rows_query": "SELECT '{' FROM {batch}", "description": "x"}, False),
    ("unexpected_rows_expectation", {"description": "x"}, False),
    ("unexpected_rows_expectation", {"unexpected_rows_query": "SELECT 1 FROM {batch}", "description": "x"}, True),
]
# What Great Expectations would coerce into shape and the committed table refuses: a suite means what it says.
COERCED = [
    ("expect_column_values_to_not_be_null", {"column": "a", "mostly": "0.5"}),
    ("expect_column_values_to_not_be_null", {"column": "a", "mostly": True}),
    ("expect_column_values_to_match_regex", {"column": "a", "regex": 5}),
    ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "a", "column_B": "b", "or_equal": "yes"}),
    ("expect_table_row_count_to_be_between", {"min_value": 1.5}),
    ("expect_column_values_to_be_unique", {"column": "a", "batch_id": 3}),
    ("expect_column_value_lengths_to_equal", {"column": "a", "value": True}),
]


def _gx_accepts(kind: str, kwargs: dict) -> bool:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    try:
        ExpectationConfiguration(type=kind, kwargs=kwargs).to_domain_obj()
    except Exception:
        return False
    return True


def test_the_committed_argument_table_is_great_expectations_registry() -> None:
    """expectation_types.json, regenerated from the installed GX, is the committed file: it cannot go stale (after
    upgrading GX: `python -m asn_platform.quality.expectation_types --write`)."""
    from asn_platform.quality.expectation_types import TABLE_PATH, VALIDATORS, generate_table, render_table

    table = generate_table()
    assert render_table(table) == TABLE_PATH.read_text(encoding="utf-8")
    # Every validator GX runs on these types has its rule here, written from the same source (an unknown or changed
    # one sends the type back to GX).
    listed = {name: digest for entry in table["types"].values() for name, digest in entry["validators"].items()}
    assert listed == {name: digest for name, (digest, _) in VALIDATORS.items()}


@pytest.mark.parametrize(("kind", "kwargs", "accepted"), ARGUMENTS, ids=str)
def test_the_argument_check_agrees_with_great_expectations(kind: str, kwargs: dict, accepted: bool) -> None:
    from asn_platform.quality.expectation_types import check_arguments

    assert _gx_accepts(kind, kwargs) is accepted  # the case says what GX says
    problems = check_arguments(kind, kwargs)
    assert problems is not None  # settled by the table, without GX
    assert (problems == []) is accepted, problems


@pytest.mark.parametrize(("kind", "kwargs"), COERCED, ids=str)
def test_the_argument_check_refuses_what_great_expectations_would_coerce(kind: str, kwargs: dict) -> None:
    from asn_platform.quality.expectation_types import check_arguments

    assert _gx_accepts(kind, kwargs)
    assert check_arguments(kind, kwargs)


def test_what_the_table_cannot_settle_is_left_to_great_expectations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asn_platform.quality.expectation_types import CHECKED_TYPES, VALIDATORS, check_arguments, row_level_types

    # A row condition (GX's own grammar), a type the runner leaves to GX.
    assert check_arguments("expect_column_values_to_not_be_null", {"column": "a", "row_condition": 'a>"1"'}) is None
    assert check_arguments("expect_column_values_to_be_increasing", {"column": "a"}) is None
    # A validator whose source GX changed since its rule here was written.
    between = {"column": "a", "min_value": 1}
    assert check_arguments("expect_column_values_to_be_between", between) == []
    monkeypatch.setitem(
        VALIDATORS, "ExpectColumnValuesToBeBetween.check_min_val_or_max_val", ("0" * 16, lambda kwargs: [])
    )
    assert check_arguments("expect_column_values_to_be_between", between) is None
    assert "expect_column_values_to_be_increasing" in row_level_types()
    assert "expect_column_mean_to_be_between" not in row_level_types()  # an aggregate: no row-level meaning
    # ... which GX then checks when the suite loads, naming the file.
    text = "expectations:\n  - type: expect_column_values_to_be_increasing\n    kwargs: {column: x, strictly: maybe}\n"
    message = (
        r"broken.yml: expectation #1: expect_column_values_to_be_increasing has bad arguments "
        r"\['column', 'strictly'\]: strictly: value could not be parsed to a boolean"
    )
    with pytest.raises(SuiteError, match=message):
        load_suite(_write(tmp_path, text, "broken.yml"))
    # Every type the runner evaluates in SQL is in the table; TRANSLATED below covers each row-level one.
    from asn_platform.quality.expectation_types import SQL_ROW_EXPECTATIONS

    assert {kind for kind, _ in TRANSLATED} == SQL_ROW_EXPECTATIONS
    assert CHECKED_TYPES >= SQL_ROW_EXPECTATIONS


def test_every_project_expectation_passes_the_table_and_great_expectations() -> None:
    from asn_platform.core.settings import EXPECTATIONS_DIR
    from asn_platform.quality.expectation_types import check_arguments

    specs = [spec for path in sorted(EXPECTATIONS_DIR.glob("*/*.yml")) for spec in load_suite(path).expectations]
    assert len(specs) > 100
    for spec in specs:
        assert check_arguments(spec.type, spec.kwargs) == [], (spec.type, spec.kwargs)
        assert _gx_accepts(spec.type, spec.kwargs), (spec.type, spec.kwargs)


# Run in a fresh interpreter: everything the ingestion and gate processes import, every suite of expectations/
# loaded, and a suite of every type the runner evaluates itself validated on an in-memory table.
_WITHOUT_GX = """
import json, sys
from pathlib import Path

import duckdb

import asn_platform.orchestration.stages  # the DAG tasks' entry point: ingest, the gates, dbt's runner
import asn_platform.serving.publish
import ingestion.service  # python -m ingestion load
from asn_platform.core.settings import EXPECTATIONS_DIR, Settings
from asn_platform.quality import load_suite, validate_table

suites = [load_suite(path) for path in sorted(EXPECTATIONS_DIR.glob("*/*.yml"))]
connection = duckdb.connect()
connection.execute(
    "CREATE TABLE people AS SELECT i AS id, lpad(i::VARCHAR, 18, '0') AS nip, "
    "CASE WHEN i = 3 THEN 'X' ELSE 'M' END AS gender, i * 2 AS doubled FROM range(1, 11) AS t(i)"
)
settings = Settings.from_env({"ASN_DATA_DIR": sys.argv[1]})
report = validate_table(connection, "main.people", load_suite(Path(sys.argv[2])), settings=settings, row_key="id")
print(json.dumps({
    "suites": len(suites),
    "outcomes": {o.spec.type: [o.success, o.unexpected_count, o.failing_rows] for o in report.outcomes},
    "recorded": connection.execute("SELECT count(*) FROM dq.expectation_results").fetchone()[0],
    "great_expectations": sorted(name for name in sys.modules if name.split(".")[0] == "great_expectations"),
}))
"""

EVERY_SQL_TYPE = """
suite: test.people
table: main.people
key_columns: [id]
expectations:
  - {type: expect_table_row_count_to_be_between, kwargs: {min_value: 1, max_value: 100}}
  - {type: expect_table_columns_to_match_set, kwargs: {column_set: [id, nip, gender, doubled]}}
  - {type: expect_column_values_to_be_unique, kwargs: {column: nip}}
  - {type: expect_compound_columns_to_be_unique, kwargs: {column_list: [id, gender]}}
  - type: unexpected_rows_expectation
    kwargs: {description: ids up to 9, unexpected_rows_query: "SELECT id FROM {batch} WHERE id > 9"}
    severity: warning
  - {type: expect_column_values_to_not_be_null, kwargs: {column: nip}}
  - {type: expect_column_values_to_be_in_set, kwargs: {column: gender, value_set: [M, F]}}
  - {type: expect_column_values_to_match_regex, kwargs: {column: nip, regex: "^[0-9]{18}$"}}
  - {type: expect_column_value_lengths_to_equal, kwargs: {column: nip, value: 18}}
  - {type: expect_column_values_to_be_between, kwargs: {column: doubled, min_value: 2, max_value: 18}}
  - {type: expect_column_pair_values_a_to_be_greater_than_b, kwargs: {column_A: doubled, column_B: id}}
"""


def test_ingestion_and_the_gates_never_import_great_expectations(tmp_path: Path) -> None:
    """Suites are checked against the committed table and evaluated in SQL: the processes that load deliveries or
    run a gate do not pay Great Expectations' import (~3.4 s each)."""
    import subprocess
    import sys

    suite = _write(tmp_path, EVERY_SQL_TYPE, "every_sql_type.yml")
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_GX, str(tmp_path / "data"), str(suite)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["great_expectations"] == []
    assert result["suites"] == len(list(EXPECTATIONS_DIR.glob("*/*.yml"))) > 20
    # Every type evaluated, with the real outcome: id 3's gender, ids 10 (doubled 20) and 10 > 9.
    assert result["outcomes"] == {
        "expect_table_row_count_to_be_between": [True, None, []],
        "expect_table_columns_to_match_set": [True, None, []],
        "expect_column_values_to_be_unique": [True, 0, []],
        "expect_compound_columns_to_be_unique": [True, 0, []],
        "unexpected_rows_expectation": [False, 1, []],
        "expect_column_values_to_not_be_null": [True, 0, []],
        "expect_column_values_to_be_in_set": [False, 1, [3]],
        "expect_column_values_to_match_regex": [True, 0, []],
        "expect_column_value_lengths_to_equal": [True, 0, []],
        "expect_column_values_to_be_between": [False, 1, [10]],
        "expect_column_pair_values_a_to_be_greater_than_b": [True, 0, []],
    }
    assert result["recorded"] == 11


def test_the_project_suites_all_load() -> None:
    from asn_platform.quality import suites_for_stage

    # Every mart model (its folder under models/marts is its schema) has exactly one suite gating its publication.
    models = {f"{path.parent.name}.{path.stem}" for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql")}
    tables = [suite.table for suite in suites_for_stage("marts")]
    assert sorted(tables) == sorted(models)
    assert len(models) == 22
    assert {suite.name for suite in suites_for_stage("delivery")} == {
        f"delivery.{dataset}"
        for dataset in ("personnel", "training", "survey_responses", "complaints", "units", "services")
    }


# Each row-level expectation the runner translates to SQL, with the edges where SQL and pandas could part ways:
# NULLs, empty text, boundaries, a search (not a full match) regex, a pair with one side missing.
TRANSLATED = [
    ("expect_column_values_to_not_be_null", {"column": "s"}),
    ("expect_column_values_to_not_be_null", {"column": "n", "mostly": 0.8}),
    ("expect_column_values_to_be_in_set", {"column": "s", "value_set": ["M", "F"]}),
    ("expect_column_values_to_be_in_set", {"column": "n", "value_set": [1, 2, 3, 4]}),
    ("expect_column_values_to_be_in_set", {"column": "s", "value_set": ["M", "F", "x", ""], "mostly": 0.9}),
    ("expect_column_values_to_match_regex", {"column": "s", "regex": "^[MF]$"}),
    ("expect_column_values_to_match_regex", {"column": "s", "regex": "M"}),
    ("expect_column_values_to_match_regex", {"column": "s", "regex": "^$"}),
    ("expect_column_value_lengths_to_equal", {"column": "s", "value": 1}),
    ("expect_column_value_lengths_to_equal", {"column": "s", "value": 2, "mostly": 0.1}),
    ("expect_column_values_to_be_between", {"column": "n", "min_value": 1, "max_value": 4}),
    ("expect_column_values_to_be_between", {"column": "n", "min_value": 1, "max_value": 4, "strict_min": True}),
    ("expect_column_values_to_be_between", {"column": "n", "min_value": 0, "strict_max": True, "max_value": 4}),
    ("expect_column_values_to_be_between", {"column": "n", "min_value": 2}),
    ("expect_column_values_to_be_between", {"column": "n", "max_value": 2, "mostly": 0.5}),
    # Fractional bounds on an integer column: compared as numbers, not cast to the column's type.
    ("expect_column_values_to_be_between", {"column": "n", "min_value": 1.5, "max_value": 3.5}),
    ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "d1", "column_B": "d2"}),
    ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "d1", "column_B": "d2", "or_equal": True}),
    (
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": "d1", "column_B": "d2", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
    ),
    (
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": "d1", "column_B": "d2", "ignore_row_if": "neither"},
    ),
]


@pytest.fixture
def edges(settings: Settings) -> duckdb.DuckDBPyConnection:
    with connect(settings=settings) as connection:
        connection.execute(
            """CREATE TABLE edges AS
               SELECT i AS id,
                      ['M', 'F', NULL, '', 'x', ' M', 'FM', 'M'][i % 8 + 1] AS s,
                      [NULL, 0, 1, 2, 4, 5, 3][i % 7 + 1]::INTEGER AS n,
                      DATE '2026-01-10' + [NULL, 0, 1, -1, 5][i % 5 + 1] AS d1,
                      DATE '2026-01-10' + [0, NULL, 0, 0, -3, NULL][i % 6 + 1] AS d2
               FROM range(1, 3001) AS t(i)"""
        )
        yield connection


@pytest.mark.parametrize(("kind", "kwargs"), TRANSLATED, ids=str)
def test_sql_translation_agrees_with_great_expectations(
    edges: duckdb.DuckDBPyConnection, kind: str, kwargs: dict
) -> None:
    from asn_platform.quality.runner import _validate_rows_in_gx, _validate_rows_in_sql, row_conditions
    from asn_platform.quality.suites import ExpectationSpec, Suite

    spec = ExpectationSpec(kind, kwargs, "error", 0)
    suite = Suite("edges", "test", "main.edges", ("id",), (spec,), Path("edges.yml"))
    conditions = row_conditions(spec)
    assert conditions is not None
    (sql,) = _validate_rows_in_sql(edges, "main.edges", [(spec, conditions)], ["id"], "id")
    (gx,) = _validate_rows_in_gx(edges, "main.edges", suite, [spec], chunk_rows=1_000, keys=["id"], row_key="id")
    assert sql.unexpected_count > 0 or kind == "expect_column_values_to_not_be_null"  # the case is not vacuous
    assert (sql.element_count, sql.unexpected_count, sql.failing_rows) == (
        gx.element_count,
        gx.unexpected_count,
        gx.failing_rows,
    )
    assert sql.success(spec) == gx.success(spec)

    def as_text(row: dict) -> dict:  # pandas shows a DATE as a midnight timestamp; SQL keeps it a date
        return {k: v.removesuffix(" 00:00:00") if isinstance(v, str) else v for k, v in row.items()}

    assert sql.sample == [as_text(row) for row in gx.sample]


@pytest.mark.parametrize(("kind", "kwargs"), TRANSLATED, ids=str)
def test_an_empty_table_passes_row_level_checks_in_sql_as_in_great_expectations(
    edges: duckdb.DuckDBPyConnection, kind: str, kwargs: dict
) -> None:
    """An empty delta (nothing changed that day) is valid; only a row-count expectation may object to it."""
    from asn_platform.quality.runner import _validate_rows_in_gx, _validate_rows_in_sql, row_conditions
    from asn_platform.quality.suites import ExpectationSpec, Suite

    edges.execute("DELETE FROM edges")
    spec = ExpectationSpec(kind, kwargs, "error", 0)
    suite = Suite("edges", "test", "main.edges", ("id",), (spec,), Path("edges.yml"))
    (sql,) = _validate_rows_in_sql(edges, "main.edges", [(spec, row_conditions(spec))], ["id"], "id")
    (gx,) = _validate_rows_in_gx(edges, "main.edges", suite, [spec], chunk_rows=1_000, keys=["id"], row_key="id")
    assert (sql.element_count, sql.unexpected_count, sql.success(spec)) == (0, 0, True)
    assert (gx.element_count, gx.unexpected_count, gx.success(spec)) == (0, 0, True)


QUERY_SUITE = """
suite: test.people_query
table: main.people
expectations:
  - type: unexpected_rows_expectation
    kwargs:
      description: every unit has at most 2,000 people
      unexpected_rows_query: SELECT unit, count(*) AS people FROM {batch} GROUP BY unit HAVING count(*) > 2000
  - type: unexpected_rows_expectation
    kwargs:
      description: ids are below the freshness day's year
      unexpected_rows_query: SELECT id FROM {batch} WHERE id >= year(getvariable('asn_as_of')) ORDER BY id
    severity: warning
"""


def test_query_expectation_counts_and_samples_the_rows_it_returns(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    as_of = settings.model_copy(update={"as_of": date(2026, 11, 1)})
    report = validate_table(
        people, "main.people", load_suite(_write(tmp_path, QUERY_SUITE)), settings=as_of, run_id="q1"
    )
    too_big, too_late = report.outcomes
    # 4,500 people have unit U1; ids 2026..5000 (2,975 of them) are at or past 2026.
    assert (too_big.success, too_big.unexpected_count, too_big.unexpected_sample) == (
        False,
        1,
        [{"unit": "U1", "people": 4500}],
    )
    assert (too_late.success, too_late.unexpected_count, too_late.observed_value) == (False, 2975, 2975)
    assert too_late.unexpected_sample[:3] == [{"id": 2026}, {"id": 2027}, {"id": 2028}]
    assert len(too_late.unexpected_sample) == 20
    with pytest.raises(QualityGateFailed) as failure:
        report.raise_for_errors()
    assert (
        "[error] unexpected_rows_expectation('every unit has at most 2,000 people') on main.people: 1 unexpected rows"
        in str(failure.value)
    )
    assert '"people": 4500' in str(failure.value)
    assert "ids are below" not in str(failure.value)  # a warning does not block


def test_query_expectation_needs_a_description_and_a_query_that_runs(
    people: duckdb.DuckDBPyConnection, settings: Settings, tmp_path: Path
) -> None:
    undescribed = QUERY_SUITE.replace("      description: every unit has at most 2,000 people\n", "")
    with pytest.raises(SuiteError, match=r"expectation #1: unexpected_rows_expectation needs a 'description'"):
        load_suite(_write(tmp_path, undescribed, "undescribed.yml"))
    broken = QUERY_SUITE.replace("GROUP BY unit", "GROUP BY no_such_column")
    path = _write(tmp_path, broken, "broken.yml")
    with pytest.raises(
        SuiteError, match=r"broken.yml: expectation #1 \('every unit has at most 2,000 people'\): .*no_such_column"
    ):
        validate_table(people, "main.people", load_suite(path), settings=settings)


def test_a_gate_with_nothing_loaded_or_built_says_what_comes_first(settings: Settings) -> None:
    from asn_platform.orchestration.stages import NothingToCheck, gate

    with pytest.raises(NothingToCheck, match=r"no build database at .*warehouse\.duckdb: no delivery has loaded yet"):
        gate("raw", settings)
    assert not settings.warehouse_path.exists()  # the gate created nothing
    with connect(settings=settings) as connection:  # a build database holding only part of what the gates read
        connection.execute("CREATE SCHEMA raw")
        connection.execute("CREATE TABLE raw.load_audit (load_id VARCHAR)")
    with pytest.raises(NothingToCheck, match=r"\['raw\.complaints', 'raw\.delivery_schedule', 'raw\.personnel',"):
        gate("raw", settings)
    with pytest.raises(NothingToCheck, match=r"marts gate's tables \['competency\..*dbt has not built them"):
        gate("marts", settings)


def test_only_the_raw_and_mart_stages_have_gates(settings: Settings) -> None:
    from asn_platform.orchestration.stages import GATED_STAGES, gate

    assert GATED_STAGES == ("raw", "marts")  # deliveries are validated by ingestion, before they load
    with pytest.raises(ValueError, match=r"unknown stage 'delivery'; the gated stages are \('raw', 'marts'\)"):
        gate("delivery", settings)
