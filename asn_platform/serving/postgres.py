"""Serving the published marts from PostgreSQL, for BI tools that need a server (JDBC/ODBC: Metabase, Power BI, ...).

Source: the published, gated `analytics.duckdb`, opened read-only (never the build database, never the restricted
tier). Target: the Airflow connection `asn_serving_postgres` (settings.serving_postgres_uri()).

Write-audit-publish, in ONE PostgreSQL transaction: every served schema is loaded into `<schema>__incoming` (COPY,
streamed), audited (row counts equal the DuckDB file's, declared unique keys hold), then the old schemas are renamed to
`<schema>__previous` and the incoming ones into place. Until that transaction commits no other session can even see
the incoming schemas; if anything fails, or the server or this process dies, PostgreSQL rolls it all back and the
previous version keeps serving. The swap first takes ACCESS EXCLUSIVE locks on the tables being replaced, so a query
that already reads them finishes on the old version and one that arrives during the swap waits and then reads the new
one: a single query never sees a mix of versions or an empty schema. The served version is recorded in
`asn_serving.versions`; serving the version already served does nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import psycopg
from psycopg import sql
from psycopg.copy import LibpqWriter

from asn_platform.core.settings import (
    EXPECTATIONS_DIR,
    MART_SCHEMAS,
    SERVING_POSTGRES_CONNECTION,
    Settings,
)
from asn_platform.core.warehouse import connect, quote_identifier, sql_literal
from asn_platform.quality.runner import RESULTS_SCHEMA, RESULTS_TABLE_NAME
from asn_platform.quality.suites import load_suite

log = logging.getLogger(__name__)

# What is served: the marts, the data-quality results (DQ trends in BI) and `main.publication` (which version).
# PostgreSQL gets the same schema names as the DuckDB file, so a BI query runs unchanged against either.
SERVED_SCHEMAS = (*MART_SCHEMAS, RESULTS_SCHEMA, "main")
EXTRA_TABLES = ((RESULTS_SCHEMA, RESULTS_TABLE_NAME), ("main", "publication"))
CONTROL_SCHEMA = "asn_serving"
READER_ROLE = "asn_bi_reader"
INCOMING, PREVIOUS = "__incoming", "__previous"
# One serving at a time per database (pg_advisory_lock key; any constant the project owns).
ADVISORY_LOCK_KEY = 0x41534E5356  # "ASNSV"
# The swap waits at most this long for readers' locks on the old tables (new queries queue behind a waiting swap,
# so it gives up and tries again rather than stall BI for as long as the longest running report). Below PostgreSQL's
# deadlock_timeout (1 s): a reader that locked one served table and then waits for another the swap holds is never
# the deadlock's victim, because the swap, waiting since before it, gives up first (at 5 s, CI saw a reader fail with
# DeadlockDetected). About 30 s in all, with the second between attempts.
SWAP_LOCK_TIMEOUT = "500ms"
SWAP_ATTEMPTS = 20
CHUNK_BYTES = 1 << 20
INDEX_MEMORY = "256MB"
CONNECT_TIMEOUT_SECONDS = 10

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_NESTED = re.compile(r"(\[\d*\]$)|^(STRUCT|MAP|UNION)\(")
# DuckDB type -> PostgreSQL type, for the types written as they are (DuckDB's CSV text is PostgreSQL's input text).
_SCALAR_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(39,0)",
    "UHUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIME WITH TIME ZONE": "timetz",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "VARCHAR": "text",
    "JSON": "jsonb",
}


class PostgresServingError(RuntimeError):
    """Serving to PostgreSQL failed; the message says what (not configured, unreachable, no analytics file, a row
    count mismatch naming the table, ...). Whatever failed, the previously served version is still being served."""


@dataclass(frozen=True)
class PostgresServing:
    version: str
    tables: dict[str, int]  # "schema.table" -> rows served
    seconds: float
    skipped: bool  # the version was already being served: nothing was loaded

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str

    @property
    def postgres_type(self) -> str:
        return postgres_type(self.duckdb_type)

    def export_expression(self) -> str:
        """The column as DuckDB writes it for PostgreSQL's COPY (CSV text PostgreSQL parses as `postgres_type`)."""
        name = quote_identifier(self.name)
        if self.duckdb_type == "BLOB":
            return f"'\\x' || hex({name})"  # bytea's hex input form
        if _NESTED.search(self.duckdb_type):
            return f"to_json({name})"
        if self.postgres_type == "text" and self.duckdb_type != "VARCHAR":
            return f"CAST({name} AS VARCHAR)"  # ENUM, BIT, ...: their text
        return name


