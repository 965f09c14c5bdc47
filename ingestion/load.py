"""Loading one delivery into the raw layer: read, normalise to the contract, validate, then apply it in one transaction.

Raw keeps changes (ingestion/changes.py): a full extract stores only its new and changed rows and ends the rows it
changed or no longer holds; a delta stores its rows. Every row carries region, delivery, load, source file, source row
and a content hash. A corrected re-delivery is a new load of the same delivery id and replaces the earlier one. The
delivered file is archived (ingestion/archive.py). The audit table `raw.load_audit` records every attempt, and
received = loaded + unchanged + quarantined + duplicates.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import hashlib
import io
import itertools
import json
import posixpath
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from xml.etree import ElementTree

import duckdb

from asn_platform.core import contract, faults
from asn_platform.core.contract import DATASETS, REGIONAL_DATASETS, Dataset, Field
from asn_platform.core.settings import EXPECTATIONS_DIR, Settings
from asn_platform.core.spreadsheet import column_index, column_letters
from asn_platform.core.warehouse import quote_identifier, sql_literal
from asn_platform.quality import Suite, ValidationReport, load_suite, validate_table
from asn_platform.quality.runner import ExpectationOutcome, record_report
from asn_platform.quality.scope import suite_digest
from asn_platform.quality.suites import ExpectationSpec
from ingestion import changes, quarantine
from ingestion.archive import archive
from ingestion.changes import AUDIT_TABLE
from ingestion.deliveries import Delivery
from ingestion.registry import DatasetSource

if TYPE_CHECKING:
    import fastexcel

# Lineage every raw row carries (all NOT NULL); types as DuckDB names them, so drift checks compare like with like.
METADATA_COLUMNS = (
    ("_region", "VARCHAR"),
    ("_delivery_id", "VARCHAR"),
    ("_load_id", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_source_row", "BIGINT"),
    ("_row_hash", "VARCHAR"),
    ("_loaded_at", "TIMESTAMP WITH TIME ZONE"),
)


class DeliveryRejected(RuntimeError):
    """The delivery as a whole cannot be loaded; nothing of it reached the raw layer. The message says why and where."""


class DeliveryWaiting(RuntimeError):
    """The delivery cannot be applied yet (a delta before any full extract loaded); it is tried again next run."""


class LoadFailed(RuntimeError):
    """The attempt failed for a reason outside the delivery's content (a read or write error, a full disk, a folder
    that cannot be written, memory exhausted): audited `failed`, nothing of it kept, and the next run tries the same
    bytes again. Only content problems are rejections (DeliveryRejected), which the same bytes would only repeat."""


@dataclass(frozen=True)
class LoadResult:
    delivery: Delivery
    status: str  # loaded | unchanged | rejected | waiting
    received: int = 0
    loaded: int = 0  # rows raw stores: new, or a new version of a record
    quarantined: int = 0
    duplicates: int = 0
    message: str = ""
    unchanged: int = 0  # rows that stood already as delivered (a full extract resends them): counted, not stored
    ended: int = 0  # standing rows this delivery changed or (a full extract) no longer holds
    # Seconds of the delivery's data-quality checks: its delivery suite, then the record screening (NIP structure,
    # dates, units); 0.0 when they did not run. What the pipeline benchmark reports as "DQ on deliveries".
    checks_s: float = dataclass_field(default=0.0, compare=False)


def _ensure_audit(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(
        f"""CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
            load_id VARCHAR PRIMARY KEY, region VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
            delivery_id VARCHAR NOT NULL, delivery_date DATE NOT NULL, source_file VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL, received_rows BIGINT, loaded_rows BIGINT, quarantined_rows BIGINT,
            duplicate_rows BIGINT, status VARCHAR NOT NULL, error VARCHAR, started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ NOT NULL, duration_s DOUBLE NOT NULL, delivery_kind VARCHAR NOT NULL,
            unchanged_rows BIGINT, ended_rows BIGINT, archive_path VARCHAR, checks_digest VARCHAR)"""
    )
    # Audit tables from before deltas existed (every load they hold was a full snapshot) and before change storage.
    connection.execute(f"ALTER TABLE {AUDIT_TABLE} ADD COLUMN IF NOT EXISTS delivery_kind VARCHAR DEFAULT 'full'")
    added = (("unchanged_rows", "BIGINT"), ("ended_rows", "BIGINT"), ("archive_path", "VARCHAR"),
             ("checks_digest", "VARCHAR"))  # fmt: skip
    for column, sql_type in added:
        connection.execute(f"ALTER TABLE {AUDIT_TABLE} ADD COLUMN IF NOT EXISTS {column} {sql_type}")


def _ensure_tables(connection: duckdb.DuckDBPyConnection, dataset: Dataset) -> None:
    connection.execute("CREATE SCHEMA IF NOT EXISTS raw")
    # Scratch tables live in an in-memory database (spilling to disk if need be), never written into the warehouse
    # file: writing them there cost as much as loading the delivery itself.
    connection.execute("ATTACH IF NOT EXISTS ':memory:' AS ingest_work")
    columns = [f"{quote_identifier(f.name)} {f.sql_type}" for f in dataset.fields]
    columns += [f"{name} {sql_type} NOT NULL" for name, sql_type in METADATA_COLUMNS]
    columns += [f"{name} {sql_type}" for name, sql_type in changes.CHANGE_COLUMNS]
    create = f"CREATE TABLE IF NOT EXISTS raw.{dataset.name} ({', '.join(columns)})"
    connection.execute(create)
    expected = {f.name: f.sql_type for f in dataset.fields} | dict(METADATA_COLUMNS) | dict(changes.CHANGE_COLUMNS)
    actual = dict(connection.execute(f"SELECT column_name, column_type FROM (DESCRIBE raw.{dataset.name})").fetchall())
    if actual == {name: kind for name, kind in expected.items() if name not in dict(changes.CHANGE_COLUMNS)}:
        changes.upgrade_append_only(connection, dataset, create)  # a raw table from before change storage
    elif actual != expected:
        drift = sorted(set(expected.items()) ^ set(actual.items()))
        raise RuntimeError(
            f"raw.{dataset.name} no longer matches the contract (columns differ: {drift}); "
            "migrate the table before loading"
        )


def ensure_raw_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Every regional dataset's raw table (empty until its first load), the audit and the quarantine, and the
    scratch database: once per connection, before `load_delivery`. Staging reads every raw table, and a region that
    has not sent training yet must not stop the build of what it has sent."""
    connection.execute("CREATE SCHEMA IF NOT EXISTS raw")
    _ensure_audit(connection)  # first: upgrading an old raw table restates audit counts
    for name in REGIONAL_DATASETS:
        _ensure_tables(connection, DATASETS[name])
    quarantine.ensure_table(connection)


def delivery_suite(dataset: Dataset, delivery_kind: str = "full") -> Suite:
    """The dataset's delivery suite from `expectations/delivery/`, plus what the contract itself demands. A delta
    may rightly be empty (nothing changed that day), so row-count floors apply to full deliveries only."""
    suite = load_suite(EXPECTATIONS_DIR / "delivery" / f"{dataset.name}.yml")
    own = [
        spec
        for spec in suite.expectations
        if delivery_kind == "full" or spec.type != "expect_table_row_count_to_be_between"
    ]
    from_contract: list[ExpectationSpec] = []
    for field in dataset.fields:
        if field.required:
            from_contract.append(
                ExpectationSpec("expect_column_values_to_not_be_null", {"column": field.name}, "error", 0)
            )
        if field.allowed and field.separator:
            one = "(?:" + "|".join(re.escape(value) for value in field.allowed) + ")"
            kwargs = {"column": field.name, "regex": f"^{one}(?:{re.escape(field.separator)}{one})*$"}
            from_contract.append(ExpectationSpec("expect_column_values_to_match_regex", kwargs, "error", 0))
        elif field.allowed:
            kwargs = {"column": field.name, "value_set": list(field.allowed)}
            from_contract.append(ExpectationSpec("expect_column_values_to_be_in_set", kwargs, "error", 0))
        if field.pattern:
            kwargs = {"column": field.name, "regex": field.pattern}
            from_contract.append(ExpectationSpec("expect_column_values_to_match_regex", kwargs, "error", 0))
        if field.minimum is not None or field.maximum is not None:
            kwargs = {"column": field.name, "min_value": field.minimum, "max_value": field.maximum}
            from_contract.append(ExpectationSpec("expect_column_values_to_be_between", kwargs, "error", 0))
    specs = [
        ExpectationSpec(spec.type, spec.kwargs, spec.severity, index)
        for index, spec in enumerate([*from_contract, *own])
    ]
    return Suite(suite.name, suite.stage, suite.table, suite.key_columns, tuple(specs), suite.path, suite.description)


