"""How the raw layer keeps what deliveries changed: the one module that knows how change rows are stored.

A raw table holds row versions. A version is brought by one load (`_load_id`, `_delivery_id`, with the file and line
it was read from, `_source_file`/`_source_row`) and ended by a later one (`_ended_load_id`, `_ended_delivery_id`),
or it stands (both NULL). The loads of one region and dataset apply in delivery order: delivery date, then a full
extract before a delta of the same day, then load time (`Load.order`).

- A full extract is compared with what stands for its region by row hash (a hash of every delivered value, key
  included): standing rows it no longer holds, or holds changed, are ended by it; its new and changed rows are
  brought; its unchanged rows are only counted. A full extract that changed 1 % of the records stores 1 %.
- A delta's rows are all brought, each ending the standing version of its key (a delta says: this is how these
  records stand now). Deltas are small by nature; keeping every row of them keeps the order of deliveries exact
  when a late one is put in before them.
- A load that does not go at the end (a late delivery, a corrected re-delivery of an earlier one, a withdrawal)
  replays the loads after it: their content is read back from raw first (a full extract: the rows that stood right
  after it, which are its accepted rows; a delta: the rows it brought), their changes are undone, and they are
  applied again in order, their audit counts restated.

`snapshot` gives back the rows that stood right after any load. What a load counted is in `raw.load_audit`:
received = loaded (brought) + unchanged + quarantined + duplicates.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from asn_platform.core.contract import Dataset
from asn_platform.core.warehouse import insert_rows, quote_identifier, sql_literal

AUDIT_TABLE = "raw.load_audit"
# The load that ended a version; NULL while it stands.
CHANGE_COLUMNS = (("_ended_delivery_id", "VARCHAR"), ("_ended_load_id", "VARCHAR"))
STANDING = "_ended_load_id IS NULL"
# Loads that count: the latest attempt of each delivery (a corrected re-delivery replaces the earlier load), unless
# that attempt is the region's withdrawal of it.
COUNTED_LOADS = f"""
    SELECT load_id, delivery_id, delivery_date, delivery_kind, started_at, finished_at FROM (
        SELECT *, row_number() OVER (PARTITION BY delivery_id, delivery_kind ORDER BY finished_at DESC) AS recency
        FROM {AUDIT_TABLE} WHERE status IN ('loaded', 'withdrawn') AND dataset = ? AND region = ?)
    WHERE recency = 1 AND status = 'loaded'"""
_replay_tables = itertools.count()


@dataclass(frozen=True)
class Load:
    load_id: str
    delivery_id: str
    delivery_date: date
    kind: str  # full | delta
    started_at: datetime  # each row's _loaded_at
    finished_at: datetime  # orders loads of one delivery date and kind

    @property
    def order(self) -> tuple[date, int, datetime]:
        return (self.delivery_date, 0 if self.kind == "full" else 1, self.finished_at)


@dataclass(frozen=True)
class Changes:
    brought: int  # rows stored: new, or a new version of a record
    unchanged: int  # rows already standing as delivered: counted, not stored again
    ended: int  # standing rows this load ended: changed, or (a full extract) no longer delivered


def counted_loads(connection: duckdb.DuckDBPyConnection, dataset: Dataset, region: str) -> list[Load]:
    rows = connection.execute(COUNTED_LOADS, [dataset.name, region]).fetchall()
    return sorted((Load(*row) for row in rows), key=lambda load: load.order)


def apply(
    connection: duckdb.DuckDBPyConnection, dataset: Dataset, region: str, load: Load, staged: str
) -> tuple[Changes, dict[str, Changes]]:
    """Apply a new load: `staged` is a relation (table or parenthesised query) of its accepted rows, with the
    contract's fields, `_source_file`, `_source_row` and `_row_hash`. Returns the load's changes and, for each
    later load that had to be replayed, its restated changes (by load id). Runs inside the caller's transaction,
    before the load's audit row is written."""
    loads = counted_loads(connection, dataset, region)
    if goes_at_end(loads, load):
        return _apply_at_end(connection, dataset, region, load, staged), {}
    superseded = [earlier for earlier in loads if (earlier.delivery_id, earlier.kind) == (load.delivery_id, load.kind)]
    restated = _replay(connection, dataset, region, loads, remove=superseded, new=(load, staged))
    return restated.pop(load.load_id), restated


