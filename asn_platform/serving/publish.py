"""Write-audit-publish: the gated marts leave the private build database as a new published version, then one rename
per product puts it in the serving paths.

A version is a folder `versions/<version>/` holding the two products and the Parquet export, written whole and
audited before anything serves it:
- `analytics.duckdb`: the pseudonymous marts, for analysts and BI (read-only, 0444); no table or column may carry a
  direct identifier, and no text value may look like one (a NIP, NIK, phone number, e-mail address or a name);
- `hr_restricted.duckdb`: the same marts plus the re-identification table, for the regional HR agency (0400);
- `parquet/<schema>/<table>.parquet`: every mart of analytics.duckdb.
Serving a version hard-links its files into `published/` and renames each over the old one (same filesystem, so a
reader sees the old file or the new, never half of one; a reader holding the old file keeps reading it); `parquet`
is a symbolic link swapped the same way. No stale WAL is left beside a served file. The newest
`published_versions_kept` versions stay, so `rollback` can serve one of them again.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from asn_platform.core.contract import DIRECT_IDENTIFIERS
from asn_platform.core.settings import MART_SCHEMAS, Settings
from asn_platform.core.warehouse import connect, qualified, quote_identifier, sql_literal
from asn_platform.quality.runner import RESULTS_SCHEMA, RESULTS_TABLE, RESULTS_TABLE_NAME
from asn_platform.quality.suites import suite_tables

# Schemas only the HR agency's tier carries (dbt_project/models/marts/restricted).
RESTRICTED_SCHEMAS = ("restricted",)
IDENTITY_TABLE = "restricted.employee_identity"
MANIFEST = "manifest.json"
LOCK_FILE = ".publish.lock"
ANALYTICS_MODE, RESTRICTED_MODE = 0o444, 0o400

# What no text value of the pseudonymous tier may look like (RE2, as DuckDB's regexp_matches takes it). A number
# counts only when it stands alone, so a hexadecimal employee_key with a run of digits inside is not a NIP.
_ALONE_BEFORE, _ALONE_AFTER = "(^|[^0-9A-Za-z])", "([^0-9A-Za-z]|$)"
IDENTIFIER_PATTERNS = {
    "NIP or NIK": f"{_ALONE_BEFORE}([0-9]{{16}}|[0-9]{{18}}|[0-9]{{8}} [0-9]{{6}} [0-9] [0-9]{{3}}){_ALONE_AFTER}",
    "phone number": f"(\\+62|{_ALONE_BEFORE}0)8[0-9]{{1,2}}[ .-]?[0-9]{{3,4}}[ .-]?[0-9]{{3,5}}{_ALONE_AFTER}",
    "e-mail address": "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\\.[A-Za-z]{2,}",
}


class PublishRefused(RuntimeError):
    """A table may not be published: no data-quality suite guards it, or it carries a direct identifier."""


class VersionNotFound(LookupError):
    """`rollback` was asked for a version that is not kept (or is incomplete)."""


@dataclass(frozen=True)
class Publication:
    version: str
    path: Path  # the serving analytics.duckdb
    restricted_path: Path
    parquet_dir: Path
    tables: dict[str, int]
    published_at: datetime


@dataclass(frozen=True)
class PublishedVersion:
    version: str
    directory: Path
    published_at: datetime
    tables: dict[str, int]
    serving: bool


def _new_version(published_at: datetime) -> str:
    # Sortable by name: the newest version is the last in the folder listing.
    return f"{published_at:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:6]}"


@contextmanager
def _publishing_lock(settings: Settings) -> Iterator[None]:
    """One publisher or rollback at a time (the DAG's pool cannot see a person's rollback)."""
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    with (settings.published_dir / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_tables(connection: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[str]:
    rows = connection.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'build' "
        f"AND schema_name IN ({', '.join('?' * len(schemas))}) ORDER BY 1",
        list(schemas),
    ).fetchall()
    return [name for (name,) in rows]


def _refuse_ungated(tables: list[str]) -> None:
    gated = suite_tables("marts")
    ungated = [table for table in tables if table not in gated]
    if ungated:
        raise PublishRefused(f"no suite in expectations/marts guards {ungated}; nothing is published ungated")


def _refuse_identifier_columns(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    identifiers = sorted(DIRECT_IDENTIFIERS)
    found = connection.execute(
        "SELECT schema_name || '.' || table_name, column_name FROM duckdb_columns() WHERE database_name = 'build' "
        f"AND column_name IN ({', '.join('?' * len(identifiers))}) ORDER BY 1, 2",
        identifiers,
    ).fetchall()
    found = [(table, column) for table, column in found if table in tables]
    if found:
        raise PublishRefused(f"direct identifiers may not be published to analysts: {found}")


def _copy_tables(connection: duckdb.DuckDBPyConnection, target: str, tables: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        schema = table.split(".", 1)[0]
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {target}.{quote_identifier(schema)}")
        connection.execute(f"CREATE TABLE {target}.{qualified(table)} AS SELECT * FROM build.{qualified(table)}")
        (counts[table],) = connection.execute(f"SELECT count(*) FROM {target}.{qualified(table)}").fetchone()
    return counts


def _copy_quality_results(connection: duckdb.DuckDBPyConnection, target: str) -> None:
    """`dq.expectation_results`, for DQ trends. Samples of failing rows are kept for the marts only: a delivery's
    or the raw layer's sample can hold NIPs and names."""
    exists = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'build' AND schema_name = ? AND table_name = ?",
        [RESULTS_SCHEMA, RESULTS_TABLE_NAME],
    ).fetchone()[0]
    if not exists:
        return
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {target}.{RESULTS_SCHEMA}")
    connection.execute(
        f"""CREATE TABLE {target}.{RESULTS_TABLE} AS
            SELECT * REPLACE (CASE WHEN stage = 'marts' THEN unexpected_sample END AS unexpected_sample)
            FROM build.{RESULTS_TABLE} ORDER BY validated_at, run_id"""
    )