# The code a record's checks come from besides the suite and the registry: typing and parse checks here, the
# screening in quarantine.py, the fields in the contract. Editing any of it checks every record again, once.
_RULE_SOURCES = (Path(__file__), Path(quarantine.__file__), Path(contract.__file__))


def checks_digest(dataset: Dataset, config: DatasetSource) -> str:
    """A digest of what a record's row-level checks depend on besides its own values: the delivery suite's row
    rules, the region's configuration of the dataset (formats, value maps) and the code of the rules. Records that
    stand under the digest of this delivery passed these very checks, so a full extract leaves its unchanged ones
    alone (`_unchanged_scope`)."""
    return _checks_digest(dataset.name, config.model_dump_json())


@lru_cache(maxsize=256)
def _checks_digest(dataset_name: str, config_json: str) -> str:
    suite = delivery_suite(DATASETS[dataset_name])
    rules = suite_digest(dataclasses.replace(suite, expectations=suite.row_level))  # the gates' digest of a suite
    digest = hashlib.sha256(json.dumps([rules, config_json]).encode())
    for source in _RULE_SOURCES:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _unchanged_scope(
    connection: duckdb.DuckDBPyConnection, dataset: Dataset, delivery: Delivery, load: changes.Load, digest: str
) -> str | None:
    """SQL of the row hashes standing for the region when `load` may leave the records holding one of them
    unchecked by row rules: a full extract that applies at the end, where every standing row passed these checks
    (the loads since the region's last full extract, that one included, all ran under `digest`). None otherwise:
    a delta, a replay, or rules changed since, and every record is checked."""
    if load.kind != "full":
        return None
    loads = changes.counted_loads(connection, dataset, delivery.region)
    fulls = [number for number, earlier in enumerate(loads) if earlier.kind == "full"]
    if not fulls or not changes.goes_at_end(loads, load):
        return None
    since = [earlier.load_id for earlier in loads[fulls[-1] :]]
    digests = connection.execute(
        f"SELECT DISTINCT checks_digest FROM {AUDIT_TABLE} WHERE list_contains(?, load_id)", [since]
    ).fetchall()
    return changes.standing_hashes(dataset, delivery.region) if digests == [(digest,)] else None


def _typed_on_every_row(dataset: Dataset, suite: Suite) -> frozenset[str]:
    """Fields typed on unchanged records too: those the whole-table checks read (uniqueness runs over every record
    of the extract) and the unit code (the region's list of units may have changed since)."""
    columns = {column for spec in suite.expectations if spec.is_table_level for column in spec.columns}
    return frozenset(columns | ({"unit_code"} & set(dataset.field_names)))


def _validate_delivery(
    connection: duckdb.DuckDBPyConnection,
    work_table: str,
    suite: Suite,
    *,
    settings: Settings,
    run_id: str,
    all_rows: bool,
) -> ValidationReport:
    """The delivery suite on the work table: its whole-table checks (row count, uniqueness) on every record, its
    row rules on every record, or with `all_rows` False on those not standing unchanged (`_unchanged`)."""

    def validate(table: str, checked: Suite, record: bool) -> ValidationReport:
        return validate_table(connection, table, checked, settings=settings, stage="delivery", run_id=run_id,
                              row_key="_source_row", record=record)  # fmt: skip

    if all_rows:
        return validate(work_table, suite, True)
    changed = f"{work_table}_changed"
    connection.execute(f"CREATE OR REPLACE VIEW {changed} AS SELECT * FROM {work_table} WHERE NOT _unchanged")
    whole = tuple(spec for spec in suite.expectations if spec.is_table_level)
    try:
        parts = [
            validate(table, dataclasses.replace(suite, expectations=specs), False)
            for table, specs in ((work_table, whole), (changed, suite.row_level))
        ]
    finally:
        connection.execute(f"DROP VIEW IF EXISTS {changed}")
    outcomes = sorted(
        (dataclasses.replace(outcome, table=work_table) for part in parts for outcome in part.outcomes),
        key=lambda outcome: outcome.spec.index,
    )
    report = ValidationReport(run_id, "delivery", suite.name, work_table, outcomes)
    record_report(connection, report)
    return report


@contextmanager
def _delivered_bytes(delivery: Delivery, config: DatasetSource) -> Iterator[BinaryIO]:
    """The delivered bytes, decompressed if the registry says the region compresses them. A stream that cannot be
    read to its end (not gzip, cut off) rejects the delivery, naming the file."""
    try:
        with gzip.open(delivery.path, "rb") if config.compression == "gzip" else delivery.path.open("rb") as source:
            yield source  # type: ignore[misc]
    except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError; a cut-off stream is an EOFError
        raise DeliveryRejected(f"{delivery.path}: not a readable {config.compression} file: {error}") from None


# A region dates a delivery by its own clock, up to 9 hours ahead of UTC (WIT): one day of slack, no more.
_DATE_SLACK = timedelta(days=1)


def _reject_future_delivery(delivery: Delivery) -> None:
    """A delivery dated after today is misdated (a typo in its folder's name, a wrong clock). Loaded, it would
    stand as the region's latest data and let its records' dates up to that day pass as not in the future."""
    today = datetime.now(UTC).date()
    if delivery.delivery_date > today + _DATE_SLACK:
        raise DeliveryRejected(
            f"{delivery.path}: dated {delivery.delivery_date.isoformat()} (its folder's name), after today "
            f"({today.isoformat()}): a delivery cannot come from the future; move it to the folder of the day it "
            "was sent (YYYY-MM-DD)"
        )


_UTF8_SIG = {"utf-8": "utf-8-sig"}  # how Python reads UTF-8 with or without a byte order mark


def _header(delivery: Delivery, config: DatasetSource) -> list[str]:
    """The header line, read as the registry says; DuckDB's dialect sniffer is never trusted with a delivery."""
    _reject_future_delivery(delivery)
    try:
        with (
            _delivered_bytes(delivery, config) as source,
            # A UTF-8 byte order mark (Excel's "CSV UTF-8" writes one) is not part of the first header; DuckDB
            # skips it too.
            io.TextIOWrapper(source, encoding=_UTF8_SIG.get(config.encoding, config.encoding), newline="") as handle,
        ):
            header = next(csv.reader(handle, delimiter=config.delimiter), None)
    except UnicodeDecodeError as error:
        raise DeliveryRejected(f"{delivery.path}: line 1: not {config.encoding} text ({error.reason})") from None
    if not header or not any(name.strip() for name in header):
        raise DeliveryRejected(f"{delivery.path}: empty file (no header line)")
    return _check_headers(delivery, config, header, "line 1")


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _utf8_copy(delivery: Delivery, config: DatasetSource, work_dir: Path) -> Path:
    """The delivery itself if it is UTF-8, else a UTF-8 copy written in 1 MiB steps (bounded memory).

    Windows-1252 decodes almost any byte, so a UTF-8 file from a region the registry says sends cp1252 would load
    as mojibake ('Ã©' for 'é'). Text whose non-ASCII bytes are all valid UTF-8 sequences is, in practice, never
    cp1252 (ftfy and charset-normalizer rely on the same fact): such a file is rejected, naming the first line
    with one. No copy is left behind."""
    if config.encoding == "utf-8":
        return delivery.path
    work_dir.mkdir(parents=True, exist_ok=True)
    copy = work_dir / f"{delivery.region}_{delivery.dataset}.utf8.csv"
    decoder = codecs.getincrementaldecoder(config.encoding)()
    utf8: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()  # None once it fails
    offset, lines, first_non_ascii = 0, 0, None
    try:
        with _delivered_bytes(delivery, config) as source, copy.open("w", encoding="utf-8", newline="") as target:
            for block in iter(lambda: source.read(1 << 20), b""):
                try:
                    target.write(decoder.decode(block))
                except UnicodeDecodeError as error:
                    raise DeliveryRejected(
                        f"{delivery.path}: byte {offset + error.start}: not {config.encoding} text ({error.reason})"
                    ) from None
                if utf8 is not None:
                    utf8 = _still_utf8(utf8, block)
                if first_non_ascii is None:
                    found = _NON_ASCII.search(block)
                    first_non_ascii = lines + block.count(b"\n", 0, found.start()) + 1 if found else None
                    lines += block.count(b"\n")
                offset += len(block)
            target.write(decoder.decode(b"", final=True))
        if utf8 is not None and _still_utf8(utf8, b"", final=True) and first_non_ascii is not None:
            raise DeliveryRejected(
                f"{delivery.path}: line {first_non_ascii}: UTF-8 text, but ingestion/sources/{delivery.region}.yml "
                f"says {delivery.dataset} comes as {config.encoding}: read so, its letters beyond ASCII would load "
                f"as mojibake ('Ã©' for 'é'); set its encoding to utf-8 if the region's system now writes UTF-8, "
                f"or ask for the {config.encoding} export"
            )
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy


