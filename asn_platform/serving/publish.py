"""Write-audit-publish: the gated marts leave the private build database as a new published version, then one rename
per product puts it in the serving paths.

A version is a folder `versions/<version>/` holding the two products and the Parquet export, complete and
audited before anything serves it:
- `analytics.duckdb`: the pseudonymous marts, for analysts and BI (read-only, 0444); no table or column may carry a
  direct identifier, and no text value may look like one (a NIP, NIK, phone number, e-mail address or a name);
- `hr_restricted.duckdb`: the same marts plus the re-identification table, for the regional HR agency (0400);
- `parquet/<schema>/<table>.parquet`: every mart of analytics.duckdb.
Serving a version is one step: the symbolic link `published/current` is renamed over to point at the version's
folder, and the serving paths (`published/analytics.duckdb`, `hr_restricted.duckdb`, `parquet`) are fixed links
through it, so both tiers and the Parquet export switch together, also when the process is killed at any point (a
reader sees the old files or the new, never half of one, and a reader holding an old file keeps reading it). No
stale WAL is left beside a served file. The newest
`published_versions_kept` versions stay, so `rollback` can serve one of them again.

A version costs what changed. Each mart's fingerprint (its columns and types, its row count, and the sum and XOR of a
hash of every row: order-independent, computed in the build database in one scan) goes into the version's
`manifest.json`. A mart whose fingerprint equals the one a kept version recorded is reused from that version (the
base: the kept version sharing the most rows): its Parquet file is a hard link to the base's, and
`analytics.duckdb` starts as a copy of the base's file with every other table dropped (when the reused marts hold
at least half of the rows; otherwise it is written whole), so only the changed marts, the data-quality results and
`main.publication` are written. Hard links keep each version folder complete on its
own: pruning a version removes its names only, never a file a kept version still links. Before the audit every
served mart is fingerprinted again in the new file and must equal the build's; a reused mart, proven the same
content the base audited, is not scanned again for identifier-like text, only for the NIPs and names that are new in
the re-identification table since the base. The manifest says per mart whether it was `written` or `reused`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from asn_platform.core import faults
from asn_platform.core.contract import DIRECT_IDENTIFIERS
from asn_platform.core.settings import MART_SCHEMAS, Settings
from asn_platform.core.warehouse import connect, qualified, quote_identifier, sql_literal
from asn_platform.quality.holds import held_regions
from asn_platform.quality.runner import RESULTS_SCHEMA, RESULTS_TABLE, RESULTS_TABLE_NAME
from asn_platform.quality.suites import suite_tables
from asn_platform.serving import disclosure

# Schemas only the HR agency's tier carries (dbt_project/models/marts/restricted).
RESTRICTED_SCHEMAS = ("restricted",)
IDENTITY_TABLE = "restricted.employee_identity"
MANIFEST = "manifest.json"
LOCK_FILE = ".publish.lock"
# published/current -> versions/<version>; the serving paths are links through it.
CURRENT = "current"
ANALYTICS_MODE, RESTRICTED_MODE = 0o444, 0o400
# What a fingerprint is computed with: another DuckDB (whose hash() may differ) makes every mart "changed" once.
FINGERPRINT_SCHEME = f"duckdb {duckdb.__version__}: columns, count(*), sum and bit_xor of hash(row(every column))"
# Raise when the audit changes what it looks for in other ways than IDENTIFIER_PATTERNS: a version audited under
# other rules is audited again in full, reused marts included.
AUDIT_RULES_VERSION = 1

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
    written: tuple[str, ...] = ()  # the marts written anew
    reused: tuple[str, ...] = ()  # the marts reused from `reused_from` (the same fingerprint)
    reused_from: str | None = None
    held: tuple[str, ...] = ()  # regions held back by the marts gate, serving the previous version's rows


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    digest: str


@dataclass(frozen=True)
class _Base:
    """The kept version a new one reuses unchanged marts from."""

    version: str
    folder: Path
    manifest: dict[str, Any]

    def fingerprint(self, table: str, section: str = "marts") -> str | None:
        return self.manifest.get(section, {}).get(table, {}).get("fingerprint")


@dataclass(frozen=True)
class PublishedVersion:
    version: str
    directory: Path
    published_at: datetime
    tables: dict[str, int]
    serving: bool


def _new_version(published_at: datetime) -> str:
    # Sortable by name: the newest version is the last in the folder listing (pruning keeps the last ones). To the
    # millisecond: a publication that reuses every mart takes well under a second, and two versions of one second
    # would sort by their random suffix. (An older name, to the second, still sorts right against any other second.)
    return f"{published_at:%Y%m%dT%H%M%S}.{published_at.microsecond // 1000:03d}Z-{uuid.uuid4().hex[:6]}"


@contextmanager
def _publishing_lock(settings: Settings) -> Iterator[None]:
    """One publisher or rollback at a time (the DAG's pool cannot see a person's rollback, nor a second publisher
    started by hand)."""
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


def _copy_quality_results(connection: duckdb.DuckDBPyConnection, target: str) -> int:
    """`dq.expectation_results`, for DQ trends. Samples of failing rows are kept for the pseudonymous marts only: a
    delivery's, the raw layer's or a restricted mart's sample can hold NIPs, names or per-person performance. Every
    run adds results, so it is written anew each version; returns its rows."""
    exists = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'build' AND schema_name = ? AND table_name = ?",
        [RESULTS_SCHEMA, RESULTS_TABLE_NAME],
    ).fetchone()[0]
    if not exists:
        return 0
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {target}.{RESULTS_SCHEMA}")
    connection.execute(
        f"""CREATE TABLE {target}.{RESULTS_TABLE} AS
            SELECT * REPLACE (
                CASE WHEN stage = 'marts' AND NOT list_contains(?, split_part(table_name, '.', 1))
                     THEN unexpected_sample END AS unexpected_sample)
            FROM build.{RESULTS_TABLE} ORDER BY validated_at, run_id""",
        [list(RESTRICTED_SCHEMAS)],
    )
    return connection.execute(f"SELECT count(*) FROM {target}.{RESULTS_TABLE}").fetchone()[0]


def _fingerprints(connection: duckdb.DuckDBPyConnection, database: str, tables: list[str]) -> dict[str, Fingerprint]:
    """Each table's content, order-independent: its columns (names, types, order), count(*), and the sum and XOR of
    DuckDB's 64-bit hash of each whole row (one scan). hash() ignores the type (1::INTEGER and 1::BIGINT hash alike)
    but not NULLs nor a value's column, hence the column list; the sum does not cancel duplicated rows as the XOR
    does. Equal fingerprints mean equal tables but for a 64-bit hash collision (and 0.0 against -0.0, which SQL
    holds equal)."""
    if not tables:
        return {}
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in connection.execute(
        "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? ORDER BY schema_name, table_name, column_index",
        [database],
    ).fetchall():
        columns.setdefault(table, []).append((column, data_type))
    scans = []
    for table in tables:
        # row(...) of the named columns, not the table's alias: a column may have the alias's name.
        row = f"hash(row({', '.join(quote_identifier(column) for column, _ in columns[table])}))"
        scans.append(
            f"SELECT {sql_literal(table)} AS name, count(*), coalesce(sum({row}), 0), coalesce(bit_xor({row}), 0) "
            f"FROM {database}.{qualified(table)}"
        )
    fingerprints = {}
    # One statement for all the tables: DuckDB scans them side by side (a third faster than one by one).
    for table, rows, total, xor in connection.execute(" UNION ALL ".join(scans)).fetchall():
        content = json.dumps([FINGERPRINT_SCHEME, columns[table], rows, str(total), str(xor)])
        fingerprints[table] = Fingerprint(rows, hashlib.sha256(content.encode()).hexdigest())
    return fingerprints


def _audit_rules() -> str:
    """What the audit looks for, as a digest: a version audited under other rules proves nothing about these."""
    rules = json.dumps([AUDIT_RULES_VERSION, IDENTIFIER_PATTERNS, IDENTITY_TABLE], sort_keys=True)
    return hashlib.sha256(rules.encode()).hexdigest()


def _choose_base(settings: Settings, fingerprints: dict[str, Fingerprint]) -> _Base | None:
    """The kept version sharing the most rows with the build (the same fingerprint), the newest of equals; None when
    no kept version shares a mart."""
    best: tuple[int, _Base] | None = None
    if not settings.versions_dir.is_dir():
        return None
    for folder in sorted(settings.versions_dir.iterdir()):
        manifest_path = folder / MANIFEST
        if folder.name.startswith(".") or not manifest_path.is_file():
            continue
        base = _Base(folder.name, folder, json.loads(manifest_path.read_text(encoding="utf-8")))
        shared = sum(
            fingerprint.rows + 1  # an empty mart shared counts too
            for table, fingerprint in fingerprints.items()
            if base.fingerprint(table) == fingerprint.digest
        )
        if shared and (best is None or shared >= best[0]):
            best = (shared, base)
    return best[1] if best else None


def _start_from_base(connection: duckdb.DuckDBPyConnection, base_file: Path, path: Path, keep: list[str]) -> None:
    """`path` as a copy of the base's analytics file holding only the tables in `keep` (schemas left empty
    dropped), checkpointed so that the tables written next fill the blocks the dropped ones freed: the file does
    not grow from version to version."""
    shutil.copyfile(base_file, path)  # the content only: the copy is writable, its mode set when it is done
    connection.execute(f"ATTACH {sql_literal(path)} AS analytics")
    present = _tables_in(connection, "analytics")
    for table in present:
        if table not in keep:
            connection.execute(f"DROP TABLE analytics.{qualified(table)}")
    schemas = connection.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'analytics' AND NOT internal "
        "AND schema_name NOT IN (SELECT schema_name FROM duckdb_tables() WHERE database_name = 'analytics')"
    ).fetchall()
    for (schema,) in schemas:
        connection.execute(f"DROP SCHEMA analytics.{quote_identifier(schema)}")
    connection.execute("CHECKPOINT analytics")


def _tables_in(connection: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = connection.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1", [database]
    ).fetchall()
    return [name for (name,) in rows]


def _verify_served(connection: duckdb.DuckDBPyConnection, target: str, expected: dict[str, Fingerprint]) -> None:
    """Every mart in the new file has the build's fingerprint: what is served is what passed the gate, whether it
    was written or reused."""
    served = _fingerprints(connection, target, list(expected))
    differing = [table for table, fingerprint in expected.items() if served[table] != fingerprint]
    if differing:
        raise RuntimeError(f"the new version's {differing} differ from the build database's; nothing is published")


def _known_values(connection: duckdb.DuckDBPyConnection) -> str | None:
    """A temp table of what no pseudonymous text value may be: every NIP and name of the re-identification table;
    its name, or None when the build has no such table."""
    if IDENTITY_TABLE not in _build_tables(connection, RESTRICTED_SCHEMAS):
        return None
    identity = qualified(IDENTITY_TABLE)
    connection.execute(
        f"CREATE TEMP TABLE known_values AS SELECT nip AS value FROM build.{identity} "
        f"UNION SELECT full_name FROM build.{identity}"
    )
    return "known_values"


def _new_known_values(connection: duckdb.DuckDBPyConnection, base: _Base, base_restricted: Path) -> str | None:
    """A temp table of the NIPs and names the base version's re-identification table did not hold: all a reused
    mart, clean against the base's, still has to be checked against. Its name, or None when there are none."""
    if connection.execute("SELECT count(*) FROM known_values").fetchone()[0] == 0:
        return None
    if base.fingerprint(IDENTITY_TABLE, "restricted") is None or not base_restricted.is_file():
        return "known_values"  # the base had no re-identification table: every NIP and name is new to it
    identity = qualified(IDENTITY_TABLE)
    connection.execute(f"ATTACH {sql_literal(base_restricted)} AS base_restricted (READ_ONLY)")
    try:
        connection.execute(
            "CREATE TEMP TABLE new_known_values AS SELECT value FROM known_values EXCEPT "
            f"(SELECT nip FROM base_restricted.{identity} UNION SELECT full_name FROM base_restricted.{identity})"
        )
    finally:
        connection.execute("DETACH base_restricted")
    new = connection.execute("SELECT count(*) FROM new_known_values").fetchone()[0]
    return "new_known_values" if new else None


