"""Opening DuckDB files the one way the project does it.

DuckDB allows one writing process or many readers. Writers open the private build database; readers (reports, BI,
summaries) open published files read-only, so they never take the write lock. A file another process holds (a
second region loading, `ingestion audit` during a load) is waited for, up to `ASN_WAREHOUSE_LOCK_WAIT_S`, with a line
now and then naming who holds it; then, like a file that cannot be opened at all, it is a WarehouseUnavailable error
in one line.
"""

from __future__ import annotations

import fcntl
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
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


class WarehouseUnavailable(RuntimeError):
    """A DuckDB file could not be opened: another process held it for longer than the wait, or the file or its folder
    cannot be read or written. The message names the file, the reason and, for a lock, who holds it."""


# DuckDB's words when another process holds the file: "Could not set lock on file "...": Conflicting lock is held in
# /usr/bin/python3 (PID 1234)[ by user x]". The holder is named only where the OS tells.
_LOCKED = "Could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>[0-9]+)\)")
WAIT_REPORT_EVERY_S = 10.0  # how often a waiting process says so
HOLDER_COMMAND_CHARS = 160  # enough to tell `python -m ingestion load langsa` from a dbt run


def _holder(message: str) -> str:
    """Who holds the file, from DuckDB's message: the process id and its command line where /proc shows it."""
    found = _HOLDER.search(message)
    if not found:
        return "another process"
    try:
        command = " ".join(
            Path(f"/proc/{found['pid']}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
        )
    except OSError:  # not Linux, or the holder has just ended
        command = ""
    if len(command) > HOLDER_COMMAND_CHARS:
        command = command[: HOLDER_COMMAND_CHARS - 1] + "…"
    return f"process {found['pid']} ({command or found['program']})"


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _open(
    database: str, *, read_only: bool, settings: Settings, report: Callable[[str], None]
) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting while another process holds the file (up to `warehouse_lock_wait_s`)."""
    wait = settings.warehouse_lock_wait_s
    started = time.monotonic()
    reported_at: float | None = None
    pause = 0.05
    while True:
        try:
            return duckdb.connect(database, read_only=read_only, config=_config(settings))
        except duckdb.IOException as error:
            mode = "read-only" if read_only else "for writing"
            if _LOCKED not in str(error):
                raise WarehouseUnavailable(f"{database}: cannot be opened {mode}: {_first_line(error)}") from None
            waited = time.monotonic() - started
            if waited >= wait:
                raise WarehouseUnavailable(
                    f"{database} is busy: {_holder(str(error))} holds it, and it was not free after {waited:.0f} s "
                    f"(ASN_WAREHOUSE_LOCK_WAIT_S={wait:g}); try again when that process has ended"
                ) from None
            if reported_at is None or time.monotonic() - reported_at >= WAIT_REPORT_EVERY_S:
                report(f"{database} is busy: {_holder(str(error))} holds it; waiting up to {wait - waited:.0f} s more "
                       f"to open it {mode}")  # fmt: skip
                reported_at = time.monotonic()
            time.sleep(min(pause, max(0.0, wait - waited)))
            pause = min(pause * 2, 1.0)


def _drop_if_never_written(path: Path) -> None:
    """An empty file where the database should be: its creation failed (a full disk, a file size limit). It holds
    nothing, and DuckDB refuses to open it ("not a valid DuckDB database file"), which would fail every later run;
    it goes, unless a process is creating it this very moment (it holds DuckDB's lock on it)."""
    try:
        # Looked at without opening it: closing any descriptor of a file drops every fcntl lock this process holds on
        # it, DuckDB's own included, were this process to have the database open already.
        if path.stat().st_size:
            return
        with path.open("r+b") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the lock DuckDB takes (fcntl record locks)
            except OSError:
                return  # being created
            path.unlink()
    except OSError:
        return  # none there, or not ours to change: opening it says why


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)  # a task log or a terminal, beside the caller's own output


@contextmanager
def connect(
    path: Path | None = None,
    *,
    read_only: bool = False,
    in_memory: bool = False,
    settings: Settings,
    report: Callable[[str], None] = _to_stderr,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to `path` (default: the build database; `in_memory` for one that only ATTACHes files),
    closed on exit so the file lock is released. While another process holds the file, waits (`report` hears
    who holds it); raises WarehouseUnavailable when it stays busy or cannot be opened."""
    path = path or settings.warehouse_path
    if not read_only and not in_memory:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WarehouseUnavailable(f"{path.parent}: cannot be created: {error.strerror or error}") from None
        _drop_if_never_written(path)
    database = ":memory:" if in_memory else str(path)
    connection = _open(database, read_only=read_only and not in_memory, settings=settings, report=report)
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