def _still_utf8(
    decoder: codecs.IncrementalDecoder, block: bytes, final: bool = False
) -> codecs.IncrementalDecoder | None:
    """The decoder if the bytes so far are valid UTF-8, None from the first that is not."""
    try:
        decoder.decode(block, final)
    except UnicodeDecodeError:
        return None
    return decoder


def _check_headers(delivery: Delivery, config: DatasetSource, names: list[str], where: str) -> list[str]:
    names = [name.strip() for name in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DeliveryRejected(f"{delivery.path}: {where}: column(s) {repeated} appear more than once")
    missing = [f"{header!r} ({field})" for field, header in config.columns.items() if header not in names]
    if missing:
        raise DeliveryRejected(f"{delivery.path}: missing column {', '.join(missing)}; the file has {names}")
    _reject_unknown(delivery, config, names, "column")
    return names


def _reject_unknown(delivery: Delivery, config: DatasetSource, names: list[str], what: str) -> None:
    """A column the registry neither maps nor ignores would be dropped on the way into raw: losing data silently is
    not an option, so the delivery waits for somebody to decide (map it, or list it under `ignore_columns`)."""
    known = {header.split(".")[0] if what == "key" else header for header in config.columns.values()}
    unknown = [name for name in names if name not in known and name not in config.ignore_columns]
    if unknown:
        raise DeliveryRejected(
            f"{delivery.path}: unexpected {what}(s) {unknown} that ingestion/sources/{delivery.region}.yml neither "
            f"maps nor ignores (add it under {delivery.dataset}.columns or {delivery.dataset}.ignore_columns)"
        )


def _read_workbook(
    connection: duckdb.DuckDBPyConnection, delivery: Delivery, config: DatasetSource, work_table: str
) -> int:
    """The sheet as text through calamine (Rust) and Arrow; returns the sheet row of the first record (1-based)."""
    import fastexcel

    _reject_future_delivery(delivery)
    try:
        workbook = fastexcel.read_excel(str(delivery.path))
        sheet = workbook.load_sheet(config.sheet or 0, header_row=config.header_row, dtypes="string")
    except Exception as error:  # fastexcel raises its own error kinds for every unreadable workbook
        raise DeliveryRejected(f"{delivery.path}: cannot be read as xlsx: {error}") from None
    names = [column.name for column in sheet.available_columns()]
    _check_headers(delivery, config, names, f"row {config.header_row + 1}")
    connection.register("delivered_sheet", sheet)
    try:
        connection.execute(f"CREATE OR REPLACE TABLE {work_table}_text AS SELECT * FROM delivered_sheet")
    finally:
        connection.unregister("delivered_sheet")
    first_record_row = config.header_row + 2
    if config.footer_rows:
        (rows,) = connection.execute(f"SELECT count(*) FROM {work_table}_text").fetchone()
        first_column = quote_identifier(names[0])
        footer = connection.execute(
            f"SELECT rowid, {first_column} FROM {work_table}_text WHERE rowid >= ? ORDER BY rowid",
            [rows - config.footer_rows],
        ).fetchall()
        pattern = re.compile(config.footer_pattern or ".*")
        unexpected = [(row + first_record_row, cell) for row, cell in footer if not pattern.match(cell or "")]
        if len(footer) < config.footer_rows or unexpected:
            raise DeliveryRejected(
                f"{delivery.path}: expected {config.footer_rows} totals row(s) at the end matching "
                f"{config.footer_pattern!r}; found {unexpected or 'none'} (nothing is dropped unless it is one)"
            )
        connection.execute(f"DELETE FROM {work_table}_text WHERE rowid >= ?", [rows - config.footer_rows])
    columns = {column.absolute_index: column.name for column in sheet.available_columns()}
    _note_number_nips(connection, config, work_table, workbook, columns=columns, first_row=first_record_row)
    _note_cells_without_value(connection, delivery, config, work_table, columns)
    return first_record_row


def _note_number_nips(
    connection: duckdb.DuckDBPyConnection,
    config: DatasetSource,
    work_table: str,
    workbook: fastexcel.ExcelReader,
    *,
    columns: dict[int, str],
    first_row: int,
) -> None:
    """A NIP from a number cell is never trusted: Excel keeps 15 significant digits, so an 18-digit NIP stored as a
    number has lost its last ones however whole it looks (198503122010011001 reads as ...008). Read as text, the
    cell shows nothing of it; read as boolean, calamine gives a value for number (and boolean) cells only and
    none for text ones, which tells them apart."""
    header = config.columns.get(contract.NIP.name)
    if header is None:
        return
    cells = workbook.load_sheet(config.sheet or 0, header_row=config.header_row, use_columns=[header], dtypes="boolean")
    connection.register("delivered_nip_cells", cells)
    try:
        connection.execute(
            f"""CREATE OR REPLACE TABLE {work_table}_nip_cells AS
                SELECT {quote_identifier(header)} IS NOT NULL AS __number_cell FROM delivered_nip_cells"""
        )
    finally:
        connection.unregister("delivered_nip_cells")
    letters = column_letters(next(index for index, name in columns.items() if name == header))
    detail = (
        "is a number cell, not text: Excel keeps 15 significant digits, so an 18-digit NIP stored as a number has "
        "lost its last ones however whole it looks; ask for the NIP column formatted as text"
    )
    number_cell = quarantine.Check(
        "invalid_nip:number_cell", contract.NIP.name, "__number_cell", quote_identifier(header), detail,
        detail_sql=f"'cell {letters}' || _source_row || {sql_literal(f' ({header!r}) ' + detail)}",
    )  # fmt: skip
    source = f"""(SELECT t.*, t.rowid + {first_row} AS _source_row, n.__number_cell
                  FROM {work_table}_text AS t JOIN {work_table}_nip_cells AS n ON n.rowid = t.rowid)"""
    try:
        quarantine.note(connection, work_table, [number_cell], source)
    finally:
        connection.execute(f"DROP TABLE {work_table}_nip_cells")


def _note_cells_without_value(
    connection: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    config: DatasetSource,
    work_table: str,
    columns: dict[int, str],
) -> None:
    """A formula cell the workbook holds no value for (a program that does not calculate wrote it), or one holding
    an error (#REF!, #DIV/0!), reads as blank: each such cell of a mapped column is a reason of its record, naming
    the cell."""
    fields: dict[str, list[str]] = {}
    for field, header in config.columns.items():
        fields.setdefault(header, []).append(field)
    reasons: list[tuple[int, str, str, str | None, str]] = []
    try:
        cells = list(_cells_without_value(delivery.path, config.sheet or 0))
    except (KeyError, ValueError, StopIteration, zipfile.BadZipFile, ElementTree.ParseError) as error:
        raise DeliveryRejected(f"{delivery.path}: cannot be read as xlsx: {type(error).__name__}: {error}") from None
    for row, column, kind, text in cells:
        header = columns.get(column)
        cell = f"cell {column_letters(column)}{row} ({header!r})"
        for field in fields.get(header or "", []):
            if kind == "formula":
                reasons.append((row, f"formula_without_value:{field}", field, f"={text or ''}",
                                f"{cell}: a formula the workbook holds no value for (saved without calculating), "
                                "which would load as blank; open and save it in Excel, or paste the column as "
                                "values"))  # fmt: skip
            else:
                reasons.append((row, f"cell_error:{field}", field, text,
                                f"{cell}: an error value, which would load as blank; correct the cell"))  # fmt: skip
    quarantine.note_rows(connection, work_table, reasons)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # SpreadsheetML comes in two namespaces (transitional, strict)


def _sheet_part(package: zipfile.ZipFile, sheet: str | int) -> str:
    """The zip member holding a sheet's cells, found as the format defines: the workbook part from the package's
    relationships, the sheet's relationship id in the workbook, that id's target."""

    def targets(part: str) -> dict[str, tuple[str, str]]:  # relationship id -> (type, member)
        folder, name = posixpath.split(part)
        relations = ElementTree.fromstring(package.read(posixpath.join(folder, "_rels", f"{name}.rels")))
        return {
            relation.get("Id", ""): (
                relation.get("Type", ""),
                target[1:] if (target := relation.get("Target", "")).startswith("/")
                else posixpath.normpath(posixpath.join(folder, target)),
            )
            for relation in relations
        }  # fmt: skip

    (workbook,) = [member for kind, member in targets("").values() if kind.endswith("/officeDocument")]
    sheets = [
        {_local_name(key): value for key, value in element.attrib.items()}
        for element in ElementTree.fromstring(package.read(workbook)).iter()
        if _local_name(element.tag) == "sheet"
    ]
    chosen = sheets[sheet] if isinstance(sheet, int) else next(s for s in sheets if s.get("name") == sheet)
    return targets(workbook)[chosen["id"]][1]


# What a formula element (<f>, <f t="shared" .../>, with or without a namespace prefix) or an error cell (t="e")
# looks like in a sheet's XML: a cheap search for a sheet that may hold one (a false alarm costs a parse only).
_FORMULA_OR_ERROR = (b"<f>", b"<f ", b"<f/>", b":f>", b":f ", b":f/>", b' t="e"')


def _cells_without_value(path: Path, sheet: str | int) -> Iterator[tuple[int, int, str, str | None]]:
    """(sheet row, 0-based column, 'formula' or 'error', formula or error text) of each cell calamine reads as
    blank although it is not: a formula without its cached value, an error. Most workbooks hold neither: a byte
    search of the sheet finds that out first, and only a sheet with one is parsed."""
    with zipfile.ZipFile(path) as package:
        part = _sheet_part(package, sheet)
        with package.open(part) as stream:
            tail = b""
            for block in iter(lambda: stream.read(1 << 20), b""):
                window = tail + block  # a needle across two steps shows too
                if any(needle in window for needle in _FORMULA_OR_ERROR):
                    break
                tail = block[-8:]
            else:
                return
        with package.open(part) as stream:
            row, column, rows = 0, -1, None
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                name = _local_name(element.tag)
                if event == "start":
                    if name == "sheetData":
                        rows = element
                    elif name == "row":
                        row, column = int(element.get("r") or row + 1), -1
                    continue
                if name == "c":
                    reference = element.get("r")
                    column = column_index(reference) if reference else column + 1
                    parts = {_local_name(child.tag): child for child in element}
                    if element.get("t") == "e":
                        yield row, column, "error", parts["v"].text if "v" in parts else None
                    elif "f" in parts and "v" not in parts and "is" not in parts:
                        yield row, column, "formula", parts["f"].text
                elif name == "row" and rows is not None:
                    rows.remove(element)  # the sheet is read row by row, in bounded memory


def _json_path(header: str) -> str:
    """`jabatan.nama` -> `$."jabatan"."nama"` (quoted, so any key text is safe)."""
    return "$." + ".".join('"' + part.replace('"', '\\"') + '"' for part in header.split("."))


# A line DuckDB's readers skip: empty (or a lone CR) in CSV, which errs on spaces; any whitespace in JSON Lines.
_BLANK = {"csv": re.compile(rb"\r?"), "jsonl": re.compile(rb"[ \t\r]*")}
# The newline before each blank line (a lookahead, so blank lines in a row are each found); searched in a step's
# text with a newline put before it, since each step starts a line.
_BEFORE_BLANK_LINE = {kind: re.compile(rb"\n(?=" + blank.pattern + rb"\n)") for kind, blank in _BLANK.items()}


def _lines_starting_no_record(delivery: Delivery, config: DatasetSource) -> Iterator[int]:
    """The physical lines (1-based) on which no record starts, so DuckDB's readers give them no row: blank lines,
    and in CSV the lines that continue a quoted value. Scanned in 1 MiB steps (bounded memory); a step without a
    quote costs a search for blank lines, the others a look at each line's quotes (an odd count opens or closes a
    quoted value; an escaped quote is two)."""
    quoted, blank, before_blank = config.format == "csv", _BLANK[config.format], _BEFORE_BLANK_LINE[config.format]
    line, inside, carry = 1, False, b""
    with _delivered_bytes(delivery, config) as source:
        for block in itertools.chain(iter(lambda: source.read(1 << 20), b""), [None]):
            if block is None:  # the end: a last line without its newline
                text, carry = (carry + b"\n" if carry else b""), b""
            else:
                text = carry + block
                cut = text.rfind(b"\n") + 1  # complete lines only; the rest waits for the next step
                text, carry = text[:cut], text[cut:]
            if not inside and not (quoted and b'"' in text):
                counted, at = line, 0
                for match in before_blank.finditer(b"\n" + text):
                    counted += text.count(b"\n", at, match.start())  # the blank line starts there in `text`
                    at = match.start()
                    yield counted
                line += text.count(b"\n")
                continue
            for content in text.split(b"\n")[:-1]:
                if inside or blank.fullmatch(content):
                    yield line
                if content.count(b'"') % 2:
                    inside = not inside
                line += 1


def _reject_blank_lines(delivery: Delivery, config: DatasetSource) -> None:
    """DuckDB skips blank lines, which would shift every later record's line number; a JSON Lines file with one
    is refused, naming the line."""
    for line in _lines_starting_no_record(delivery, config):
        raise DeliveryRejected(f"{delivery.path}: line {line}: blank line between JSON records")


def _physical_lines(delivery: Delivery, config: DatasetSource) -> int:
    """How many lines the delivered file has, counted in 1 MiB steps."""
    lines, last = 0, b"\n"
    with _delivered_bytes(delivery, config) as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            lines, last = lines + block.count(b"\n"), block[-1:]
    return lines + (last != b"\n")  # a last line without its newline


def _number_by_physical_line(
    connection: duckdb.DuckDBPyConnection, delivery: Delivery, config: DatasetSource, work_table: str, first_row: int
) -> None:
    """Make `rowid + first_row` each record's physical line in the file, as the quarantine and raw name it:
    DuckDB's CSV reader gives a blank line no row and a record whose quoted value spans lines one row, so after
    either the rows' positions are not their lines. For a file with any, the text table is rebuilt with a row
    standing in for each such line, then those rows are deleted (DuckDB keeps a row's rowid when others are
    deleted, as `_read_workbook`'s footer rows are)."""
    (records,) = connection.execute(f"SELECT count(*) FROM {work_table}_text").fetchone()
    if _physical_lines(delivery, config) == first_row - 1 + records:
        return  # the usual file: one line per record (a count of newlines tells), the positions are the lines
    gaps = sorted(line - first_row for line in _lines_starting_no_record(delivery, config) if line >= first_row)
    # The records from rowid `threshold` on stand `shift` lines further down (the gaps before them). Equal
    # thresholds (gaps in a row): the last, largest shift counts. Gaps after the last record shift nothing.
    shifts = {gap - number: number + 1 for number, gap in enumerate(gaps) if gap - number < records}
    if not shifts:
        return
    gaps = gaps[: max(shifts.values())]
    connection.execute(
        f"""CREATE OR REPLACE TABLE {work_table}_lines AS
            SELECT * EXCLUDE (__position) FROM (
                SELECT t.*, t.rowid + coalesce(s.shift, 0) AS __position
                FROM {work_table}_text AS t
                ASOF LEFT JOIN (SELECT unnest(?::BIGINT[]) AS threshold, unnest(?::BIGINT[]) AS shift) AS s
                    ON t.rowid >= s.threshold
                UNION ALL BY NAME
                SELECT unnest(?::BIGINT[]) AS __position)
            ORDER BY __position""",
        [list(shifts), list(shifts.values()), gaps],
    )
    connection.execute(f"DELETE FROM {work_table}_lines WHERE rowid IN (SELECT unnest(?::BIGINT[]))", [gaps])
    connection.execute(f"DROP TABLE {work_table}_text")
    connection.execute(f"ALTER TABLE {work_table}_lines RENAME TO {work_table.rsplit('.', 1)[-1]}_text")


# Helper columns of a JSON Lines text table, dropped before normalising: each record's JSON type, and each mapped
# key path's raw JSON value (SQL NULL where the record lacks the key, JSON null where it has it empty).
_JSON_HELPERS = ("__json_type", "__json_values")


def _json_type_name(value: str) -> str:
    """SQL naming the JSON type of `value` (SQL of a JSON value) as a reason's detail says it."""
    return f"""CASE json_type({value}) WHEN 'VARCHAR' THEN 'a string' WHEN 'OBJECT' THEN 'an object'
               WHEN 'ARRAY' THEN 'an array' WHEN 'BOOLEAN' THEN 'a boolean' ELSE 'a number' END"""


def _json_type_checks(config: DatasetSource, headers: list[str]) -> list[quarantine.Check]:
    """A value of the wrong JSON type reads as NULL or as JSON text, never as the value: an object or array where
    a single value belongs; a string (a JSON object sent as text), number or array where a key path expects an
    object holding the key; a NIP sent as a number (most JSON writers keep 15-17 significant digits, so an 18-digit
    NIP may have lost its last ones). Each is a reason naming the key path and the type found. Over the text
    table's `__json_values` (one per header, in order)."""
    checks = []
    for number, header in enumerate(headers, start=1):
        value = f"__json_values[{number}]"
        for field in [field for field, mapped in config.columns.items() if mapped == header]:
            code = f"wrong_json_type:{field}"
            checks.append(quarantine.Check(
                code, field, f"json_type({value}) IN ('OBJECT', 'ARRAY')", value, "",
                detail_sql=f"{sql_literal(f'key {header} holds ')} || {_json_type_name(value)} || ', not one value'",
            ))  # fmt: skip
            parts = header.split(".")
            for depth in range(1, len(parts)):
                prefix = ".".join(parts[:depth])
                found = f"json_extract(_record, {sql_literal(_json_path(prefix))})"
                checks.append(quarantine.Check(
                    code, field, f"{value} IS NULL AND json_type({found}) NOT IN ('OBJECT', 'NULL')", found, "",
                    detail_sql=f"{sql_literal(f'key {prefix} holds ')} || {_json_type_name(found)} || "
                               f"{sql_literal(f', not an object: {header} cannot be read')}",
                ))  # fmt: skip
            if field == contract.NIP.name:
                checks.append(quarantine.Check(
                    code, field, f"json_type({value}) IN ('BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE')", value,
                    f"key {header} holds a number, not a string: a NIP sent as a number may have lost its last "
                    "digits (most JSON writers keep 15-17 significant digits); ask for it as a string",
                ))  # fmt: skip
    return checks


def _read_json_lines(
    connection: duckdb.DuckDBPyConnection, delivery: Delivery, config: DatasetSource, work_table: str
) -> int:
    """Each line one JSON object, kept whole (for the row hash) with each mapped key path pulled out as text.
    A key path that no record has is a missing column; a key present with null is a blank value. Each record is
    parsed once for all key paths."""
    _reject_future_delivery(delivery)
    _reject_blank_lines(delivery, config)
    headers = list(dict.fromkeys(config.columns.values()))
    paths = "[" + ", ".join(sql_literal(_json_path(header)) for header in headers) + "]"
    columns = ", ".join(f"__json_strings[{i}] AS {quote_identifier(h)}" for i, h in enumerate(headers, start=1))
    try:
        connection.execute(
            f"""CREATE OR REPLACE TABLE {work_table}_text AS
                SELECT _record, {columns}, __json_type, __json_values
                FROM (SELECT json::VARCHAR AS _record, json_type(json) AS __json_type,
                             json_extract(json, {paths}) AS __json_values,
                             json_extract_string(json, {paths}) AS __json_strings
                      FROM read_ndjson_objects(?, compression = ?))""",
            [str(delivery.path), config.compression],
        )
        present = ", ".join(f"count(__json_values[{i}])" for i in range(1, len(headers) + 1))
        (rows, not_object_count, *counts) = connection.execute(
            f"SELECT count(*), count_if(__json_type <> 'OBJECT'), {present} FROM {work_table}_text"
        ).fetchone()
    except duckdb.Error as error:
        reason = _malformed_json_line(delivery, config) or str(error).split("\n", 1)[0]
        raise DeliveryRejected(f"{delivery.path}: cannot be read as JSON Lines: {reason}") from None
    if rows == 0:
        raise DeliveryRejected(f"{delivery.path}: empty file (no records)")
    if not_object_count:
        not_objects = connection.execute(
            f"SELECT rowid + 1 FROM {work_table}_text WHERE __json_type <> 'OBJECT' ORDER BY rowid LIMIT 5"
        ).fetchall()
        raise DeliveryRejected(f"{delivery.path}: line(s) {[line for (line,) in not_objects]}: not a JSON object")
    by_header = dict(zip(headers, counts, strict=True))
    missing = [f"{header!r} ({field})" for field, header in config.columns.items() if by_header[header] == 0]
    if missing:
        (keys,) = connection.execute(f"SELECT json_keys(_record) FROM {work_table}_text LIMIT 1").fetchone()
        raise DeliveryRejected(f"{delivery.path}: missing key {', '.join(missing)}; the first record has {keys}")
    top_level = [key for (key,) in connection.execute(
        f"SELECT DISTINCT unnest(json_keys(_record)) FROM {work_table}_text ORDER BY 1").fetchall()]  # fmt: skip
    _reject_unknown(delivery, config, top_level, "key")
    source = f"(SELECT *, rowid + 1 AS _source_row FROM {work_table}_text)"
    quarantine.note(connection, work_table, _json_type_checks(config, headers), source)
    for helper in _JSON_HELPERS:
        connection.execute(f"ALTER TABLE {work_table}_text DROP COLUMN {helper}")
    return 1


def _malformed_json_line(delivery: Delivery, config: DatasetSource) -> str | None:
    """Where and why the first line that is not JSON fails, read line by line: DuckDB's error names the line after
    it (its count runs one ahead). None if every line parses here (DuckDB refused something else)."""
    with _delivered_bytes(delivery, config) as source:
        for number, line in enumerate(source, start=1):
            try:
                json.loads(line.rstrip(b"\r\n"))
            except UnicodeDecodeError as error:
                return f"line {number}: not UTF-8 text ({error.reason})"
            except json.JSONDecodeError as error:
                return f"line {number}: not valid JSON: {error.msg}, column {error.colno}"
    return None


def _read(
    connection: duckdb.DuckDBPyConnection, delivery: Delivery, config: DatasetSource, work_table: str, work_dir: Path
) -> int:
    """The file as text, exactly as delivered, through a native reader with the registry's dialect. Returns the
    line (or sheet row) number of the first record, so every record can be named by where it stands."""
    if config.format == "xlsx":
        return _read_workbook(connection, delivery, config, work_table)
    if config.format == "jsonl":
        return _read_json_lines(connection, delivery, config, work_table)
    columns = "{" + ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in _header(delivery, config)) + "}"
    source = _utf8_copy(delivery, config, work_dir)
    compression = config.compression if source == delivery.path else "none"  # the UTF-8 copy is plain text
    try:
        # Insertion order is preserved, so rowid is the record's position in the file (header = line 1).
        connection.execute(
            f"""CREATE OR REPLACE TABLE {work_table}_text AS
                SELECT * FROM read_csv(?, header = true, auto_detect = false, columns = {columns}, delim = ?,
                                       quote = '"', escape = '"', encoding = 'utf-8', strict_mode = true,
                                       null_padding = false, compression = ?)""",
            [str(source), config.delimiter, compression],
        )
    except duckdb.Error as error:
        raise DeliveryRejected(f"{delivery.path}: cannot be read as {config.format}: {_csv_error(error)}") from None
    finally:
        if source != delivery.path:
            source.unlink(missing_ok=True)
    _number_by_physical_line(connection, delivery, config, work_table, first_row=2)
    return 2


