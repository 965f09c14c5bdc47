"""Quarantine: the delivered records that cannot be loaded, kept whole with every reason, so nothing is lost.

A record goes to `raw.quarantine` when a value does not parse as its type, or when it fails an error-severity
row-level expectation of the delivery suite (or shares a key with another record), or when its reader saw what its
text no longer shows (a NIP from an Excel number cell, a formula without its value, a JSON value of the wrong type:
`note`). The rest of its delivery still loads. Each quarantined record keeps its source file and physical line (or
sheet row), the delivered text of every column, and its reasons: a code (e.g. `missing:nip`, `out_of_range:score_waktu`,
`unparseable:birth_date`), the column, the offending value and a readable detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from asn_platform.core.contract import Dataset
from asn_platform.core.warehouse import quote_identifier, sql_literal
from asn_platform.quality import ValidationReport
from asn_platform.quality.suites import ExpectationSpec
from ingestion import changes

QUARANTINE_TABLE = "raw.quarantine"

# Expectation type -> the reason code's first part: short, stable names people can filter on.
_CODES = {
    "expect_column_values_to_not_be_null": "missing",
    "expect_column_values_to_be_in_set": "not_allowed",
    "expect_column_values_to_match_regex": "bad_format",
    "expect_column_values_to_be_between": "out_of_range",
    "expect_column_pair_values_a_to_be_greater_than_b": "out_of_order",
    "expect_column_values_to_be_unique": "duplicate_key",
    "expect_compound_columns_to_be_unique": "duplicate_key",
}


def ensure_table(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(
        f"""CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
            load_id VARCHAR NOT NULL, region VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
            delivery_id VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_row BIGINT NOT NULL,
            reasons STRUCT(code VARCHAR, "column" VARCHAR, value VARCHAR, detail VARCHAR)[] NOT NULL,
            record JSON NOT NULL, quarantined_at TIMESTAMPTZ NOT NULL)"""
    )


def reason_code(spec: ExpectationSpec) -> str:
    columns = spec.columns
    # A pair check names its violation: out_of_order:end_date<start_date.
    return f"{_CODES.get(spec.type, spec.type.removeprefix('expect_'))}:{'<'.join(columns) or 'row'}"


_REASON_COLUMNS = 'source_row BIGINT, code VARCHAR, "column" VARCHAR, value VARCHAR, detail VARCHAR'


def start(connection: duckdb.DuckDBPyConnection, work_table: str) -> None:
    """A fresh scratch table for this delivery's reasons, holding those its reader noted (`note`, `note_rows`) for
    the records still in the work table (an exact duplicate set aside takes its own with it)."""
    connection.execute(f"CREATE OR REPLACE TABLE {work_table}_reasons ({_REASON_COLUMNS})")
    connection.execute(f"CREATE TABLE IF NOT EXISTS {work_table}_read_reasons ({_REASON_COLUMNS})")
    connection.execute(
        f"""INSERT INTO {work_table}_reasons
            SELECT r.* FROM {work_table}_read_reasons AS r
            SEMI JOIN {work_table} AS w ON r.source_row = w._source_row"""
    )
    connection.execute(f"DROP TABLE {work_table}_read_reasons")


@dataclass(frozen=True)
class Check:
    """A record rule in SQL over the work table: `condition` true means the record fails it, with `value` (SQL)
    the offending value and `detail` the reason in words."""

    code: str
    column: str
    condition: str
    value: str
    detail: str
    # SQL for a detail that depends on the record (e.g. the JSON type it holds), instead of `detail`.
    detail_sql: str | None = None


def reasons_sql(checks: list[Check]) -> str:
    """SQL for the list of a record's failed checks, each a reason struct; NULL if it passes them all (most do:
    the list is built only for the others)."""
    if not checks:
        return 'NULL::STRUCT(code VARCHAR, "column" VARCHAR, value VARCHAR, detail VARCHAR)[]'
    cases = ", ".join(
        f"""CASE WHEN {check.condition} THEN {{'code': {sql_literal(check.code)}, 'column': {sql_literal(check.column)},
                 'value': CAST({check.value} AS VARCHAR),
                 'detail': {check.detail_sql or sql_literal(check.detail)}}} END"""
        for check in checks
    )
    failing = " OR ".join(f"coalesce({check.condition}, false)" for check in checks)
    return f"CASE WHEN {failing} THEN list_filter([{cases}], lambda reason: reason IS NOT NULL) END"


def add_reasons(connection: duckdb.DuckDBPyConnection, work_table: str, reasons: str, where: str = "true") -> None:
    """The reasons `reasons` lists per record (SQL over the work table, as `reasons_sql` writes it, or a column
    holding what it wrote), one row each; of the records `where` (SQL) holds for."""
    _insert_reasons(connection, f"{work_table}_reasons", work_table, reasons, where)


def _insert_reasons(connection: duckdb.DuckDBPyConnection, target: str, source: str, reasons: str, where: str) -> None:
    connection.execute(
        f"""INSERT INTO {target}
            SELECT _source_row, reason.code, reason."column", reason.value, reason.detail
            FROM (SELECT _source_row, unnest(reasons) AS reason
                  FROM (SELECT _source_row, {reasons} AS reasons FROM {source} WHERE {where})
                  WHERE reasons IS NOT NULL)"""
    )


def note(connection: duckdb.DuckDBPyConnection, work_table: str, checks: list[Check], source: str) -> None:
    """Reasons the reader finds in what the text no longer shows (a NIP from a number cell, a JSON value of the
    wrong type), before the work table exists: `checks` over `source`, SQL of the delivered rows with their
    `_source_row`. Kept aside until `start` takes them over."""
    if checks:
        connection.execute(f"CREATE TABLE IF NOT EXISTS {work_table}_read_reasons ({_REASON_COLUMNS})")
        _insert_reasons(connection, f"{work_table}_read_reasons", source, reasons_sql(checks), "true")


def note_rows(
    connection: duckdb.DuckDBPyConnection, work_table: str, reasons: list[tuple[int, str, str, str | None, str]]
) -> None:
    """Reasons the reader found outside SQL (source row, code, column, value, detail), kept aside like `note`'s."""
    if reasons:
        connection.execute(f"CREATE TABLE IF NOT EXISTS {work_table}_read_reasons ({_REASON_COLUMNS})")
        columns = [list(column) for column in zip(*reasons, strict=True)]
        connection.execute(
            f"""INSERT INTO {work_table}_read_reasons
                SELECT unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                       unnest(?::VARCHAR[])""",
            columns,
        )