def _audit_pseudonymous(
    connection: duckdb.DuckDBPyConnection, target: str, tables: list[str], *, patterns: bool, known: str | None
) -> list[str]:
    """What text values of `tables` look like a direct identifier (`patterns`) or are a person's NIP or name (in the
    temp table `known`): the last check before anything is served, after the marts gate. Returns the leaks found."""
    leaks: list[str] = []
    kinds = [*IDENTIFIER_PATTERNS] if patterns else []
    if known:
        kinds.append("a person's NIP or name")
    if not kinds:
        return leaks
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
                for pattern in (IDENTIFIER_PATTERNS.values() if patterns else ())
            ]
            if known:
                checks.append(f"count_if({column_sql} IN (SELECT value FROM {known}))")
            counts = connection.execute(
                # Each distinct value once: most text columns hold few (units, services, statuses).
                f"SELECT {', '.join(checks)} FROM (SELECT DISTINCT {column_sql} FROM {target}.{qualified(table)})"
            ).fetchone()
            leaks += [
                f"{table}.{column}: {count:,} distinct values look like a {kind}"
                for kind, count in zip(kinds, counts, strict=True)
                if count
            ]
    return leaks


def _export_parquet(
    connection: duckdb.DuckDBPyConnection, target: str, tables: list[str], folder: Path, *, links: dict[str, Path]
) -> None:
    """Every mart as Parquet in `folder`: a mart in `links` is a hard link to that file (the same content, already
    read-only), the others are written."""
    for table in tables:
        schema, name = table.split(".", 1)
        (folder / schema).mkdir(parents=True, exist_ok=True)
        path = folder / schema / f"{name}.parquet"
        if table in links:
            os.link(links[table], path)
            continue
        connection.execute(
            f"COPY (SELECT * FROM {target}.{qualified(table)}) TO {sql_literal(path)} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        path.chmod(ANALYTICS_MODE)


@dataclass(frozen=True)
class _Plan:
    """What a new version holds, and what of it is reused from its base."""

    marts: list[str]
    restricted_tables: list[str]
    fingerprints: dict[str, Fingerprint]
    base: _Base | None
    reused: dict[str, Path]  # mart -> the base's Parquet file of it
    copy_base_file: bool  # analytics.duckdb starts as a copy of the base's

    @property
    def written(self) -> list[str]:
        return [table for table in self.marts if table not in self.reused]


def _plan(connection: duckdb.DuckDBPyConnection, settings: Settings) -> _Plan:
    """Refuse what may not be published, fingerprint the rest and pick the base to reuse unchanged marts from."""
    marts = _build_tables(connection, MART_SCHEMAS)
    if not marts:
        raise RuntimeError(f"nothing to publish: {settings.warehouse_path} has no table in {MART_SCHEMAS}")
    restricted_tables = _build_tables(connection, RESTRICTED_SCHEMAS)
    _refuse_ungated(marts + restricted_tables)
    _refuse_identifier_columns(connection, marts)
    fingerprints = _fingerprints(connection, "build", marts + restricted_tables)
    base = _choose_base(settings, fingerprints)
    reused: dict[str, Path] = {}
    if base is not None:
        for table in marts:
            schema, name = table.split(".", 1)
            parquet = base.folder / settings.parquet_dir.name / schema / f"{name}.parquet"
            if base.fingerprint(table) == fingerprints[table].digest and parquet.is_file():
                reused[table] = parquet
    # A copy keeps its file's storage format: the base's file is copied only when that is the one asked for. And
    # only when the reused marts hold at least half of the rows: copying a file, then dropping most of it, costs more
    # than writing it (regional bench, every mart changed by a day's delivery: 8.4 s copied against 7.2 s written).
    reused_rows = sum(fingerprints[table].rows for table in reused)
    copy_base_file = bool(
        base is not None
        and reused
        and 2 * reused_rows >= sum(fingerprints[table].rows for table in marts)
        and base.manifest.get("storage_version") == settings.storage_version
        and (base.folder / settings.analytics_path.name).is_file()
    )
    return _Plan(marts, restricted_tables, fingerprints, base, reused, copy_base_file)


def _write_analytics(
    connection: duckdb.DuckDBPyConnection, settings: Settings, plan: _Plan, path: Path, publication: list[object]
) -> int:
    """analytics.duckdb at `path`, attached as `analytics`: the marts (only the written ones when it starts as a copy
    of the base's), the data-quality results and `main.publication`; every mart then verified against the build.
    Returns the data-quality results' rows."""
    if plan.copy_base_file and plan.base is not None:
        _start_from_base(connection, plan.base.folder / path.name, path, list(plan.reused))
        _copy_tables(connection, "analytics", plan.written)
    else:
        storage_version = sql_literal(settings.storage_version)
        connection.execute(f"ATTACH {sql_literal(path)} AS analytics (STORAGE_VERSION {storage_version})")
        _copy_tables(connection, "analytics", plan.marts)
    quality_rows = _copy_quality_results(connection, "analytics")
    connection.execute(
        "CREATE TABLE analytics.main.publication AS SELECT ?::VARCHAR AS version, "
        "?::TIMESTAMPTZ AS published_at, 'pseudonymous' AS tier, ?::VARCHAR AS storage_version",
        publication,
    )
    _verify_served(connection, "analytics", {table: plan.fingerprints[table] for table in plan.marts})
    return quality_rows


@dataclass(frozen=True)
class _Audit:
    how: dict[str, str]  # mart -> how it was audited: full, new identities, reused
    k_min: int | None  # None when no mart declares quasi-identifiers
    k_anonymity: dict[str, disclosure.KAnonymity]


def _audit(connection: duckdb.DuckDBPyConnection, plan: _Plan, base_restricted: Path | None) -> _Audit:
    """The pseudonymity audit of analytics.duckdb. A written mart is audited in full. A reused one holds the content
    the base audited (the same fingerprint, verified in this file): under the same rules it is checked only against
    the NIPs and names that are new since the base (none when the re-identification table did not change). Then k
    is measured on every mart that declares quasi-identifiers (written or reused: a mart's scan is cheap and the
    seed's k may have changed), and a mart below k_anonymity_min is refused."""
    base = plan.base
    same_rules = base is not None and base.manifest.get("audit_rules") == _audit_rules()
    in_full = plan.written if same_rules else plan.marts
    known = _known_values(connection)
    leaks = _audit_pseudonymous(connection, "analytics", in_full, patterns=True, known=known)
    new_known = None
    if (
        same_rules
        and base is not None
        and base_restricted is not None
        and known
        and plan.reused
        and base.fingerprint(IDENTITY_TABLE, "restricted") != plan.fingerprints[IDENTITY_TABLE].digest
    ):
        new_known = _new_known_values(connection, base, base_restricted)
        if new_known:
            leaks += _audit_pseudonymous(connection, "analytics", list(plan.reused), patterns=False, known=new_known)
    if leaks:
        raise PublishRefused("the pseudonymous tier would carry direct identifiers: " + "; ".join(leaks))
    how = {table: "full" if table in in_full else "new identities" if new_known else "reused" for table in plan.marts}
    declared = {table: qis for table, qis in disclosure.declared_quasi_identifiers().items() if table in plan.marts}
    if not declared:
        return _Audit(how, None, {})
    k_min = disclosure.k_minimum(connection, "build")
    measured = disclosure.measure(connection, "analytics", declared, plan.marts)
    below = disclosure.violations(measured, k_min)
    if below:
        raise PublishRefused("the pseudonymous tier would single people out (k-anonymity): " + "; ".join(below))
    return _Audit(how, k_min, measured)


def _write_products(settings: Settings, folder: Path, version: str, published_at: datetime) -> dict[str, Any]:
    """Both DuckDB files and the Parquet export of one version, into `folder`, reusing what a kept version already
    holds of it; returns its manifest."""
    analytics, restricted = folder / settings.analytics_path.name, folder / settings.restricted_path.name
    # The build database is only read: ATTACHed read-only beside the new files, from an in-memory connection.
    with connect(in_memory=True, settings=settings) as connection:
        connection.execute(f"ATTACH {sql_literal(settings.warehouse_path)} AS build (READ_ONLY)")
        holds = held_regions(connection, "build")
        if holds:
            _compose_held(connection, settings, folder / ".composed.duckdb", sorted(holds))
        plan = _plan(connection, settings)
        quality_rows = _write_analytics(
            connection, settings, plan, analytics, [version, published_at, settings.storage_version]
        )
        audits = _audit(connection, plan, plan.base.folder / restricted.name if plan.base else None)
        _export_parquet(connection, "analytics", plan.marts, folder / settings.parquet_dir.name, links=plan.reused)
        connection.execute("CHECKPOINT analytics")
        connection.execute("DETACH analytics")
        # The restricted tier is the pseudonymous one plus the re-identification table: a copy of the closed file
        # (seconds) instead of copying every mart again (minutes at national scale).
        shutil.copyfile(analytics, restricted)
        connection.execute(f"ATTACH {sql_literal(restricted)} AS restricted")
        _copy_tables(connection, "restricted", plan.restricted_tables)
        connection.execute("UPDATE restricted.main.publication SET tier = 'restricted'")
        connection.execute("DETACH restricted")
    for composed in folder.glob(".composed.duckdb*"):  # and its WAL
        composed.unlink()
    analytics.chmod(ANALYTICS_MODE)
    restricted.chmod(RESTRICTED_MODE)
    fingerprints = plan.fingerprints
    return {
        "version": version,
        "published_at": published_at.isoformat(),
        "storage_version": settings.storage_version,
        "tables": {table: fingerprints[table].rows for table in plan.marts},
        "restricted_tables": plan.restricted_tables,
        # The kept version the reused marts come from; analytics.duckdb started as a copy of its file ("copied")
        # or had every mart written ("written").
        "reused_from": plan.base.version if plan.reused and plan.base else None,
        "duckdb": "copied" if plan.copy_base_file else "written",
        "audit_rules": _audit_rules(),
        "marts": {
            table: {
                "rows": fingerprints[table].rows,
                "fingerprint": fingerprints[table].digest,
                "status": "reused" if table in plan.reused else "written",
                "audit": audits.how[table],
                **({"k_anonymity": audits.k_anonymity[table].as_manifest()} if table in audits.k_anonymity else {}),
            }
            for table in plan.marts
        },
        # The smallest k a mart with quasi-identifiers may have (platform_parameters k_anonymity_min).
        "k_anonymity_min": audits.k_min,
        "restricted": {
            table: {"rows": fingerprints[table].rows, "fingerprint": fingerprints[table].digest}
            for table in plan.restricted_tables
        },
        "quality_results": quality_rows,
        # Regions the marts gate held back, with its reasons: their rows are the previous serving version's.
        "held_regions": holds,
    }


def _compose_held(connection: duckdb.DuckDBPyConnection, settings: Settings, path: Path, held: list[str]) -> None:
    """The marts to publish when the marts gate held regions back (asn_platform/quality/holds.py): every region's
    rows from the build but the held ones', whose rows are those the serving version publishes (none, if it does not
    publish them yet). Written to `path`, which is then attached as `build` in the build database's stead (that one
    as `fresh`), so the rest of publishing reads the composed marts as it would the build's."""
    connection.execute("DETACH build")
    connection.execute(f"ATTACH {sql_literal(settings.warehouse_path)} AS fresh (READ_ONLY)")
    connection.execute(f"ATTACH {sql_literal(path)} AS build")
    serving = settings.restricted_path  # the serving version's restricted tier holds every mart and the identities
    previous_tables: dict[str, dict[str, str]] = {}
    if serving.exists():
        connection.execute(f"ATTACH {sql_literal(serving)} AS previous (READ_ONLY)")
        for table, column, data_type in connection.execute(
            "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = 'previous'"
        ).fetchall():
            previous_tables.setdefault(table, {})[column] = data_type
    fresh_columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in connection.execute(
        "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = 'fresh' ORDER BY schema_name, table_name, column_index"
    ).fetchall():
        fresh_columns.setdefault(table, []).append((column, data_type))
    # What publishing reads of the build: the marts, the data-quality results and the seeds (`reference`: the
    # k-anonymity threshold among them).
    schemas = (*MART_SCHEMAS, *RESTRICTED_SCHEMAS, RESULTS_SCHEMA, disclosure.SEED_SCHEMA)
    regions = "[" + ", ".join(sql_literal(region) for region in held) + "]"
    for table, columns in fresh_columns.items():
        schema = table.split(".", 1)[0]
        if schema not in schemas:
            continue
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS build.{quote_identifier(schema)}")
        names = [name for name, _ in columns]
        if schema in {RESULTS_SCHEMA, disclosure.SEED_SCHEMA} or "region" not in names:
            connection.execute(f"CREATE TABLE build.{qualified(table)} AS SELECT * FROM fresh.{qualified(table)}")
            continue
        kept = previous_tables.get(table, {})
        carried = ", ".join(
            f"previous_rows.{quote_identifier(name)}" if name in kept else f"CAST(NULL AS {data_type})"
            for name, data_type in columns
        )
        previous_rows = (
            f"UNION ALL SELECT {carried} FROM previous.{qualified(table)} AS previous_rows "
            f"WHERE list_contains({regions}, previous_rows.region)"
            if "region" in kept
            else ""
        )
        connection.execute(
            f"""CREATE TABLE build.{qualified(table)} AS
                SELECT * FROM fresh.{qualified(table)} WHERE NOT list_contains({regions}, region) {previous_rows}"""
        )
    connection.execute("DETACH fresh")
    if serving.exists():
        connection.execute("DETACH previous")


def _link(path: Path, target: Path) -> None:
    """Make `path` a symbolic link to `target` in one atomic step (a link written beside it, renamed over it)."""
    draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    draft.symlink_to(target)
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)  # a plain folder cannot be renamed over; only an older layout leaves one
        draft.replace(path)
    finally:
        draft.unlink(missing_ok=True)


