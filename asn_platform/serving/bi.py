"""How BI tools reach the published warehouse: the SQLAlchemy URI of `analytics.duckdb` for Apache Superset and any
other tool that speaks SQLAlchemy through the `duckdb://` dialect, read-only.

The dialect here is duckdb-sqlalchemy (the maintained fork of duckdb-engine: column reflection works on SQLAlchemy 2.1,
see pyproject.toml); Superset's image keeps duckdb-engine on its own SQLAlchemy 1.4. Both pass every query parameter
of a local file's URI to `duckdb.connect(config=)`, so the URI alone opens the file read-only (a BI tool's connection
form takes a URI, not Python `connect_args`):

- `access_mode=read_only`: the file is opened without the write lock, beside any number of other readers and while
  the pipeline builds and publishes; any write is refused ("attached in read-only mode").
- `enable_external_access=false`: SQL typed into a BI tool cannot read or write other files on the BI server
  (`read_text('/proc/self/environ')`, `COPY ... TO`, `ATTACH`), where read-only alone would allow it. It cannot be
  switched back on from SQL while the connection is open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from asn_platform.core.settings import Settings

# DuckDB settings, in the order the URI carries them.
READ_ONLY_SETTINGS = {"access_mode": "read_only", "enable_external_access": "false"}


def sqlalchemy_uri(path: Path) -> str:
    """`duckdb:////abs/path/analytics.duckdb?access_mode=read_only&enable_external_access=false` for `path`."""
    # Absolute without resolving links: publishing may make the serving file a link to its newest version, and a
    # resolved URI would pin the BI tool to the version it was written down for.
    absolute = Path(path).expanduser().absolute()
    url = URL.create("duckdb", database=str(absolute), query=READ_ONLY_SETTINGS)
    return url.render_as_string(hide_password=False)


def bi_connection_string(settings: Settings) -> str:
    """The URI to give Superset (or another SQLAlchemy BI tool) for the published warehouse of `settings`."""
    return sqlalchemy_uri(settings.analytics_path)


def bi_engine(path: Path, **options: Any) -> Engine:
    """A SQLAlchemy engine on `path` as a BI tool should hold it: read-only, and without a connection pool.

    The dialect pools file connections (QueuePool, in duckdb-engine and duckdb-sqlalchemy alike), and a pooled
    connection stays open on the version it first opened after a new one is published (or one is rolled back to),
    until the pool recycles it. Without a pool, each checkout opens the serving path anew: it is a link through
    `published/current`, and DuckDB opens the file it resolves to now, so each checkout sees the version serving then,
    even while the process holds older connections open."""
    options.setdefault("poolclass", NullPool)
    return create_engine(sqlalchemy_uri(path), **options)