def add_checks(
    connection: duckdb.DuckDBPyConnection, work_table: str, checks: list[Check], where: str = "true"
) -> None:
    """Every record (of those `where` holds for) failing any of `checks`, one reason per failed check, in one scan
    of the work table."""
    if checks:
        add_reasons(connection, work_table, reasons_sql(checks), where)


def add_structural(
    connection: duckdb.DuckDBPyConnection,
    work_table: str,
    dataset: Dataset,
    delivery_date: date,
    where: str = "true",
) -> None:
    """What a format check cannot see: a NIP whose embedded birth date, appointment month or gender digit is
    impossible (domain rule: such a NIP is invalid) or disagrees with the record's birth date or sex, and a date
    after the delivery that carries it."""
    checks: list[Check] = []
    if "nip" in dataset.field_names:
        well_formed = "regexp_full_match(nip, '[0-9]{18}')"
        checks += [
            Check("invalid_nip:birth_date", "nip", f"{well_formed} AND try_strptime(nip[1:8], '%Y%m%d') IS NULL",
                  "nip", "digits 1-8 are not a real birth date"),
            Check("invalid_nip:appointment", "nip",
                  f"{well_formed} AND try_strptime(nip[9:14] || '01', '%Y%m%d') IS NULL",
                  "nip", "digits 9-14 are not a real appointment month"),
            Check("invalid_nip:gender", "nip", f"{well_formed} AND nip[15] NOT IN ('1', '2')",
                  "nip", "digit 15 is neither 1 (male) nor 2 (female)"),
            Check("invalid_nip:scientific_notation", "nip",
                  "regexp_full_match(nip, '[0-9](\\.[0-9]+)?[eE]\\+?[0-9]+')", "nip",
                  "a spreadsheet turned the NIP into a number and lost its last digits: ask for NIP exported as text"),
        ]  # fmt: skip
    if {"nip", "birth_date", "gender"} <= set(dataset.field_names):
        # The NIP encodes its holder's birth date and sex: a record that says otherwise is wrong in one of them.
        real_birth = "try_strptime(nip[1:8], '%Y%m%d')::DATE"
        checks += [
            Check("nip_mismatch:birth_date", "birth_date",
                  f"regexp_full_match(nip, '[0-9]{{18}}') AND {real_birth} <> birth_date",
                  "nip[1:8] || ' vs ' || birth_date", "the NIP's digits 1-8 are another birth date"),
            Check("nip_mismatch:gender", "gender",
                  "regexp_full_match(nip, '[0-9]{18}') AND nip[15] IN ('1', '2') AND gender IN ('M', 'F') "
                  "AND gender <> CASE nip[15] WHEN '1' THEN 'M' ELSE 'F' END",
                  "nip[15] || ' vs ' || gender", "the NIP's digit 15 gives the other sex"),
        ]  # fmt: skip
    after = delivery_date + timedelta(days=1)
    checks += [
        Check(f"future_date:{field.name}", field.name,
              f"{quote_identifier(field.name)} >= {sql_literal(after.isoformat())}", quote_identifier(field.name),
              f"after the delivery date {delivery_date.isoformat()}")
        for field in dataset.fields
        if field.sql_type in {"DATE", "TIMESTAMP"}
    ]  # fmt: skip
    add_checks(connection, work_table, checks, where)