def _audit_pseudonymous(connection: duckdb.DuckDBPyConnection, target: str, tables: list[str]) -> None:
    """No text value of the pseudonymous tier may look like a direct identifier, or be a person's NIP or name from
    the re-identification table: the last check before anything is served, after the marts gate."""
    has_identity = IDENTITY_TABLE in _build_tables(connection, RESTRICTED_SCHEMAS)
    known = (
        f"SELECT nip AS value FROM build.{qualified(IDENTITY_TABLE)} "
        f"UNION SELECT full_name FROM build.{qualified(IDENTITY_TABLE)}"
    )
    leaks: list[str] = []
    for table in tables:
        schema, name = table.split(".", 1)
        columns = [
            column
            for (column,) in connection.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                "AND table_name = ? AND data_type = 'VARCHAR' ORDER BY column_index",
                [target, schema, name],
            ).fetchall()
        ]
        for column in columns:
            column_sql = quote_identifier(column)
            checks = [
                f"count_if(regexp_matches({column_sql}, {sql_literal(pattern)}))"
                for pattern in IDENTIFIER_PATTERNS.values()
            ]
            if has_identity:
                checks.append(f"count_if({column_sql} IN ({known}))")
            counts = connection.execute(
                # Each distinct value once: most text columns hold few (units, services, statuses).
                f"SELECT {', '.join(checks)} FROM (SELECT DISTINCT {column_sql} FROM {target}.{qualified(table)})"
            ).fetchone()
            kinds = [*IDENTIFIER_PATTERNS, "a person's NIP or name"]
            leaks += [
                f"{table}.{column}: {count:,} distinct values look like a {kind}"
                for kind, count in zip(kinds, counts, strict=False)
                if count
            ]
    if leaks:
        raise PublishRefused("the pseudonymous tier would carry direct identifiers: " + "; ".join(leaks))


def _export_parquet(connection: duckdb.DuckDBPyConnection, target: str, tables: list[str], folder: Path) -> None:
    for table in tables:
        schema, name = table.split(".", 1)
        (folder / schema).mkdir(parents=True, exist_ok=True)
        path = folder / schema / f"{name}.parquet"
        connection.execute(
            f"COPY (SELECT * FROM {target}.{qualified(table)}) TO {sql_literal(path)} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        path.chmod(ANALYTICS_MODE)


def _write_products(settings: Settings, folder: Path, version: str, published_at: datetime) -> dict[str, object]:
    """Both DuckDB files and the Parquet export of one version, into `folder`; returns its manifest."""
    analytics, restricted = folder / settings.analytics_path.name, folder / settings.restricted_path.name
    storage_version = sql_literal(settings.storage_version)
    # The build database is only read: ATTACHed read-only beside the new files, from an in-memory connection.
    with connect(in_memory=True, settings=settings) as connection:
        connection.execute(f"ATTACH {sql_literal(settings.warehouse_path)} AS build (READ_ONLY)")
        marts = _build_tables(connection, MART_SCHEMAS)
        if not marts:
            raise RuntimeError(f"nothing to publish: {settings.warehouse_path} has no table in {MART_SCHEMAS}")
        restricted_tables = _build_tables(connection, RESTRICTED_SCHEMAS)
        _refuse_ungated(marts + restricted_tables)
        _refuse_identifier_columns(connection, marts)

        connection.execute(f"ATTACH {sql_literal(analytics)} AS analytics (STORAGE_VERSION {storage_version})")
        tables = _copy_tables(connection, "analytics", marts)
        _copy_quality_results(connection, "analytics")
        connection.execute(
            "CREATE TABLE analytics.main.publication AS SELECT ?::VARCHAR AS version, "
            "?::TIMESTAMPTZ AS published_at, 'pseudonymous' AS tier, ?::VARCHAR AS storage_version",
            [version, published_at, settings.storage_version],
        )
        _audit_pseudonymous(connection, "analytics", marts)
        _export_parquet(connection, "analytics", marts, folder / settings.parquet_dir.name)
        connection.execute("DETACH analytics")
        # The restricted tier is the pseudonymous one plus the re-identification table: a copy of the closed file
        # (seconds) instead of copying every mart again (minutes at national scale).
        shutil.copyfile(analytics, restricted)
        connection.execute(f"ATTACH {sql_literal(restricted)} AS restricted")
        _copy_tables(connection, "restricted", restricted_tables)
        connection.execute("UPDATE restricted.main.publication SET tier = 'restricted'")
        connection.execute("DETACH restricted")
    analytics.chmod(ANALYTICS_MODE)
    restricted.chmod(RESTRICTED_MODE)
    return {
        "version": version,
        "published_at": published_at.isoformat(),
        "storage_version": settings.storage_version,
        "tables": tables,
        "restricted_tables": restricted_tables,
    }


def _link_into_place(source: Path, serving: Path) -> None:
    """Hard-link `source` beside `serving` and rename it over it: one atomic step, the old file's readers unharmed."""
    draft = serving.with_name(f".{serving.name}.{uuid.uuid4().hex}.tmp")
    os.link(source, draft)
    try:
        Path(f"{serving}.wal").unlink(missing_ok=True)  # a WAL beside a served file would be replayed into it
        draft.replace(serving)
    finally:
        draft.unlink(missing_ok=True)


def _serve(settings: Settings, folder: Path) -> None:
    """Serve the version in `folder`: the restricted tier and the Parquet export first, analytics.duckdb last."""
    _link_into_place(folder / settings.restricted_path.name, settings.restricted_path)
    link = settings.parquet_dir
    draft = link.with_name(f".{link.name}.{uuid.uuid4().hex}.tmp")
    draft.symlink_to(folder.relative_to(settings.published_dir) / link.name, target_is_directory=True)
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)  # a plain folder cannot be renamed over; only an older layout leaves one
    draft.replace(link)
    _link_into_place(folder / settings.analytics_path.name, settings.analytics_path)


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _is_serving(settings: Settings, folder: Path) -> bool:
    candidate = folder / settings.analytics_path.name
    return settings.analytics_path.exists() and candidate.exists() and settings.analytics_path.samefile(candidate)