def goes_at_end(loads: list[Load], load: Load) -> bool:
    """Whether `load` applies after every counted load (`loads`) without replaying any: it comes last in delivery
    order and is no re-delivery of one of them. Then what stands before it is what it is compared with."""
    return all(
        other.order < load.order and (other.delivery_id, other.kind) != (load.delivery_id, load.kind) for other in loads
    )


def withdraw(
    connection: duckdb.DuckDBPyConnection, dataset: Dataset, region: str, delivery_id: str
) -> tuple[list[Load], dict[str, Changes]]:
    """Take a delivery's loads out of the region's history, as if it had never come; returns them and the later
    loads' restated changes. Raises LookupError if no counted load of it is there."""
    loads = counted_loads(connection, dataset, region)
    withdrawn = [load for load in loads if load.delivery_id == delivery_id]
    if not withdrawn:
        raise LookupError(f"{delivery_id}: no loaded delivery of {region}/{dataset.name} with this id")
    return withdrawn, _replay(connection, dataset, region, loads, remove=withdrawn, new=None)


def snapshot(connection: duckdb.DuckDBPyConnection, dataset: Dataset, region: str, load_id: str) -> str:
    """SQL (a parenthesised query) for the rows that stood for the region right after `load_id`: for a full
    extract, its accepted rows, whatever loaded after it."""
    loads = counted_loads(connection, dataset, region)
    ordinal = {load.load_id: number for number, load in enumerate(loads)}
    if load_id not in ordinal:
        raise LookupError(f"{load_id}: not a counted load of {region}/{dataset.name}")
    return _standing_after(dataset, region, _timeline(connection, ordinal), ordinal[load_id])


def standing_hashes(dataset: Dataset, region: str) -> str:
    """SQL (a parenthesised query) for the row hashes (`_row_hash`) standing for the region, each once."""
    return f"""(SELECT DISTINCT _row_hash FROM raw.{dataset.name}
               WHERE _region = {sql_literal(region)} AND {STANDING})"""


def _timeline(connection: duckdb.DuckDBPyConnection, ordinal: dict[str, int]) -> str:
    """A temporary table of the loads' positions in delivery order (temporary: a transaction may write to one
    attached database only, and this runs inside the load's)."""
    table = f"change_timeline_{next(_replay_tables)}"
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {table} (load_id VARCHAR, ordinal INTEGER)")
    insert_rows(connection, table, list(ordinal.items()))
    return table


def _standing_after(dataset: Dataset, region: str, timeline: str, position: int) -> str:
    return f"""(SELECT r.* FROM raw.{dataset.name} AS r
               JOIN {timeline} AS brought ON r._load_id = brought.load_id
               LEFT JOIN {timeline} AS ended ON r._ended_load_id = ended.load_id
               WHERE r._region = {sql_literal(region)} AND brought.ordinal <= {position}
                 AND (r._ended_load_id IS NULL OR ended.ordinal > {position}))"""


def _fields(dataset: Dataset) -> str:
    return ", ".join(quote_identifier(field.name) for field in dataset.fields)


def _apply_at_end(
    connection: duckdb.DuckDBPyConnection, dataset: Dataset, region: str, load: Load, staged: str
) -> Changes:
    """The common case: the load comes after every load of its region and dataset."""
    table = f"raw.{dataset.name}"
    if load.kind == "full":
        # Standing rows the extract no longer holds as they are: changed or gone.
        ends = f"NOT EXISTS (SELECT 1 FROM {staged} AS s WHERE s._row_hash = r._row_hash)"
        brings = f"""NOT EXISTS (SELECT 1 FROM {table} AS r
                                 WHERE r._region = $region AND r.{STANDING} AND r._row_hash = s._row_hash)"""
    else:
        key = " AND ".join(f"s.{quote_identifier(k)} IS NOT DISTINCT FROM r.{quote_identifier(k)}" for k in dataset.key)
        ends = f"EXISTS (SELECT 1 FROM {staged} AS s WHERE {key})"
        brings = "true"
    parameters = {"region": region, "load_id": load.load_id, "delivery_id": load.delivery_id}
    ((ended,),) = connection.execute(
        f"""UPDATE {table} AS r SET _ended_load_id = $load_id, _ended_delivery_id = $delivery_id
            WHERE r._region = $region AND r.{STANDING} AND {ends}""",
        parameters,
    ).fetchall()
    ((brought,),) = connection.execute(
        f"""INSERT INTO {table} BY NAME
            SELECT {_fields(dataset)}, $region AS _region, $delivery_id AS _delivery_id, $load_id AS _load_id,
                   s._source_file, s._source_row, s._row_hash, $loaded_at AS _loaded_at
            FROM {staged} AS s WHERE {brings}""",
        parameters | {"loaded_at": load.started_at},
    ).fetchall()
    (accepted,) = connection.execute(f"SELECT count(*) FROM {staged}").fetchone()
    return Changes(brought=brought, unchanged=accepted - brought, ended=ended)


