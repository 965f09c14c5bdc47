"""What a gate run checks: each rule once, on what changed since the last run of the gate that passed.

The raw gate checks the rows brought by loads it has not seen: after a raw gate passes, each suite of a raw table
with `_load_id` keeps a watermark in `dq.raw_watermarks`, the newest `raw.load_audit.finished_at` there was when the
run began; the next run validates only the rows whose load finished after it (any row whose load is not in the audit
at or before the watermark). Suites of tables without `_load_id` (the load audit's reconciliations, freshness) stay
whole: they are cheap, and they are about the whole raw layer.

The marts gate checks changed partitions: each mart of `PARTITIONS` is cut by region (and period, where the mart
has one), and every partition gets a fingerprint, its row count and an order-independent sum of its rows' 64-bit
hashes over the columns its partition-local rules read. After a marts gate passes they are kept in
`dq.mart_fingerprints`; the next run computes them again (one scan) and validates row-level errors, uniqueness of a
key that holds the partition, and row-local queries (`ROW_LOCAL_QUERIES`) only on the partitions whose fingerprint
changed, through a view of them. What needs the whole table stays whole: row counts, the column set, `mostly`
expectations and other warnings (a share of the whole table, shown every run), reconciliations and relationships
(they read other tables, which may have changed).

Both are kept per suite digest (its expectations and partitioning): a suite that changed checks its whole table
again, as does a first run, a run with `whole=True`, and a run in which more than half of a table changed. Nothing is
kept from a gate that failed. Either way every expectation lands in `dq.expectation_results` as before, under the
real table's name (element counts are the rows checked), and `dq.gate_scope` records what each run checked: scope,
partitions and rows. Every check runs through the one runner, `validate_table`, on the table itself or on a view of
its changed part.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import TracebackType

import duckdb

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import has_table, insert_rows, qualified, quote_identifier, sql_literal
from asn_platform.quality.runner import (
    RESULTS_SCHEMA,
    ExpectationOutcome,
    ValidationReport,
    record_report,
    validate_table,
)
from asn_platform.quality.suites import QUERY_EXPECTATION, ExpectationSpec, Suite

# Bumped when what a fingerprint or a watermark means changes: every suite then checks its whole table once.
SCHEME = 1
# An in-memory database attached for the run: the views of what changed and the fingerprints being compared, visible
# to the runner's cursors (a TEMP object would not be) and gone when the run ends.
SCOPE_DATABASE = "dq_scope"
WATERMARKS_TABLE = f"{RESULTS_SCHEMA}.raw_watermarks"
FINGERPRINTS_TABLE = f"{RESULTS_SCHEMA}.mart_fingerprints"
SCOPE_TABLE = f"{RESULTS_SCHEMA}.gate_scope"
LOAD_AUDIT = "raw.load_audit"
LOAD_COLUMN = "_load_id"
# A run checks a table whole when what changed is more than this share of its rows: reading the changed part
# apart would cost more than it saves.
WHOLE_SHARE = 0.5
# At most this many partition keys are listed in dq.gate_scope.checked (the counts are always complete).
LISTED_PARTITIONS = 1_000

# The partitions of each mart: SQL expressions over its columns, region first, then the period where the mart has
# one. A uniqueness expectation is partition-local (checked on changed partitions only) when every column these
# expressions read is in its key: two rows with one key are then always in one partition. A mart not listed here is
# checked whole every run.
PARTITIONS: dict[str, tuple[str, ...]] = {
    "core.dim_region": ("region",),
    "core.dim_unit": ("region",),
    "core.dim_employee": ("region",),
    "restricted.employee_identity": ("region",),
    # The year a course started: in the key (region, employee_key, course_code, start_date), so the key's
    # uniqueness is partition-local; training_year (the end's year) is not.
    "competency.training_records": ("region", "year(start_date)"),
    "competency.employee_year": ("region", "calendar_year"),
    "competency.unit_year": ("region", "calendar_year"),
    "restricted.employee_performance": ("region", "calendar_year"),
    "placement.employee_fit": ("region",),
    "placement.merit_pipeline": ("region",),
    "restricted.employee_merit": ("region",),
    "restricted.merit_candidates": ("region",),
    "placement.movements": ("region", "year_quarter"),
    "placement.placement_history": ("region",),
    "restricted.placement_history_detail": ("region",),
    "placement.unit_fit": ("region",),
    "service_quality.ikm_unit_period": ("region", "quarter_start"),
    "service_quality.complaints_unit_period": ("region", "quarter_start"),
    "service_quality.service_competency_link": ("region", "calendar_year"),
    "service_quality.survey_suggestions": ("region", "quarter_start"),
    "service_quality.training_needs": ("region",),
}

# Query expectations (by suite and description) that judge each row on its own, reading no other table: run on the
# changed partitions like row-level expectations. Any other query expectation of a mart runs on the whole table.
ROW_LOCAL_QUERIES: dict[str, frozenset[str]] = {
    "marts.survey_suggestions": frozenset(
        {"no suggestion still holds a phone number, NIK/NIP, e-mail address or name"}
    ),
    "marts.complaints_unit_period": frozenset({"complaints add up to their channels' columns"}),
}


def suite_digest(suite: Suite, partition: tuple[str, ...] = ()) -> str:
    """What the checks of `suite` are: recorded with a watermark or fingerprints, which count only for it."""
    payload = {
        "scheme": SCHEME,
        "table": suite.table,
        "key_columns": list(suite.key_columns),
        "expectations": [[spec.type, spec.kwargs, spec.severity] for spec in suite.expectations],
        "partition": list(partition),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _literal(value: object) -> str | None:
    """`value` as a SQL literal of its own type, for the types partitions have; None for any other (or NULL)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return sql_literal(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"DATE '{value.isoformat()}'"
    return None


def _referenced_columns(expression: str, columns: set[str]) -> set[str]:
    return {word for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression) if word in columns}