def _prune(settings: Settings) -> None:
    """Keep the newest `published_versions_kept` versions, and the serving one whatever its age."""
    versions = sorted(path for path in settings.versions_dir.iterdir() if (path / MANIFEST).is_file())
    for folder in versions[: -settings.published_versions_kept]:
        if not _is_serving(settings, folder):
            _remove(folder)
    for leftover in settings.versions_dir.glob(".incoming-*"):  # a publisher that died half-way
        _remove(leftover)


def publish(settings: Settings) -> Publication:
    """Write, audit and serve a new version from the gated build database; on any error nothing is served and the
    last good version keeps serving."""
    settings.versions_dir.mkdir(parents=True, exist_ok=True)
    published_at = datetime.now(UTC)
    version = _new_version(published_at)
    incoming = settings.versions_dir / f".incoming-{version}"
    incoming.mkdir()
    try:
        manifest = _write_products(settings, incoming, version, published_at)
        (incoming / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        folder = settings.versions_dir / version
        incoming.rename(folder)
    except BaseException:
        _remove(incoming)
        raise
    with _publishing_lock(settings):
        _serve(settings, folder)
        _prune(settings)
    return Publication(
        version=version,
        path=settings.analytics_path,
        restricted_path=settings.restricted_path,
        parquet_dir=settings.parquet_dir,
        tables=dict(manifest["tables"]),  # type: ignore[call-overload]
        published_at=published_at,
    )


def published_versions(settings: Settings) -> list[PublishedVersion]:
    """The kept versions, oldest first, each saying whether it is the one serving now."""
    if not settings.versions_dir.is_dir():
        return []
    versions = []
    for folder in sorted(settings.versions_dir.iterdir()):
        manifest_path = folder / MANIFEST
        if folder.name.startswith(".") or not manifest_path.is_file():
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        versions.append(
            PublishedVersion(
                version=manifest["version"],
                directory=folder,
                published_at=datetime.fromisoformat(manifest["published_at"]),
                tables=manifest["tables"],
                serving=_is_serving(settings, folder),
            )
        )
    return versions


def rollback(version: str, settings: Settings) -> PublishedVersion:
    """Serve a kept version again (the products swap as at publishing); returns it."""
    kept = {item.version: item for item in published_versions(settings)}
    if version not in kept:
        listed = ", ".join(kept) or "none"
        raise VersionNotFound(f"version {version!r} is not kept in {settings.versions_dir} (kept: {listed})")
    folder = kept[version].directory
    missing = [
        name
        for name in (settings.analytics_path.name, settings.restricted_path.name, settings.parquet_dir.name)
        if not (folder / name).exists()
    ]
    if missing:
        raise VersionNotFound(f"version {version!r} in {folder} is incomplete: {missing} missing")
    with _publishing_lock(settings):
        _serve(settings, folder)
    return PublishedVersion(version, folder, kept[version].published_at, kept[version].tables, serving=True)