# What DuckDB's CSV reader says was wrong with a line, after the line's content in its error.
_CSV_PROBLEM = re.compile(
    r"Expected Number of Columns: [0-9]+ Found: [0-9]+|Value with unterminated quote found\.|"
    r"Invalid unicode \(byte sequence mismatch\) detected\. This file is not utf-8 encoded\."
)


def _csv_error(error: duckdb.Error) -> str:
    """DuckDB's CSV error as a rejection says it: where (the line) and what was wrong there, without the line's
    content (personal data stays out of audit rows and logs), which DuckDB prints between the two."""
    text = str(error)
    where, content_and_after = [*text.split("\nOriginal Line", 1), ""][:2]
    problems = _CSV_PROBLEM.findall(content_and_after)
    return where.rstrip() + (f": {problems[-1]}" if problems else "")


def _normalise(
    connection: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    config: DatasetSource,
    work_table: str,
    *,
    first_row: int,
    unchanged_scope: str | None = None,
    always: frozenset[str] = frozenset(),
) -> int:
    """Map the region's columns and values to the contract: trimmed text, typed dates, blanks as NULL. A value that
    is present but does not parse as its type is noted in the same pass (`_unparseable`), to send its record to
    quarantine with the text, never to a silent NULL. With `unchanged_scope` (SQL of row hashes that stand already,
    `_unchanged_scope`), a record holding one of them is marked `_unchanged` and only its `always` fields are typed:
    the rest would be compared with nothing and checked by no row rule. Returns how many exact duplicates of an
    earlier record it set aside."""
    # Stacked projections, so each field's text is cleaned once, parsed once, and its check reuses both (written
    # as one nested expression, DuckDB evaluated the cleaning up to five times per value).
    cleaned, parsed, projections, unparseable = [], [], [], []
    for number, field in enumerate(dataset.fields):
        name = quote_identifier(field.name)
        if field.name not in config.columns:
            projections.append(f"CAST(NULL AS {field.sql_type}) AS {name}")
            continue
        text, typed = f"__text_{number}", f"__typed_{number}"
        cleaning = _cleaned(field, config)
        if field.name not in always:
            cleaning = f"CASE WHEN NOT _unchanged THEN {cleaning} END"  # evaluated for the other rows only
        cleaned.append(f"{cleaning} AS {text}")
        parsed.append(f"{_typed(field, text, config)} AS {typed}")
        projections.append(f"{typed} AS {name}")
        if field.sql_type != "VARCHAR":
            unparseable.append(
                quarantine.Check(
                    f"unparseable:{field.name}",
                    field.name,
                    f"{text} IS NOT NULL AND {typed} IS NULL",
                    quote_identifier(config.columns[field.name]),
                    f"not {_expected(field, config)}",
                )
            )
    all_columns = [row[0] for row in connection.execute(f"DESCRIBE {work_table}_text").fetchall()]
    # Every delivered column, NULLs kept apart from empty text: only truly identical records share a hash. (A JSON
    # record as delivered holds every key already.)
    row_json = (
        "_record" if "_record" in all_columns else "to_json([" + ", ".join(map(quote_identifier, all_columns)) + "])"
    )
    hashed = f"SELECT *, rowid + {first_row} AS _source_row, md5({row_json}) AS _row_hash FROM {work_table}_text"
    if unchanged_scope:
        marked = f"""SELECT t.*, s._row_hash IS NOT NULL AS _unchanged
                     FROM ({hashed}) AS t LEFT JOIN {unchanged_scope} AS s ON t._row_hash = s._row_hash"""
    else:
        marked = f"SELECT *, false AS _unchanged FROM ({hashed})"
    unparseable_sql = quarantine.reasons_sql(unparseable)
    connection.execute(
        f"""CREATE OR REPLACE TABLE {work_table} AS
            SELECT {", ".join(projections)}, _source_row, _row_hash, _unchanged, {unparseable_sql} AS _unparseable
            FROM (SELECT *, {", ".join(parsed) or "NULL AS __none"}
                  FROM (SELECT *, {", ".join(cleaned) or "NULL AS __nothing"}
                        FROM ({marked})))"""
    )
    # Exact duplicate records are set aside before validation: they are counted, not loaded twice. The first of
    # each stays. (Finding the few repeated hashes first is much cheaper than numbering every record.)
    ((duplicates,),) = connection.execute(
        f"""DELETE FROM {work_table} AS w USING (
                SELECT _row_hash, min(_source_row) AS first_row FROM {work_table}
                GROUP BY _row_hash HAVING count(*) > 1) AS d
            WHERE w._row_hash = d._row_hash AND w._source_row <> d.first_row"""
    ).fetchall()
    quarantine.start(connection, work_table)
    quarantine.add_reasons(connection, work_table, "_unparseable")
    return duplicates