@dataclass(frozen=True)
class SourceTable:
    schema: str
    name: str
    columns: tuple[Column, ...]
    rows: int

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def postgres_type(duckdb_type: str) -> str:
    """PostgreSQL's type for a DuckDB column: lists, structs, maps and unions become jsonb (any nesting, queryable
    with jsonb operators), JSON jsonb, BLOB bytea, DECIMAL(p,s) numeric(p,s); any other type is served as its text."""
    if duckdb_type in _SCALAR_TYPES:
        return _SCALAR_TYPES[duckdb_type]
    if match := _DECIMAL.fullmatch(duckdb_type):
        return f"numeric({match[1]},{match[2]})"
    if duckdb_type == "BLOB":
        return "bytea"
    if _NESTED.search(duckdb_type):
        return "jsonb"
    return "text"


def _describe(uri: str) -> str:
    """The target without its password, for messages."""
    parts = urlsplit(uri)
    user = f"{parts.username}@" if parts.username else ""
    return f"{user}{parts.hostname}:{parts.port or 5432}/{parts.path.strip('/')}"


def _read_source(duck: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, datetime | None, list[SourceTable]]:
    names = duck.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        f"AND schema_name IN ({', '.join('?' * len(MART_SCHEMAS))}) ORDER BY 1, 2",
        list(MART_SCHEMAS),
    ).fetchall()
    present = set(
        duck.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    )
    if ("main", "publication") not in present:
        raise PostgresServingError(f"{path} has no main.publication table: it is not a published warehouse")
    names += [extra for extra in EXTRA_TABLES if extra in present]
    tables = []
    for schema, table in names:
        columns = duck.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [schema, table],
        ).fetchall()
        (rows,) = duck.execute(f"SELECT count(*) FROM {quote_identifier(schema)}.{quote_identifier(table)}").fetchone()
        tables.append(SourceTable(schema, table, tuple(Column(*column) for column in columns), int(rows)))
    cursor = duck.execute("SELECT * FROM main.publication")
    publication = dict(zip([d[0] for d in cursor.description], cursor.fetchone() or (), strict=False))
    published_at = publication.get("published_at")
    published_at = published_at.astimezone(UTC) if isinstance(published_at, datetime) else None
    # `version` is the publication's own name when it has one; before that, its publication time identifies it.
    if publication.get("version") is not None:
        version = str(publication["version"])
    elif published_at is not None:
        version = published_at.isoformat()
    else:
        raise PostgresServingError(f"{path}: main.publication has neither a version nor a published_at")
    return version, published_at, tables


def unique_keys(expectations_dir: Path = EXPECTATIONS_DIR) -> dict[str, tuple[str, ...]]:
    """Each mart's first unique key as its marts suite declares it (an `expect_compound_columns_to_be_unique`, else
    an `expect_column_values_to_be_unique`): the marts gate owns key uniqueness (docs/data-quality.md). Model names
    are unique in a dbt project, so they key the tables of every mart schema."""
    keys: dict[str, tuple[str, ...]] = {}
    for path in sorted((expectations_dir / "marts").glob("*.yml")):
        suite = load_suite(path)
        name = suite.table.split(".")[-1]
        for spec in suite.expectations:
            if spec.type == "expect_compound_columns_to_be_unique":
                keys.setdefault(name, tuple(spec.kwargs["column_list"]))
            elif spec.type == "expect_column_values_to_be_unique":
                keys.setdefault(name, (spec.kwargs["column"],))
    return keys


def _export_query(table: SourceTable) -> str:
    """The SELECT whose rows are COPYed into PostgreSQL (one function, so a test can make it lose rows)."""
    expressions = ", ".join(column.export_expression() for column in table.columns)
    return f"SELECT {expressions} FROM {quote_identifier(table.schema)}.{quote_identifier(table.name)}"