def _serve(settings: Settings, folder: Path) -> None:
    """Serve the version in `folder`: one rename of the `current` link switches both tiers and the Parquet export
    together, so a crash at any point leaves all three on the old version or all on the new one. The serving paths
    are fixed links through `current`. A layout from before it (hard links renamed over one another one by one,
    where a kill between two renames served tiers of two versions) is taken over first: `current` to the version
    serving, the serving paths made links through it (each still giving that version), then the switch."""
    current = settings.published_dir / CURRENT
    if not current.is_symlink():
        serving = [earlier for earlier in _version_folders(settings) if _is_serving(settings, earlier)]
        if serving:
            _link(current, serving[0].relative_to(settings.published_dir))
    for product in (settings.restricted_path, settings.parquet_dir, settings.analytics_path):
        through_current = Path(CURRENT) / product.name
        if not product.is_symlink() or product.readlink() != through_current:
            _link(product, through_current)
        if product.suffix == ".duckdb":
            Path(f"{product}.wal").unlink(missing_ok=True)  # a WAL beside a served file would be replayed into it
    faults.point("publish:linked")
    _link(current, folder.relative_to(settings.published_dir))
    faults.point("publish:switched")


def _version_folders(settings: Settings) -> list[Path]:
    """The complete versions, oldest first."""
    return sorted(path for path in settings.versions_dir.iterdir() if (path / MANIFEST).is_file())


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _is_serving(settings: Settings, folder: Path) -> bool:
    current = settings.published_dir / CURRENT
    if current.is_symlink():
        return current.resolve() == folder.resolve()
    candidate = folder / settings.analytics_path.name  # a layout from before the `current` link
    return settings.analytics_path.exists() and candidate.exists() and settings.analytics_path.samefile(candidate)