def _replay(
    connection: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    region: str,
    loads: list[Load],
    *,
    remove: list[Load],
    new: tuple[Load, str] | None,
) -> dict[str, Changes]:
    """Undo `remove` and every load from the first point that changes, then apply `new` and the later loads again
    in delivery order. Returns each applied load's changes; restates the audit counts of the replayed ones."""
    start = min([load.order for load in remove] + ([new[0].order] if new else []))
    again = [load for load in loads if load.order >= start and load not in remove]
    ordinal = {load.load_id: number for number, load in enumerate(loads)}
    timeline = _timeline(connection, ordinal)
    captured: list[tuple[Load, str]] = []
    for load in again:  # read each one's content back before anything changes
        content = f"change_replay_{next(_replay_tables)}"
        if load.kind == "full":
            rows = _standing_after(dataset, region, timeline, ordinal[load.load_id])
        else:
            rows = f"(SELECT * FROM raw.{dataset.name} WHERE _region = $region AND _load_id = $load_id)"
        connection.execute(
            f"""CREATE OR REPLACE TEMP TABLE {content} AS
                SELECT {_fields(dataset)}, _source_file, _source_row, _row_hash FROM {rows}""",
            {"region": region, "load_id": load.load_id} if load.kind != "full" else {},
        )
        captured.append((load, content))
    connection.execute(f"DROP TABLE {timeline}")
    undone = [load.load_id for load in [*again, *remove]]
    connection.execute(
        f"DELETE FROM raw.{dataset.name} WHERE _region = ? AND list_contains(?, _load_id)", [region, undone]
    )
    connection.execute(
        f"""UPDATE raw.{dataset.name} SET _ended_load_id = NULL, _ended_delivery_id = NULL
            WHERE _region = ? AND list_contains(?, _ended_load_id)""",
        [region, undone],
    )
    results = {}
    for load, content in sorted([*captured, *([new] if new else [])], key=lambda item: item[0].order):
        results[load.load_id] = _apply_at_end(connection, dataset, region, load, content)
    for load, content in captured:
        connection.execute(f"DROP TABLE {content}")
        changes = results[load.load_id]
        connection.execute(
            f"UPDATE {AUDIT_TABLE} SET loaded_rows = ?, unchanged_rows = ?, ended_rows = ? WHERE load_id = ?",
            [changes.brought, changes.unchanged, changes.ended, load.load_id],
        )
    return results


def upgrade_append_only(connection: duckdb.DuckDBPyConnection, dataset: Dataset, create_sql: str) -> None:
    """A raw table from before change storage (every delivered row of every load) becomes a change table: each
    region's counted loads are applied again in delivery order from the rows they loaded. `create_sql` creates the
    new table."""
    old = f"raw.{dataset.name}__append_only"
    connection.execute("BEGIN TRANSACTION")
    connection.execute(f"ALTER TABLE raw.{dataset.name} RENAME TO {dataset.name}__append_only")
    connection.execute(create_sql)
    for (region,) in connection.execute(f"SELECT DISTINCT _region FROM {old} ORDER BY 1").fetchall():
        for load in counted_loads(connection, dataset, region):
            rows = f"(SELECT * FROM {old} WHERE _load_id = {sql_literal(load.load_id)})"
            changes = _apply_at_end(connection, dataset, region, load, rows)
            connection.execute(
                f"UPDATE {AUDIT_TABLE} SET loaded_rows = ?, unchanged_rows = ?, ended_rows = ? WHERE load_id = ?",
                [changes.brought, changes.unchanged, changes.ended, load.load_id],
            )
    connection.execute(f"DROP TABLE {old}")
    connection.execute("COMMIT")