@contextlib.contextmanager
def _csv_stream(duck: duckdb.DuckDBPyConnection, query: str) -> Iterator[Iterator[bytes]]:
    """`query`'s rows as CSV, in chunks of CHUNK_BYTES, rendered by DuckDB's own (C++) CSV writer into a named pipe
    that this thread reads: memory stays bounded whatever the table's size, and no row passes through Python objects.

    A dummy writer end is held open until DuckDB's COPY has ended, so the reader neither blocks forever when DuckDB
    fails before opening the pipe nor sees end-of-file early; closing the reader (on a PostgreSQL failure) makes
    DuckDB's next write fail with EPIPE (Python ignores SIGPIPE), which ends its thread.
    """
    folder = Path(tempfile.mkdtemp(prefix="asn-serving-"))
    pipe = folder / "rows.csv"
    os.mkfifo(pipe, 0o600)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    holder = os.open(pipe, os.O_WRONLY)
    os.set_blocking(reader, True)
    errors: list[BaseException] = []
    cursor = duck.cursor()

    def write() -> None:
        try:
            # Insertion order kept would make DuckDB buffer every batch ahead of a slow reader: memory unbounded.
            cursor.execute("SET preserve_insertion_order = false")
            cursor.execute("SET TimeZone = 'UTC'")
            # FORCE_QUOTE: a lone `\.` value is PostgreSQL's end-of-data marker unless quoted; NULLs stay unquoted.
            cursor.execute(
                f"COPY ({query}) TO {sql_literal(pipe)} (FORMAT csv, HEADER false, FORCE_QUOTE *, USE_TMP_FILE false)"
            )
        except BaseException as error:  # reported by the reading thread
            errors.append(error)
        finally:
            os.close(holder)

    thread = threading.Thread(target=write, name="duckdb-csv-export", daemon=True)
    thread.start()

    def chunks() -> Iterator[bytes]:
        while chunk := os.read(reader, CHUNK_BYTES):
            yield chunk
        thread.join()
        if errors:
            raise PostgresServingError(f"DuckDB could not export the rows: {errors[0]}") from errors[0]

    try:
        yield chunks()
    finally:
        os.close(reader)
        thread.join()
        cursor.close()
        pipe.unlink(missing_ok=True)
        folder.rmdir()


def _connect(uri: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            uri, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name="asn_platform serving"
        )
    except psycopg.Error as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PostgresServingError(
            f"cannot reach the PostgreSQL serving target {_describe(uri)} ({SERVING_POSTGRES_CONNECTION}): {detail}"
        ) from error


def _prepare(pg: psycopg.Connection[Any]) -> None:
    """The control schema, its versions table and the BI reader role, created once."""
    with pg.transaction():
        pg.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(CONTROL_SCHEMA)))
        pg.execute(
            sql.SQL(
                """CREATE TABLE IF NOT EXISTS {}.versions (
                     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                     version text NOT NULL,
                     published_at timestamptz,
                     served_at timestamptz NOT NULL DEFAULT now(),
                     seconds double precision NOT NULL,
                     tables jsonb NOT NULL)"""
            ).format(sql.Identifier(CONTROL_SCHEMA))
        )
    if pg.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER_ROLE]).fetchone():
        return
    try:
        pg.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(READER_ROLE)))
    except psycopg.errors.DuplicateObject:
        pass  # another database's serving created it in between (roles are per cluster)
    except psycopg.errors.InsufficientPrivilege as error:
        raise PostgresServingError(
            f"the serving user may not create the role {READER_ROLE}: have an administrator run "
            f"`CREATE ROLE {READER_ROLE} NOLOGIN` once ({error.diag.message_primary})"
        ) from error


def _served(pg: psycopg.Connection[Any]) -> tuple[str, dict[str, int]] | None:
    """The version being served and its row counts, if its schemas are all still there."""
    row = pg.execute(
        sql.SQL("SELECT version, tables FROM {}.versions ORDER BY id DESC LIMIT 1").format(
            sql.Identifier(CONTROL_SCHEMA)
        )
    ).fetchone()
    if row is None:
        return None
    version, tables = row
    schemas = {name.split(".", 1)[0] for name in tables}
    present = {
        name for (name,) in pg.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(schemas)])
    }
    return (version, dict(tables)) if present == schemas else None