def _prune(settings: Settings) -> None:
    """Keep the newest `published_versions_kept` versions, and the serving one whatever its age."""
    for folder in _version_folders(settings)[: -settings.published_versions_kept]:
        if not _is_serving(settings, folder):
            _remove(folder)
    for leftover in settings.versions_dir.glob(".incoming-*"):  # a publisher that died half-way
        _remove(leftover)


def publish(settings: Settings) -> Publication:
    """Write, audit and serve a new version from the gated build database; on any error nothing is served and the
    last good version keeps serving. One publication (or rollback) at a time: a second waits for the first, whose
    work folder it would otherwise take for a dead publisher's and prune."""
    settings.versions_dir.mkdir(parents=True, exist_ok=True)
    with _publishing_lock(settings):
        published_at = datetime.now(UTC)
        version = _new_version(published_at)
        incoming = settings.versions_dir / f".incoming-{version}"
        # Owner-only while it is written: the restricted tier (names and NIPs) is a plain file until its mode is
        # set, and a publisher killed half-way leaves the folder behind until the next publish prunes it.
        incoming.mkdir(mode=0o700)
        try:
            manifest = _write_products(settings, incoming, version, published_at)
            (incoming / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            folder = settings.versions_dir / version
            incoming.chmod(0o755)  # every file in it has its final mode now (the restricted tier 0400)
            incoming.rename(folder)
        except BaseException:
            _remove(incoming)
            raise
        faults.point("publish:written")
        _serve(settings, folder)
        faults.point("publish:served")
        _prune(settings)
    return Publication(
        version=version,
        path=settings.analytics_path,
        restricted_path=settings.restricted_path,
        parquet_dir=settings.parquet_dir,
        tables=dict(manifest["tables"]),
        published_at=published_at,
        written=tuple(table for table, mart in manifest["marts"].items() if mart["status"] == "written"),
        reused=tuple(table for table, mart in manifest["marts"].items() if mart["status"] == "reused"),
        reused_from=manifest["reused_from"],
        held=tuple(manifest["held_regions"]),
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