@dataclass
class SuiteScope:
    """What one run checks of one suite, and what it records for the next run once the gate passes."""

    suite: Suite
    scope: str  # whole | changed partitions | new loads
    reason: str
    relation: str | None = None  # the view of what changed (scoped runs only)
    scoped: tuple[ExpectationSpec, ...] = ()  # validated on `relation`; the others on the whole table
    partitions_total: int | None = None
    partitions_checked: int | None = None
    rows_total: int | None = None
    rows_checked: int | None = None
    checked: list[object] = field(default_factory=list)  # the partition keys checked (scoped runs)
    fingerprints: str | None = None  # the table of this run's fingerprints, stored once the gate passes
    watermark: datetime | None = None  # the load audit's newest finished_at when the run began
    digest: str = ""


class GateRun:
    """One run of a gate over its suites, on one connection: `validate` each suite, then `commit` if the gate
    passed (the watermarks and fingerprints the next run compares with). `whole=True` checks every table whole (the
    records are still written on commit)."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        stage: str,
        *,
        settings: Settings,
        run_id: str,
        whole: bool = False,
    ) -> None:
        self.connection = connection
        self.stage = stage
        self.settings = settings
        self.run_id = run_id
        self.whole = whole
        self.scopes: list[SuiteScope] = []
        (self.database,) = connection.execute("SELECT current_database()").fetchone()
        connection.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCOPE_DATABASE}")
        self._kept = {
            f"{RESULTS_SCHEMA}.{name}"
            for (name,) in connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [RESULTS_SCHEMA]
            ).fetchall()
        }
        # What the last passing run kept: each raw suite's watermark, how many partitions of each mart.
        self._kept_watermarks: dict[tuple[str, str], datetime] = {}
        if stage == "raw" and WATERMARKS_TABLE in self._kept:
            self._kept_watermarks = {
                (suite, digest): mark
                for suite, digest, mark in connection.execute(
                    f"SELECT suite, digest, checked_through FROM {WATERMARKS_TABLE}"
                ).fetchall()
            }
        self._kept_fingerprints: dict[tuple[str, str], int] = {}
        if stage == "marts" and FINGERPRINTS_TABLE in self._kept:
            self._kept_fingerprints = {
                (suite, digest): count
                for suite, digest, count in connection.execute(
                    f"SELECT suite, digest, count(*) FROM {FINGERPRINTS_TABLE} GROUP BY ALL"
                ).fetchall()
            }
        self._watermark: datetime | None = None
        if stage == "raw" and has_table(connection, *LOAD_AUDIT.split(".")):
            (self._watermark,) = connection.execute(f"SELECT max(finished_at) FROM {LOAD_AUDIT}").fetchone()

    def __enter__(self) -> GateRun:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.connection.execute(f"DETACH DATABASE IF EXISTS {SCOPE_DATABASE}")

    # --- what to check ------------------------------------------------------------------------------------------

    def _scope_name(self, suite: Suite, kind: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_]", "_", suite.name)
        return f"{SCOPE_DATABASE}.main.{kind}__{name}"

    def _source(self, table: str) -> str:
        """`table` of the build database, named so a view in the scope database finds it."""
        return f"{quote_identifier(self.database)}.{qualified(table)}"

    def _view(self, suite: Suite, query: str) -> str:
        """A view of the scope database over what changed: each check reads the table through it, filtered by
        literals DuckDB prunes with (cheaper than copying the rows: 9 ms a count, 0.16 s a copy of 127 k rows)."""
        name = self._scope_name(suite, "changed_rows")
        self.connection.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")
        return name

    def _scope_raw(self, suite: Suite, table: str, columns: set[str]) -> SuiteScope:
        if LOAD_COLUMN not in columns:
            return SuiteScope(suite, "whole", "reconciles the whole raw layer")
        digest = suite_digest(suite, (LOAD_COLUMN,))
        scope = SuiteScope(suite, "whole", "", watermark=self._watermark, digest=digest)
        mark = self._kept_watermarks.get((suite.name, digest))
        if self.whole or mark is None:
            (scope.rows_total,) = self.connection.execute(f"SELECT count(*) FROM {qualified(table)}").fetchone()
            scope.reason = "whole run asked for" if self.whole else "no passing run of this suite yet"
            return scope
        # Any row not brought by a load the audit says finished by the watermark: a load it has not seen.
        unseen = f"""{LOAD_COLUMN} NOT IN (SELECT load_id FROM {LOAD_AUDIT}
                                       WHERE finished_at <= {sql_literal(mark.isoformat())}::TIMESTAMPTZ)"""
        loads = self.connection.execute(
            f"""SELECT {LOAD_COLUMN}, count(*) FROM {qualified(table)} WHERE {unseen} GROUP BY ALL ORDER BY ALL"""
        ).fetchall()
        (scope.rows_total,) = self.connection.execute(f"SELECT count(*) FROM {qualified(table)}").fetchone()
        scope.rows_checked = sum(rows for _, rows in loads)
        scope.checked = [load_id for load_id, _ in loads][:LISTED_PARTITIONS]
        if scope.rows_checked > scope.rows_total * WHOLE_SHARE:
            scope.reason = f"new loads brought {scope.rows_checked:,} of {scope.rows_total:,} rows"
            return scope
        new_loads = ", ".join(sql_literal(load_id) for load_id, _ in loads)
        scope.relation = self._view(  # LIMIT 0 when no load is new: the checks read nothing
            suite,
            f"SELECT * FROM {self._source(table)} "
            + (f"WHERE {LOAD_COLUMN} IN ({new_loads})" if new_loads else "LIMIT 0"),
        )
        scope.scope, scope.reason = "new loads", f"loads finished after {mark.isoformat()}"
        scope.scoped = suite.expectations
        return scope

    def _partition_local(self, suite: Suite, partition: tuple[str, ...], columns: set[str]) -> list[ExpectationSpec]:
        """The expectations of `suite` whose outcome on the whole table is the sum of their outcomes per partition."""
        read = set().union(*(_referenced_columns(expression, columns) for expression in partition))
        local_queries = ROW_LOCAL_QUERIES.get(suite.name, frozenset())

        def local(spec: ExpectationSpec) -> bool:
            if spec.type == QUERY_EXPECTATION:
                return spec.kwargs["description"] in local_queries
            if spec.type in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
                return read <= set(spec.columns)  # two rows with one key are in one partition
            # Row-level errors judge each row alone; `mostly` makes a share of the whole table, and a warning is
            # shown by every run, not only by the one that first sees it.
            return not spec.is_table_level and spec.kwargs.get("mostly") is None and spec.severity == "error"

        return [spec for spec in suite.expectations if local(spec)]

    @staticmethod
    def _fingerprinted(specs: list[ExpectationSpec], partition: tuple[str, ...], columns: set[str]) -> list[str]:
        """The columns a partition's fingerprint covers: every one the partition-local checks read (a change in any
        other cannot change their outcome), all of them if that cannot be told from the expectations."""
        read = set().union(*(_referenced_columns(expression, columns) for expression in partition))
        for spec in specs:
            if spec.type == QUERY_EXPECTATION:
                query = spec.kwargs["unexpected_rows_query"]
                if "*" in query.replace("{batch}", ""):
                    return sorted(columns)
                read |= _referenced_columns(query, columns)
            elif any(key.startswith("row_condition") for key in spec.kwargs):
                return sorted(columns)
            else:
                read |= set(spec.columns)
        return sorted(read)

    def _scope_mart(self, suite: Suite, table: str, columns: set[str]) -> SuiteScope:
        partition = PARTITIONS.get(table)
        if not partition:
            return SuiteScope(suite, "whole", "not partitioned")
        unknown = [expression for expression in partition if not _referenced_columns(expression, columns)]
        if unknown:
            raise ValueError(f"{table}: partition expressions {unknown} read none of its columns {sorted(columns)}")
        local = self._partition_local(suite, partition, columns)
        covered = self._fingerprinted(local, partition, columns)
        digest = suite_digest(suite, (*partition, "|", *covered))
        parts = ", ".join(f"{expression} AS p{number}" for number, expression in enumerate(partition))
        labels = ", ".join(f"p{number}" for number in range(len(partition)))
        key = f"to_json([{', '.join(f'p{number}::VARCHAR' for number in range(len(partition)))}])::VARCHAR"
        content = ", ".join(quote_identifier(column) for column in covered)
        fingerprints = self._scope_name(suite, "fingerprints")
        compare = self._kept_fingerprints.get((suite.name, digest), 0) and not self.whole
        # The partitions now, each marked changed unless the last passing run kept the same fingerprint.
        unchanged = (
            f"""EXISTS (SELECT 1 FROM {FINGERPRINTS_TABLE} AS kept
                        WHERE kept.suite = {sql_literal(suite.name)} AND kept.digest = {sql_literal(digest)}
                          AND kept.partition_key = now.partition_key AND kept.row_count = now.row_count
                          AND kept.content_hash = now.content_hash)"""
            if compare
            else "false"
        )
        self.connection.execute(
            f"""CREATE OR REPLACE TABLE {fingerprints} AS
                SELECT *, NOT {unchanged} AS changed FROM (
                    SELECT *, {key} AS partition_key FROM (
                        SELECT {parts}, count(*) AS row_count, sum(hash({content})::HUGEINT) AS content_hash
                        FROM {qualified(table)} GROUP BY {labels})) AS now"""
        )
        scope = SuiteScope(suite, "whole", "", fingerprints=fingerprints, digest=digest)
        (scope.partitions_total, scope.rows_total, scope.partitions_checked, scope.rows_checked) = (
            self.connection.execute(
                f"""SELECT count(*), coalesce(sum(row_count), 0), count(*) FILTER (changed),
                           coalesce(sum(row_count) FILTER (changed), 0) FROM {fingerprints}"""
            ).fetchone()
        )
        if not compare:
            scope.reason = "whole run asked for" if self.whole else "no passing run of this suite yet"
            return scope
        if scope.partitions_checked == scope.partitions_total or scope.rows_checked > scope.rows_total * WHOLE_SHARE:
            scope.reason = f"{scope.partitions_checked} of {scope.partitions_total} partitions changed"
            return scope
        scope.checked = [
            json.loads(key)
            for (key,) in self.connection.execute(
                f"""SELECT partition_key FROM {fingerprints} WHERE changed
                    ORDER BY partition_key LIMIT {LISTED_PARTITIONS}"""
            ).fetchall()
        ]
        matches = " AND ".join(
            f"c.p{number} IS NOT DISTINCT FROM ({expression})" for number, expression in enumerate(partition)
        )
        # The changed partitions' first values (regions) as literals DuckDB filters the scan with, then a semi join on
        # every partition expression for the exact partitions. Unqualified names in the join condition are the
        # mart's columns (the changed partitions' table has only p0, p1, ...).
        firsts = [
            value
            for (value,) in self.connection.execute(
                f"SELECT DISTINCT p0 FROM {fingerprints} WHERE changed ORDER BY ALL"
            ).fetchall()
        ]
        literals = [_literal(value) for value in firsts]
        known = [literal for literal in literals if literal is not None]
        prefilter = f"WHERE ({partition[0]}) IN ({', '.join(known)})" if known and len(known) == len(literals) else ""
        scope.relation = self._view(
            suite,
            f"""SELECT t.* FROM {self._source(table)} AS t
                SEMI JOIN (SELECT {labels} FROM {fingerprints} WHERE changed) AS c ON {matches} {prefilter}"""
            if scope.partitions_checked
            else f"SELECT * FROM {self._source(table)} LIMIT 0",
        )
        scope.scope = "changed partitions"
        scope.reason = f"{scope.partitions_checked} of {scope.partitions_total} partitions changed"
        scope.scoped = tuple(local)
        return scope

    def scope_of(self, suite: Suite) -> SuiteScope:
        table = str(suite.table)
        columns = {row[0] for row in self.connection.execute(f"DESCRIBE {qualified(table)}").fetchall()}
        if self.stage == "raw":
            return self._scope_raw(suite, table, columns)
        if self.stage == "marts":
            return self._scope_mart(suite, table, columns)
        return SuiteScope(suite, "whole", f"no scoping for the {self.stage} stage")

    # --- checking -----------------------------------------------------------------------------------------------

    def validate(self, suite: Suite) -> ValidationReport:
        """Validate `suite` in this run's scope and record the outcomes (as one report on the suite's table) and
        the scope."""
        table = str(suite.table)
        scope = self.scope_of(suite)
        common = {"settings": self.settings, "stage": self.stage, "run_id": self.run_id}
        if scope.relation is None:
            report = validate_table(self.connection, table, suite, **common)
        else:
            outcomes: list[ExpectationOutcome] = []
            rest = tuple(spec for spec in suite.expectations if spec not in scope.scoped)
            for relation, specs in ((scope.relation, scope.scoped), (table, rest)):
                if specs:
                    part = dataclasses.replace(suite, expectations=specs)
                    partial = validate_table(self.connection, relation, part, record=False, **common)
                    outcomes += [dataclasses.replace(outcome, table=table) for outcome in partial.outcomes]
            order = {spec.index: position for position, spec in enumerate(suite.expectations)}
            outcomes.sort(key=lambda outcome: order[outcome.spec.index])
            report = ValidationReport(self.run_id, self.stage, suite.name, table, outcomes)
            record_report(self.connection, report)
        if scope.scope == "whole":
            scope.partitions_checked, scope.rows_checked = scope.partitions_total, scope.rows_total
        self.scopes.append(scope)
        return report

    def record_scopes(self) -> None:
        """What this run checked of each suite validated, into dq.gate_scope (whether or not the gate passed)."""
        self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {RESULTS_SCHEMA}")
        self.connection.execute(
            f"""CREATE TABLE IF NOT EXISTS {SCOPE_TABLE} (
                run_id VARCHAR NOT NULL, stage VARCHAR NOT NULL, suite VARCHAR NOT NULL, table_name VARCHAR NOT NULL,
                scope VARCHAR NOT NULL, reason VARCHAR, partitions_total BIGINT, partitions_checked BIGINT,
                rows_total BIGINT, rows_checked BIGINT, scoped_expectations INTEGER, checked JSON,
                recorded_at TIMESTAMPTZ NOT NULL)"""
        )
        now = datetime.now(UTC)
        rows = [
            (
                self.run_id,
                self.stage,
                scope.suite.name,
                scope.suite.table,
                scope.scope,
                scope.reason,
                scope.partitions_total,
                scope.partitions_checked,
                scope.rows_total,
                scope.rows_checked,
                len(scope.scoped) if scope.relation else len(scope.suite.expectations),
                json.dumps(scope.checked, default=str),
                now,
            )
            for scope in self.scopes
        ]
        insert_rows(self.connection, SCOPE_TABLE, rows)

    # --- after a passing gate ------------------------------------------------------------------------------------

    def commit(self) -> None:
        """The gate passed: keep what the next run compares with (each suite's watermark or fingerprints)."""
        now = datetime.now(UTC)
        self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {RESULTS_SCHEMA}")
        self.connection.execute(
            f"""CREATE TABLE IF NOT EXISTS {WATERMARKS_TABLE} (
                suite VARCHAR NOT NULL, table_name VARCHAR NOT NULL, digest VARCHAR NOT NULL,
                checked_through TIMESTAMPTZ NOT NULL, run_id VARCHAR NOT NULL, recorded_at TIMESTAMPTZ NOT NULL)"""
        )
        self.connection.execute(
            f"""CREATE TABLE IF NOT EXISTS {FINGERPRINTS_TABLE} (
                suite VARCHAR NOT NULL, table_name VARCHAR NOT NULL, digest VARCHAR NOT NULL,
                partition_key VARCHAR NOT NULL, row_count BIGINT NOT NULL, content_hash HUGEINT NOT NULL,
                run_id VARCHAR NOT NULL, recorded_at TIMESTAMPTZ NOT NULL)"""
        )
        self.connection.execute("BEGIN TRANSACTION")
        try:
            for scope in self.scopes:
                name = scope.suite.name
                if scope.watermark is not None:
                    self.connection.execute(f"DELETE FROM {WATERMARKS_TABLE} WHERE suite = ?", [name])
                    self.connection.execute(
                        f"INSERT INTO {WATERMARKS_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
                        [name, scope.suite.table, scope.digest, scope.watermark, self.run_id, now],
                    )
                if scope.fingerprints is not None:
                    self.connection.execute(f"DELETE FROM {FINGERPRINTS_TABLE} WHERE suite = ?", [name])
                    self.connection.execute(
                        f"""INSERT INTO {FINGERPRINTS_TABLE}
                            SELECT ?, ?, ?, partition_key, row_count, content_hash, ?, ? FROM {scope.fingerprints}""",
                        [name, scope.suite.table, scope.digest, self.run_id, now],
                    )
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