def match_units(connection: duckdb.DuckDBPyConnection, work_table: str, dataset: Dataset, region: str) -> None:
    """Units against the region's current reference list (the units standing in raw), when it has one: a unit name
    that differs only in case or spacing becomes the list's spelling; an unknown unit code is a reason. (Not the
    rows of the latest units load: raw keeps a full extract's changes only, so that load may hold none.)"""
    if "unit_code" not in dataset.field_names or dataset.reference:
        return
    connection.execute(
        f"""CREATE OR REPLACE TEMP TABLE region_units AS
            SELECT unit_code, unit_name FROM raw.units WHERE _region = ? AND {changes.STANDING}""",
        [region],
    )
    (units,) = connection.execute("SELECT count(*) FROM region_units").fetchone()
    if units == 0:
        return
    loose = "lower(regexp_replace(trim({}), '\\s+', ' ', 'g'))"
    if "unit_name" in dataset.field_names:
        connection.execute(
            f"""UPDATE {work_table} AS w SET unit_name = u.unit_name FROM region_units AS u
                WHERE w.unit_code = u.unit_code AND w.unit_name <> u.unit_name
                  AND {loose.format("w.unit_name")} = {loose.format("u.unit_name")}"""
        )
    connection.execute(
        f"""INSERT INTO {work_table}_reasons
            SELECT _source_row, 'unknown_unit:unit_code', 'unit_code', unit_code, 'not in the region''s list of units'
            FROM {work_table} AS w ANTI JOIN region_units AS u ON w.unit_code = u.unit_code
            WHERE w.unit_code IS NOT NULL"""
    )
    connection.execute("DROP TABLE region_units")


def add_failures(connection: duckdb.DuckDBPyConnection, work_table: str, report: ValidationReport) -> None:
    """The failing records of every error-severity row-level or uniqueness expectation, with the value they hold."""
    for outcome in report.errors:
        if not outcome.failing_rows:
            continue
        spec = outcome.spec
        column = spec.kwargs.get("column") or spec.kwargs.get("column_A")
        value = f"CAST({quote_identifier(column)} AS VARCHAR)" if column else "NULL"
        # The failing rows as one list parameter (a row-by-row executemany costs a statement per row).
        connection.execute(
            f"""INSERT INTO {work_table}_reasons
                SELECT w._source_row, ?, ?, {value}, ?
                FROM {work_table} AS w
                SEMI JOIN (SELECT unnest(?::BIGINT[]) AS source_row) AS f ON w._source_row = f.source_row""",
            [reason_code(spec), column, outcome.label, outcome.failing_rows],
        )


def rows(connection: duckdb.DuckDBPyConnection, work_table: str) -> int:
    (count,) = connection.execute(f"SELECT count(DISTINCT source_row) FROM {work_table}_reasons").fetchone()
    return count


def record_json(columns: list[str]) -> str:
    """SQL for a delivered record as JSON, over the text table `t`: a JSON Lines record as it came, any other
    record as {header: delivered text}."""
    if "_record" in columns:
        return "t._record::JSON"
    return "json_object(" + ", ".join(f"{sql_literal(c)}, t.{quote_identifier(c)}" for c in columns) + ")"


def store(
    connection: duckdb.DuckDBPyConnection, work_table: str, *, first_row: int, metadata: dict[str, object]
) -> int:
    """Move the records with reasons into raw.quarantine (one row per record, all its reasons, its delivered text);
    returns how many. Runs inside the delivery's load transaction (`ensure_table` has run before it)."""
    columns = [row[0] for row in connection.execute(f"DESCRIBE {work_table}_text").fetchall()]
    names = ["load_id", "region", "dataset", "delivery_id", "source_file", "quarantined_at"]
    ((stored,),) = connection.execute(
        f"""INSERT INTO {QUARANTINE_TABLE}
            (source_row, reasons, record, {", ".join(names)})
            SELECT r.source_row, r.reasons, {record_json(columns)}, {", ".join("?" for _ in names)}
            FROM (SELECT source_row,
                         list({{'code': code, 'column': "column", 'value': value, 'detail': detail}}
                              ORDER BY code) AS reasons
                  FROM {work_table}_reasons GROUP BY source_row) AS r
            JOIN (SELECT *, rowid + {first_row} AS _line FROM {work_table}_text) AS t ON t._line = r.source_row""",
        [metadata[name] for name in names],
    ).fetchall()
    return stored  # one row per record with reasons


def drop(connection: duckdb.DuckDBPyConnection, work_table: str) -> None:
    connection.execute(f"DROP TABLE IF EXISTS {work_table}_reasons")
    connection.execute(f"DROP TABLE IF EXISTS {work_table}_read_reasons")
