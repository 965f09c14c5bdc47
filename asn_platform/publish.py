"""Publishing: copy the gated marts from the private build database into a fresh read-only file, then swap it in.

Readers of the published file never see a half-written warehouse: the new file is complete and closed before one
atomic rename puts it in place (same filesystem), and no stale WAL is left beside it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from asn_platform.contract import DIRECT_IDENTIFIERS
from asn_platform.quality import suites_for_stage
from asn_platform.settings import MART_SCHEMAS, Settings, get_settings
from asn_platform.warehouse import connect, qualified, sql_literal


class PublishRefused(RuntimeError):
    """A table may not be published: no data-quality suite guards it, or it has a direct-identifier column."""


def _refuse_ungated_or_identifying(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    gated = {suite.table for suite in suites_for_stage("marts")}
    ungated = [table for table in tables if table not in gated]
    if ungated:
        raise PublishRefused(f"no suite in expectations/marts guards {ungated}; nothing is published ungated")
    identifiers = DIRECT_IDENTIFIERS
    found = connection.execute(
        "SELECT schema_name || '.' || table_name, column_name FROM duckdb_columns() WHERE database_name = 'build' "
        f"AND column_name IN ({', '.join('?' * len(identifiers))}) ORDER BY 1, 2",
        sorted(identifiers),
    ).fetchall()
    found = [(table, column) for table, column in found if table in tables]
    if found:
        raise PublishRefused(f"direct identifiers may not be published to analysts: {found}")


def _publish_quality_results(connection: duckdb.DuckDBPyConnection) -> None:
    """`dq.expectation_results` for analysts and BI (DQ trends). Samples of failing rows are kept for the marts
    only: a delivery's or the raw layer's sample can hold NIPs and names, which are never published."""
    exists = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'build' AND schema_name = 'dq' "
        "AND table_name = 'expectation_results'"
    ).fetchone()[0]
    if not exists:
        return
    connection.execute("CREATE SCHEMA IF NOT EXISTS publication.dq")
    connection.execute(
        """CREATE TABLE publication.dq.expectation_results AS
           SELECT * REPLACE (CASE WHEN stage = 'marts' THEN unexpected_sample END AS unexpected_sample)
           FROM build.dq.expectation_results ORDER BY validated_at, run_id"""
    )


@dataclass(frozen=True)
class Publication:
    path: Path
    tables: dict[str, int]
    published_at: datetime


def publish(settings: Settings | None = None) -> Publication:
    settings = settings or get_settings()
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    final = settings.analytics_path
    staging = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    published_at = datetime.now(UTC)
    tables: dict[str, int] = {}
    try:
        # The build database is only read: ATTACHed read-only beside the new file, from an in-memory connection.
        with connect(in_memory=True, settings=settings) as connection:
            connection.execute(f"ATTACH {sql_literal(settings.warehouse_path)} AS build (READ_ONLY)")
            storage_version = sql_literal(settings.storage_version)
            connection.execute(f"ATTACH {sql_literal(staging)} AS publication (STORAGE_VERSION {storage_version})")
            names = connection.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'build' "
                f"AND schema_name IN ({', '.join('?' * len(MART_SCHEMAS))}) ORDER BY 1, 2",
                list(MART_SCHEMAS),
            ).fetchall()
            if not names:
                raise RuntimeError(f"nothing to publish: {settings.warehouse_path} has no table in {MART_SCHEMAS}")
            _refuse_ungated_or_identifying(connection, [f"{schema}.{table}" for schema, table in names])
            for schema, table in names:
                name = qualified(f"{schema}.{table}")
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS publication.{qualified(schema)}")
                connection.execute(f"CREATE TABLE publication.{name} AS SELECT * FROM build.{name}")
                (tables[f"{schema}.{table}"],) = connection.execute(
                    f"SELECT count(*) FROM publication.{name}"
                ).fetchone()
            _publish_quality_results(connection)
            connection.execute(
                "CREATE TABLE publication.main.publication AS SELECT ?::TIMESTAMPTZ AS published_at, "
                "?::VARCHAR AS storage_version",
                [published_at, settings.storage_version],
            )
            connection.execute("DETACH publication")
        staging.chmod(0o444)
        Path(f"{final}.wal").unlink(missing_ok=True)
        staging.replace(final)
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return Publication(final, tables, published_at)
