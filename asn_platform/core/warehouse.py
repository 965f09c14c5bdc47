"""Opening DuckDB files the one way the project does it.

DuckDB allows one writing process or many readers. Writers open the private build database; readers (reports, BI,
summaries) open published files read-only, so they never take the write lock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from asn_platform.core.settings import Settings


def _config(settings: Settings) -> dict[str, str]:
    # Extensions are never fetched at run time: the server has no internet and must not try.
    return {
        "storage_compatibility_version": settings.storage_version,
        "memory_limit": settings.duckdb_memory_limit,
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }


@contextmanager
def connect(
    path: Path | None = None, *, read_only: bool = False, in_memory: bool = False, settings: Settings
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `path` (default: the build database; `in_memory` for one that only ATTACHes files),
    closed on exit so the file lock is released."""
    path = path or settings.warehouse_path
    if not read_only and not in_memory:
        path.parent.mkdir(parents=True, exist_ok=True)
    database = ":memory:" if in_memory else str(path)
    connection = duckdb.connect(database, read_only=read_only and not in_memory, config=_config(settings))
    # A progress bar of every long statement would flood task logs (it is a session setting, not a config one).
    connection.execute("SET enable_progress_bar = false")
    try:
        yield connection
    finally:
        connection.close()


def insert_rows(connection: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]) -> None:
    """Insert `rows` (each a value per column of `table`, in the table's order) with one list parameter: a
    placeholder per value costs several times more to bind (30,000 of them, 0.7 s)."""
    if not rows:
        return
    columns = connection.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall()
    struct = "STRUCT(" + ", ".join(f"{quote_identifier(name)} {kind}" for name, kind in columns) + ")[]"
    names = [name for name, _ in columns]
    connection.execute(
        f"INSERT INTO {table} SELECT unnest(?::{struct}, recursive := true)",
        [[dict(zip(names, row, strict=True)) for row in rows]],
    )


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: object) -> str:
    """A SQL string literal, for the few statements that take no parameters (ATTACH, CASE WHEN on config values)."""
    return "'" + str(value).replace("'", "''") + "'"


def has_table(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    query = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?"
    return bool(connection.execute(query, [schema, table]).fetchone()[0])


def qualified(table: str) -> str:
    """`schema.table` quoted part by part, for names that come from configuration."""
    return ".".join(quote_identifier(part) for part in table.split("."))