def _load_table(pg: psycopg.Connection[Any], duck: duckdb.DuckDBPyConnection, table: SourceTable) -> None:
    target = sql.Identifier(table.schema + INCOMING, table.name)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column.name), sql.SQL(column.postgres_type)) for column in table.columns
    )
    pg.execute(sql.SQL("CREATE TABLE {} ({})").format(target, columns))
    # FREEZE: the table was created in this transaction, so its rows can be written frozen (no later hint-bit or
    # freeze rewrite of the whole table by the first readers and vacuum).
    copy_sql = sql.SQL("COPY {} FROM STDIN (FORMAT csv, FREEZE true)").format(target)
    with pg.cursor() as cursor:
        # LibpqWriter sends each chunk before taking the next: psycopg's default writer queues up to 1,024 chunks
        # (1 GiB here) when PostgreSQL is slower than DuckDB. DuckDB still renders ahead in its own thread.
        writer = LibpqWriter(cursor)
        with cursor.copy(copy_sql, writer=writer) as copy, _csv_stream(duck, _export_query(table)) as chunks:
            for chunk in chunks:
                copy.write(chunk)


def _audit_table(pg: psycopg.Connection[Any], table: SourceTable, keys: dict[str, tuple[str, ...]]) -> None:
    target = sql.Identifier(table.schema + INCOMING, table.name)
    (loaded,) = pg.execute(sql.SQL("SELECT count(*) FROM {}").format(target)).fetchone()
    if loaded != table.rows:
        raise PostgresServingError(
            f"row count mismatch in {table.qualified_name}: {loaded:,} rows loaded into PostgreSQL, {table.rows:,} in "
            "analytics.duckdb; nothing was swapped in, the previous version keeps serving"
        )
    key = keys.get(table.name) if table.schema in MART_SCHEMAS else None
    if key and set(key) <= {column.name for column in table.columns}:
        key_columns = sql.SQL(", ").join(map(sql.Identifier, key))
        has_null = sql.SQL(" OR ").join(sql.SQL("{} IS NULL").format(sql.Identifier(column)) for column in key)
        (nulls,) = pg.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {})").format(target, has_null)).fetchone()
        # A primary key needs NOT NULL columns; a key with NULLs (a hire has no from-unit) gets a unique index that
        # treats NULLs as equal, as dbt's unique_combination_of_columns test does.
        statement = (
            sql.SQL("CREATE UNIQUE INDEX ON {} ({}) NULLS NOT DISTINCT")
            if nulls and pg.info.server_version >= 150000
            else sql.SQL("CREATE INDEX ON {} ({})")
            if nulls
            else sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})")
        )
        try:
            with pg.transaction():
                pg.execute(statement.format(target, key_columns))
        except psycopg.errors.UniqueViolation as error:
            raise PostgresServingError(
                f"{table.qualified_name} has duplicate values of its unique key ({', '.join(key)}): "
                f"{error.diag.message_detail}"
            ) from error
    pg.execute(sql.SQL("ANALYZE {}").format(target))  # BI queries get plans from real statistics at once