def _cleaned(field: Field, config: DatasetSource) -> str:
    """SQL for the field's delivered text: trimmed, blank as NULL, the region's values mapped to the contract's."""
    column = quote_identifier(config.columns[field.name])
    # trim() builds a new string for every value; most values have no space to trim, and DuckDB's trim removes
    # spaces only, so testing the two ends first gives the same text for about half of trim's cost.
    padded = f"{column} LIKE ' %' OR {column} LIKE '% '"
    text = f"CASE WHEN {padded} THEN nullif(trim({column}), '') ELSE nullif({column}, '') END"
    if field.strip:
        # translate deletes the characters it has no replacement for: a third of regexp_replace's cost here.
        text = f"nullif(translate({text}, {sql_literal(field.strip)}, ''), '')"
    mapping = config.values.get(field.name)
    if mapping:
        cases = " ".join(f"WHEN {sql_literal(source)} THEN {sql_literal(target)}" for source, target in mapping.items())
        text = f"CASE {text} {cases} ELSE {text} END"
    return text


def _typed(field: Field, text: str, config: DatasetSource) -> str:
    """SQL turning the field's cleaned text into its contract type; NULL where the text does not parse."""
    if field.sql_type == "VARCHAR":
        return text
    if field.sql_type == "DATE":
        return f"try_strptime({text}, {sql_literal(config.date_format)})::DATE"
    if field.sql_type == "TIMESTAMP":
        return f"try_strptime({text}, {sql_literal(config.datetime_format)})"
    if field.sql_type in {"INTEGER", "BIGINT"}:
        if config.decimal_mark == ",":
            # Dots group thousands (1.250.000,00), in threes: a dot that is a decimal point ('1250000.00', another
            # writer's habit) must not be dropped, which would multiply the value by 100.
            grouped = f"regexp_full_match({text}, '[+-]?([0-9]+|[0-9]{{1,3}}(\\.[0-9]{{3}})+)(,[0-9]+)?')"
            text = f"CASE WHEN {grouped} THEN replace(replace({text}, '.', ''), ',', '.') END"
        # Through DECIMAL so '1250000.00' is accepted, but a fraction is not silently rounded away. DECIMAL(18, 4)
        # is a plain 64-bit integer inside, several times faster than (38, 4); only longer text needs the latter.
        small, large = (f"try_cast({text} AS DECIMAL({width}, 4))" for width in (18, 38))
        number = f"CASE WHEN length({text}) <= 18 THEN {small} ELSE {large} END"
        return f"CASE WHEN {number} = trunc({number}) THEN try_cast({number} AS {field.sql_type}) END"
    return f"try_cast({text} AS {field.sql_type})"


