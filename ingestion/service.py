"""What the CLI and the Airflow DAGs call: load what a region has pending, report what happened."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path

import duckdb

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect, has_table, insert_rows
from ingestion.archive import restore
from ingestion.changes import Load
from ingestion.deliveries import find_deliveries
from ingestion.load import (
    AUDIT_TABLE,
    DeliveryRejected,
    DeliveryWaiting,
    LoadResult,
    ensure_raw_tables,
    load_delivery,
    withdraw_delivery,
)
from ingestion.quarantine import QUARANTINE_TABLE
from ingestion.registry import (
    SCHEDULE_COLUMNS,
    RegionSource,
    RegistryError,
    delivery_schedule,
    load_registry,
    region_source,
    registry_problems,
)


def load_pending(
    settings: Settings,
    region: str,
    dataset: str | None = None,
    progress: Callable[[LoadResult], None] | None = None,
    *,
    delivery_date: date | None = None,
) -> list[LoadResult]:
    """Load every delivery of `region` in the landing area (of `dataset`, of `delivery_date`), oldest first. A
    rejected delivery is audited and reported, and the others still load. `progress` hears of each as it is done.
    A load that fails for a reason outside its delivery (LoadFailed: a read or write error, a full disk) stops the
    region's loading there and is raised: what loaded before it stays, and the next run tries the rest again."""
    source = region_source(region, settings.sources_dir)
    if dataset:
        source.dataset(dataset)
    results = []
    with connect(settings=settings) as connection:
        ensure_raw_tables(connection)
        sync_registry(
            connection, source, load_registry(settings.sources_dir), held=registry_problems(settings.sources_dir)
        )
        for delivery in find_deliveries(source, settings.landing_dir, dataset):
            if delivery_date and delivery.delivery_date != delivery_date:
                continue
            try:
                result = load_delivery(connection, delivery, source.dataset(delivery.dataset), settings)
            except DeliveryRejected as rejection:
                result = LoadResult(delivery, "rejected", message=str(rejection))
            except DeliveryWaiting as waiting:
                result = LoadResult(delivery, "waiting", message=str(waiting))
            results.append(result)
            if progress:
                progress(result)
    return results


def withdraw(settings: Settings, delivery_id: str, reason: str) -> list[Load]:
    """The region takes a delivery back (region/dataset/YYYY-MM-DD): raw's history goes on as if it never came."""
    region, dataset, _ = delivery_parts(delivery_id)
    region_source(region, settings.sources_dir).dataset(dataset)  # an unknown region or dataset is named
    with connect(settings=settings) as connection:
        try:
            return withdraw_delivery(connection, delivery_id, reason)
        except LookupError as error:
            raise RegistryError(str(error)) from None


def restore_delivery(settings: Settings, load_id: str, target_dir: Path) -> Path:
    """The file a load read, byte for byte from the archive (checked against its SHA-256), into `target_dir`."""
    rows = _query(
        settings, AUDIT_TABLE, f"SELECT archive_path, file_sha256 FROM {AUDIT_TABLE} WHERE load_id = ?", [load_id]
    )
    if not rows or not rows[0]["archive_path"]:
        raise RegistryError(f"load {load_id}: no archived file (not a load, or it loaded before the archive existed)")
    return restore(settings.archive_dir, str(rows[0]["archive_path"]), str(rows[0]["file_sha256"]), target_dir)


def delivery_parts(delivery_id: str) -> tuple[str, str, date]:
    try:
        region, dataset, day = delivery_id.strip("/").split("/")
        return region, dataset, date.fromisoformat(day)
    except ValueError:
        raise RegistryError(f"delivery {delivery_id!r}: expected region/dataset/YYYY-MM-DD") from None


# Every region and dataset of the registry with its schedule and freshness: what the raw gate's freshness check joins.
DELIVERY_SCHEDULE_TABLE = "raw.delivery_schedule"