def _swap(pg: psycopg.Connection[Any], schemas: list[str]) -> None:
    existing = {name for (name,) in pg.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schemas])}
    old_tables = pg.execute(
        "SELECT format('%%I.%%I', schemaname, tablename) FROM pg_tables WHERE schemaname = ANY(%s) ORDER BY 1",
        [list(existing)],
    ).fetchall()
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with pg.transaction():  # a savepoint: a lock timeout undoes only this attempt
                pg.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(SWAP_LOCK_TIMEOUT)))
                if old_tables:
                    names = sql.SQL(", ").join(sql.SQL(name) for (name,) in old_tables)
                    pg.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(names))
            break
        # A reader whose one statement has locked some served tables and then asks for one the swap already holds
        # would be a deadlock; the swap's lock timeout ends it first (SWAP_LOCK_TIMEOUT): it lets go and retries.
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            if attempt == SWAP_ATTEMPTS:
                raise PostgresServingError(
                    f"readers held the served tables for more than {SWAP_ATTEMPTS} x {SWAP_LOCK_TIMEOUT}; nothing was "
                    "swapped in, the previous version keeps serving"
                ) from None
            log.warning("swap attempt %d could not lock the served tables from readers; trying again", attempt)
            time.sleep(1)
    reader = sql.Identifier(READER_ROLE)
    for schema in SERVED_SCHEMAS:
        incoming, previous = sql.Identifier(schema + INCOMING), sql.Identifier(schema + PREVIOUS)
        pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(previous))
        if schema in existing:
            pg.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(schema), previous))
            pg.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(previous, reader))
        if schema in schemas:
            served = sql.Identifier(schema)
            pg.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(incoming, served))
            pg.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(served, reader))
            pg.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(served, reader))
    control = sql.Identifier(CONTROL_SCHEMA)
    pg.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(control, reader))
    pg.execute(sql.SQL("GRANT SELECT ON {}.versions TO {}").format(control, reader))


def serve_postgres(settings: Settings, uri: str | None = None) -> PostgresServing:
    """Serve the published warehouse from PostgreSQL (`uri`, default the `asn_serving_postgres` connection): load,
    audit and swap in one transaction; nothing is done when its version is already being served."""
    uri = uri or settings.serving_postgres_uri()
    if not uri:
        raise PostgresServingError(
            f"no PostgreSQL serving target: set AIRFLOW_CONN_{SERVING_POSTGRES_CONNECTION.upper()} "
            "(postgresql://user:password@host:5432/dbname)"
        )
    path = settings.analytics_path
    if not path.is_file():
        raise PostgresServingError(f"nothing to serve: {path} does not exist (publish the warehouse first)")
    started = time.perf_counter()
    # The file is opened once: a publish renaming a new file over it meanwhile does not change what this serves.
    with connect(path, read_only=True, settings=settings) as duck:
        version, published_at, tables = _read_source(duck, path)
        counts = {table.qualified_name: table.rows for table in tables}
        with _connect(uri) as pg:
            step = "preparing"
            try:
                # Before anything else: two serves creating the control schema at once would collide even with IF
                # NOT EXISTS. Released when the session ends, however it ends.
                pg.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                _prepare(pg)
                served = _served(pg)
                if served and served[0] == version:
                    log.info("PostgreSQL already serves version %s; nothing to do", version)
                    return PostgresServing(version, served[1], time.perf_counter() - started, skipped=True)
                schemas = [schema for schema in SERVED_SCHEMAS if any(table.schema == schema for table in tables)]
                keys = unique_keys()
                with pg.transaction():
                    # The unique-key indexes sort in memory up to this, not in temporary files (this session only).
                    pg.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(INDEX_MEMORY)))
                    for schema in schemas:
                        incoming = sql.Identifier(schema + INCOMING)
                        pg.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(incoming))
                        pg.execute(sql.SQL("CREATE SCHEMA {}").format(incoming))
                    for table in tables:
                        step = f"loading {table.qualified_name}"
                        _load_table(pg, duck, table)
                        _audit_table(pg, table, keys)
                    step = "swapping the new version in"
                    _swap(pg, schemas)
                    pg.execute(
                        sql.SQL(
                            "INSERT INTO {}.versions (version, published_at, seconds, tables) VALUES (%s, %s, %s, %s)"
                        ).format(sql.Identifier(CONTROL_SCHEMA)),
                        [version, published_at, time.perf_counter() - started, psycopg.types.json.Jsonb(counts)],
                    )
            except psycopg.Error as error:
                detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                if pg.broken:
                    raise PostgresServingError(
                        f"lost the PostgreSQL serving target {_describe(uri)} while {step}: {detail}; nothing was "
                        "swapped in, the previous version keeps serving"
                    ) from error
                raise PostgresServingError(
                    f"PostgreSQL refused the load while {step}: {detail}; nothing was swapped in, the previous "
                    "version keeps serving"
                ) from error
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    log.info(
        "served version %s to %s: %d tables, %d rows in %.1f s", version, _describe(uri), len(counts), rows, seconds
    )
    return PostgresServing(version, counts, seconds, skipped=False)