def _expected(field: Field, config: DatasetSource) -> str:
    return {
        "DATE": f"a date in the format {config.date_format!r}",
        "TIMESTAMP": f"a time in the format {config.datetime_format!r}",
    }.get(field.sql_type, f"a {field.sql_type.lower()}")


# Before faults were told from content, a read or write error was recorded as a rejection: an operating system's
# error ("[Errno 28] No space left on device") or a DuckDB I/O error other than an undecodable compressed stream.
_FAULT_RECORDED_AS_REJECTION = re.compile(
    r"\[Errno [0-9]+\]|IO Error: (?!.*(?:gzip|zstd|compress|decod))", re.IGNORECASE
)


def _earlier_outcome(connection: duckdb.DuckDBPyConnection, delivery: Delivery, sha256: str) -> tuple[str, str] | None:
    """How this exact file ended before, if it was loaded, rejected or withdrawn: the same bytes give the same
    outcome. A failed attempt is no outcome (the next run tries again), nor is a rejection that was a fault."""
    outcome = connection.execute(
        f"""SELECT status, coalesce(error, '') FROM {AUDIT_TABLE}
            WHERE delivery_id = ? AND file_sha256 = ? AND status IN ('loaded', 'rejected', 'withdrawn')
            ORDER BY finished_at DESC LIMIT 1""",
        [delivery.delivery_id, sha256],
    ).fetchone()
    if outcome and outcome[0] == "rejected" and _FAULT_RECORDED_AS_REJECTION.search(outcome[1]):
        return None
    return outcome