def sync_registry(
    connection: duckdb.DuckDBPyConnection,
    source: RegionSource,
    registry: dict[str, RegionSource],
    held: Collection[str] = (),
) -> None:
    """The one place the registry reaches raw: the loading region as its file describes it, in `raw.regions` (the
    warehouse's region dimension reads it), and `raw.delivery_schedule`, every region and dataset with its schedule
    and freshness as the registry says now (the raw gate's freshness check joins it; analysts can see who delivers
    what, and how often). Written only where it differs from what stands, in one transaction: a reader sees the old
    registry or the new one. (Every region's load runs this: rewriting 500 regions' schedule each time cost 0.8 s
    a region nationally, 400 s of a national ingest.) A region `held` back by a broken registry file keeps its rows
    as they stand, so the freshness check still holds it to its last known schedule."""
    region = (source.region, source.name, source.province, source.timezone)
    standing_schedule = _standing_schedule(connection)
    rows = delivery_schedule(registry) + [row for row in standing_schedule or [] if row[0] in held]
    regions_exist = has_table(connection, "raw", "regions")
    standing = (
        regions_exist
        and connection.execute(
            "SELECT region, name, province, timezone FROM raw.regions WHERE region = ?", [source.region]
        ).fetchone()
    )
    region_stands = standing == region
    schedule_stands = standing_schedule == sorted(rows)
    if region_stands and schedule_stands:
        return  # nothing written: not even DDL
    connection.execute("BEGIN TRANSACTION")
    if not regions_exist:
        connection.execute(
            """CREATE TABLE raw.regions (region VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, province VARCHAR NOT NULL,
                                         timezone VARCHAR NOT NULL)"""
        )
    if not region_stands:
        connection.execute("INSERT OR REPLACE INTO raw.regions VALUES (?, ?, ?, ?)", list(region))
    if not schedule_stands:
        _write_schedule(connection, rows)
    connection.execute("COMMIT")


def _write_schedule(connection: duckdb.DuckDBPyConnection, rows: list[tuple[object, ...]]) -> None:
    types = {name: "INTEGER" if name == "freshness_days" else "VARCHAR" for name in SCHEDULE_COLUMNS}
    connection.execute(
        f"CREATE OR REPLACE TABLE {DELIVERY_SCHEDULE_TABLE} "
        f"({', '.join(f'{name} {kind} NOT NULL' for name, kind in types.items())})"
    )
    insert_rows(connection, DELIVERY_SCHEDULE_TABLE, rows)


def _standing_schedule(connection: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]] | None:
    """`raw.delivery_schedule` as it stands, sorted; None before it exists."""
    if not has_table(connection, *DELIVERY_SCHEDULE_TABLE.split(".")):
        return None
    return sorted(connection.execute(f"SELECT * FROM {DELIVERY_SCHEDULE_TABLE}").fetchall())


def _query(settings: Settings, table: str, sql: str, parameters: list[object]) -> list[dict[str, object]]:
    """Rows of a read-only query on `table` (schema.name) as dicts; none while the warehouse or table is not there."""
    if not settings.warehouse_path.exists():
        return []
    with connect(settings=settings, read_only=True) as connection:
        if not has_table(connection, *table.split(".")):
            return []
        cursor = connection.execute(sql, parameters)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def audit_rows(settings: Settings, region: str | None = None) -> list[dict[str, object]]:
    return _query(
        settings,
        AUDIT_TABLE,
        f"""SELECT load_id, region, dataset, delivery_id, source_file, status, received_rows, loaded_rows,
                       unchanged_rows, ended_rows, quarantined_rows, duplicate_rows, round(duration_s, 2) AS duration_s,
                       finished_at, error
                FROM {AUDIT_TABLE} WHERE ? IS NULL OR region = ? ORDER BY finished_at""",
        [region, region],
    )


def quarantined(
    settings: Settings, region: str | None = None, delivery_id: str | None = None, limit: int = 50
) -> list[dict[str, object]]:
    """Quarantined records with their reasons, newest load first."""
    return _query(
        settings,
        QUARANTINE_TABLE,
        f"""SELECT delivery_id, source_file, source_row,
                       list_transform(reasons, lambda r: r.code || coalesce(' = ' || r.value, '')) AS reasons
                FROM {QUARANTINE_TABLE}
                WHERE (? IS NULL OR region = ?) AND (? IS NULL OR delivery_id = ?)
                ORDER BY quarantined_at DESC, source_file, source_row LIMIT ?""",
        [region, region, delivery_id, delivery_id, limit],
    )