def _already_done(
    connection: duckdb.DuckDBPyConnection, delivery: Delivery, config: DatasetSource, sha256: str
) -> str | None:
    """Why there is nothing to do if these bytes already loaded, or were withdrawn by the region (they stay in the
    landing area, and must not come back). Raises if they were rejected before (re-reading the same bytes would
    only repeat the rejection; a corrected file loads), or if the delivery cannot be applied yet."""
    earlier = _earlier_outcome(connection, delivery, sha256)
    if earlier and earlier[0] == "loaded":
        return "already loaded; nothing to do"
    if earlier and earlier[0] == "withdrawn":
        return f"withdrawn by the region ({earlier[1]}); a corrected file of this delivery loads"
    if earlier:
        raise DeliveryRejected(f"already rejected, unchanged since: {earlier[1]}")
    if config.delivery_kind(delivery.path.name) == "delta" and not _full_extract_loaded(connection, delivery):
        raise DeliveryWaiting(
            f"{delivery.path}: a delta, but no full extract of {delivery.region}/{delivery.dataset} dated on or "
            "before it has loaded; it waits (and is tried again each run) until one has"
        )
    return None


def _screen_records(
    connection: duckdb.DuckDBPyConnection, delivery: Delivery, dataset: Dataset, work_table: str
) -> None:
    """The record rules a suite cannot express: NIP structure, dates after the delivery (on the records not standing
    unchanged), the region's own units (on every record: the region's list may have changed since)."""
    quarantine.add_structural(connection, work_table, dataset, delivery.delivery_date, "NOT _unchanged")
    quarantine.match_units(connection, work_table, dataset, delivery.region)


def _reject_implausible_size(
    connection: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    config: DatasetSource,
    kind: str,
    received: int,
    *,
    source_file: str,
) -> None:
    """A full extract far smaller than the previous one is more likely cut off than a region that lost half its
    staff overnight: it is rejected, naming both counts, until someone looks (or lowers `min_rows_vs_previous`)."""
    if kind != "full":
        return
    previous = connection.execute(
        f"""SELECT received_rows, delivery_id FROM {AUDIT_TABLE} AS a
            WHERE region = ? AND dataset = ? AND delivery_kind = 'full' AND status = 'loaded' AND delivery_date < ?
              AND {_NOT_WITHDRAWN}
            ORDER BY delivery_date DESC, finished_at DESC LIMIT 1""",
        [delivery.region, delivery.dataset, delivery.delivery_date],
    ).fetchone()
    if previous and received < previous[0] * config.min_rows_vs_previous:
        raise DeliveryRejected(
            f"{source_file}: {received:,} records, the previous full delivery ({previous[1]}) had {previous[0]:,}: "
            f"under {config.min_rows_vs_previous:.0%} of it, the file looks cut off"
        )


# A load whose delivery the region has withdrawn since does not count.
_NOT_WITHDRAWN = f"""NOT EXISTS (SELECT 1 FROM {AUDIT_TABLE} AS w WHERE w.status = 'withdrawn'
                                 AND w.delivery_id = a.delivery_id AND w.finished_at > a.finished_at)"""


def _full_extract_loaded(connection: duckdb.DuckDBPyConnection, delivery: Delivery) -> bool:
    (found,) = connection.execute(
        f"""SELECT count(*) FROM {AUDIT_TABLE} AS a
            WHERE region = ? AND dataset = ? AND delivery_kind = 'full' AND status = 'loaded' AND delivery_date <= ?
              AND {_NOT_WITHDRAWN}""",
        [delivery.region, delivery.dataset, delivery.delivery_date],
    ).fetchone()
    return found > 0


def _audit(connection: duckdb.DuckDBPyConnection, values: dict[str, object]) -> None:
    names = ", ".join(values)
    connection.execute(
        f"INSERT INTO {AUDIT_TABLE} ({names}) VALUES ({', '.join('?' * len(values))})", list(values.values())
    )


def load_delivery(
    connection: duckdb.DuckDBPyConnection,
    delivery: Delivery,
    config: DatasetSource,
    settings: Settings,
) -> LoadResult:
    """Load one delivery; the same file again is a no-op. Raises DeliveryRejected (after auditing it) when the
    delivery as a whole fails its checks, LoadFailed (after auditing the attempt `failed`) when reading or writing
    failed for a reason outside the delivery; such an attempt is tried again on the next run."""
    dataset = DATASETS[delivery.dataset]
    sha256 = delivery.sha256()
    done = _already_done(connection, delivery, config, sha256)
    if done:
        return LoadResult(delivery, "unchanged", message=done)
    kind = config.delivery_kind(delivery.path.name)
    load_id = uuid.uuid4().hex
    started, clock = datetime.now(UTC), time.perf_counter()
    work_table = f"ingest_work.{delivery.region}_{delivery.dataset}"
    source_file = str(delivery.path.relative_to(settings.landing_dir.resolve()))
    audit = {
        "load_id": load_id,
        "region": delivery.region,
        "dataset": delivery.dataset,
        "delivery_id": delivery.delivery_id,
        "delivery_date": delivery.delivery_date,
        "source_file": source_file,
        "file_sha256": sha256,
        "delivery_kind": kind,
        "started_at": started,
    }

    def finish(status: str, **counts: object) -> None:
        _audit(
            connection,
            audit
            | counts
            | {"status": status, "finished_at": datetime.now(UTC), "duration_s": time.perf_counter() - clock},
        )

    try:
        suite, digest = delivery_suite(dataset, kind), checks_digest(dataset, config)
        unchanged_scope = _unchanged_scope(connection, dataset, delivery, changes.Load(load_id, delivery.delivery_id,
                                           delivery.delivery_date, kind, started, started), digest)  # fmt: skip
        first_row = _read(connection, delivery, config, work_table, settings.warehouse_dir / "ingest_work")
        duplicates = _normalise(
            connection, dataset, config, work_table, first_row=first_row, unchanged_scope=unchanged_scope,
            always=_typed_on_every_row(dataset, suite),
        )  # fmt: skip
        (received,) = connection.execute(f"SELECT count(*) FROM {work_table}_text").fetchone()
        distinct_rows = received - duplicates
        checks_started = time.perf_counter()
        report = _validate_delivery(
            connection, work_table, suite, settings=settings, run_id=load_id, all_rows=unchanged_scope is None
        )
        _screen_records(connection, delivery, dataset, work_table)
        checks_s = time.perf_counter() - checks_started
        _reject_broken_delivery(connection, report, config, work_table, source_file=source_file, rows=distinct_rows)
        _reject_implausible_size(connection, delivery, config, kind, received, source_file=source_file)
        load = changes.Load(load_id, delivery.delivery_id, delivery.delivery_date, kind, started, datetime.now(UTC))
        archive_path = archive(delivery, sha256, settings.archive_dir)
        faults.point("load:archived")
        connection.execute("BEGIN TRANSACTION")
        try:
            applied, restated, quarantined = _apply(
                connection, dataset, load, work_table, first_row=first_row, audit=audit, received=received,
                duplicates=duplicates,
            )  # fmt: skip
            finish("loaded", received_rows=received, loaded_rows=applied.brought, unchanged_rows=applied.unchanged,
                   ended_rows=applied.ended, quarantined_rows=quarantined, duplicate_rows=duplicates,
                   archive_path=archive_path, checks_digest=digest)  # fmt: skip
            faults.point("load:applied")  # everything written, not committed
            connection.execute("COMMIT")
            faults.point("load:committed")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    except Exception as error:
        failure = _audited_failure(error, finish, source_file)
        if failure is error:
            raise
        raise failure from error
    finally:
        _drop_work_tables(connection, work_table)
    message = f"{len(restated)} later load(s) replayed on top of it" if restated else ""
    return LoadResult(
        delivery, "loaded", received, applied.brought, quarantined, duplicates, message,
        unchanged=applied.unchanged, ended=applied.ended, checks_s=checks_s,
    )  # fmt: skip


# DuckDB reports a compressed stream it cannot decode as an "IO Error" too: that is the delivery's own content.
_CONTENT_IO_ERROR = re.compile(r"gzip|zstd|compress|decod", re.IGNORECASE)


def _fault(error: BaseException) -> BaseException | None:
    """The operating system's or storage's error behind `error` (itself, or one it was raised while handling), if
    any: a read or write that failed, a full disk, a file too large, a folder that cannot be written, DuckDB out of
    memory or temporary space. A rejection raised from one is not about the delivery, and must not stay final."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and not isinstance(cause, gzip.BadGzipFile):
            return cause
        if isinstance(cause, duckdb.OutOfMemoryException) or (
            isinstance(cause, duckdb.IOException) and not _CONTENT_IO_ERROR.search(str(cause))
        ):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _audited_failure(error: Exception, finish: Callable[..., None], source_file: str) -> Exception:
    """Audit a load that did not finish and return what to raise: a rejection (the delivery's content) or a defect
    as they are; a fault (`_fault`: the environment, not the delivery) as LoadFailed, audited `failed`, which the next
    run retries."""
    fault = _fault(error)
    if isinstance(error, DeliveryRejected) and fault is None:
        finish("rejected", error=str(error))
        return error
    reason = f"{type(fault or error).__name__}: {fault or error}"
    try:
        finish("failed", error=reason)
    except duckdb.Error as audit_error:  # the same full disk may refuse the audit row too
        reason += f" (and the audit row could not be written: {audit_error})"
    if fault is None:
        return error  # not the environment: a defect, raised with its traceback
    return LoadFailed(f"{source_file}: the load failed ({reason}); nothing of it was kept, the next run tries it again")


def _drop_work_tables(connection: duckdb.DuckDBPyConnection, work_table: str) -> None:
    """The load's scratch tables go; after a storage fault DuckDB may refuse even that, which must not hide the
    fault (the scratch database is in memory and goes with the connection)."""
    try:
        connection.execute(f"DROP TABLE IF EXISTS {work_table}")
        connection.execute(f"DROP TABLE IF EXISTS {work_table}_text")
        quarantine.drop(connection, work_table)
    except duckdb.Error:
        pass


def _apply(
    connection: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    load: changes.Load,
    work_table: str,
    *,
    first_row: int,
    audit: dict[str, object],
    received: int,
    duplicates: int,
) -> tuple[changes.Changes, dict[str, changes.Changes], int]:
    """Inside the load's transaction: the accepted records into raw as changes, the others into the quarantine,
    and every received record accounted for."""
    source_file = str(audit["source_file"])
    accepted = f"""(SELECT *, {sql_literal(source_file)} AS _source_file FROM {work_table} AS w
                    ANTI JOIN {work_table}_reasons AS q ON w._source_row = q.source_row)"""
    applied, restated = changes.apply(connection, dataset, str(audit["region"]), load, accepted)
    quarantined = quarantine.store(
        connection, work_table, first_row=first_row, metadata=audit | {"quarantined_at": audit["started_at"]}
    )
    if received != applied.brought + applied.unchanged + quarantined + duplicates:
        raise RuntimeError(
            f"{source_file}: reconciliation failed: {received} received != {applied.brought} loaded "
            f"+ {applied.unchanged} unchanged + {quarantined} quarantined + {duplicates} duplicates"
        )
    return applied, restated, quarantined


def withdraw_delivery(connection: duckdb.DuckDBPyConnection, delivery_id: str, reason: str) -> list[changes.Load]:
    """The region withdraws a delivery (sent in error): its loads leave raw's history, the loads after it are
    replayed without it, and the audit says so (status `withdrawn`, the reason in `error`). Its file stays in the
    landing area and the archive but does not load again; a corrected file of the same delivery does."""
    region, dataset_name, _ = delivery_id.split("/")
    ensure_raw_tables(connection)
    started, clock = datetime.now(UTC), time.perf_counter()
    connection.execute("BEGIN TRANSACTION")
    try:
        withdrawn, _ = changes.withdraw(connection, DATASETS[dataset_name], region, delivery_id)
        for load in withdrawn:
            connection.execute(
                f"""INSERT INTO {AUDIT_TABLE} (load_id, region, dataset, delivery_id, delivery_date, source_file,
                        file_sha256, status, error, started_at, finished_at, duration_s, delivery_kind)
                    SELECT ?, region, dataset, delivery_id, delivery_date, source_file, file_sha256, 'withdrawn', ?,
                           ?, ?, ?, delivery_kind
                    FROM {AUDIT_TABLE} WHERE load_id = ?""",
                [uuid.uuid4().hex, reason, started, datetime.now(UTC), time.perf_counter() - clock, load.load_id],
            )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return withdrawn


def _reject_broken_delivery(
    connection: duckdb.DuckDBPyConnection,
    report: ValidationReport,
    config: DatasetSource,
    work_table: str,
    *,
    source_file: str,
    rows: int,
) -> None:
    """A delivery-level check that failed (row count, columns), or more bad records than the region's tolerance,
    means the delivery is broken rather than dirty: all of it is rejected, with the checks that failed. Otherwise
    the failing records are listed for quarantine."""
    whole = [o for o in report.errors if o.spec.is_table_level and not o.failing_rows]
    if whole:
        raise DeliveryRejected(f"{source_file}: " + _report_text(whole))
    quarantine.add_failures(connection, work_table, report)
    bad = quarantine.rows(connection, work_table)
    if rows and bad / rows > config.max_quarantine_share:
        raise DeliveryRejected(
            f"{source_file}: {bad:,} of {rows:,} records fail their checks, more than the "
            f"{config.max_quarantine_share:.0%} this source tolerates; the delivery looks broken, not dirty:\n  "
            + "\n  ".join(outcome.describe() for outcome in report.errors)
        )


def _report_text(outcomes: list[ExpectationOutcome]) -> str:
    return "delivery checks failed:\n  " + "\n  ".join(outcome.describe() for outcome in outcomes)
