"""Issue 19, the bad-input table: each kind of damage a real delivery arrives with, done to a real generated sample
file of one of the five delivery styles (Langsa UTF-8 CSV, Sofifi workbooks with a title block, Sorong Windows-1252
`;` CSV, Banjarbaru JSON Lines and its API, Medan gzip full extracts and deltas) and loaded into a fresh warehouse,
with the outcome it must have: the delivery REJECTED with a message naming the file (and line or row), the record
QUARANTINED with its reason code on its own line or sheet row while the rest LOADS, a duplicate SET ASIDE and
counted, a delta WAITING for its full extract, an API answer REFUSED with nothing landed, or a harmless variant
LOADED as if it were clean. Every case also holds the audit to received = loaded + unchanged + quarantined +
duplicates, with each of those counts found in raw and the quarantine, and the delivered file left as it came.

A case whose outcome today is a silent wrong load (or a silent non-load) is marked xfail(strict=True) naming the gap.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import http.server
import io
import json
import re
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from asn_platform.core.contract import DATASETS
from asn_platform.core.settings import ApiConnection, Settings
from asn_platform.core.spreadsheet import column_letters
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.defects import damage_file
from asn_platform.generator.profiles import SAMPLE_PROFILES
from ingestion.api import ApiError, fetch_dataset
from ingestion.load import LoadResult
from ingestion.registry import DatasetSource, region_source
from ingestion.service import load_pending

# The record a value damage goes to by default (0-based): the fourth, so a wrong line count shows.
RECORD = 3
HEADCOUNT = 120  # small regions: the whole table runs in about a minute
SEED = 19
MEDAN_FULL, MEDAN_DELTA = date(2026, 10, 29), date(2026, 10, 30)


# --- the delivered file, as each style writes it ---------------------------------------------------------------


class Landed:
    """One delivered file in the test's landing area, read and written the way its region's registry entry says."""

    def __init__(self, path: Path, config: DatasetSource) -> None:
        self.path, self.config = path, config
        self.gzip = config.compression == "gzip"

    # bytes and text (decompressed)
    def content(self) -> bytes:
        return gzip.decompress(self.path.read_bytes()) if self.gzip else self.path.read_bytes()

    def write_content(self, data: bytes) -> None:
        self.path.write_bytes(gzip.compress(data, mtime=0) if self.gzip else data)

    def text(self) -> str:
        return self.content().decode(self.config.encoding)

    def write_text(self, text: str, encoding: str | None = None) -> None:
        self.write_content(text.encode(encoding or self.config.encoding))

    def lines(self) -> list[str]:
        return self.text().split("\n")

    def write_lines(self, lines: list[str]) -> None:
        self.write_text("\n".join(lines))

    # CSV
    @property
    def line_end(self) -> str:
        return "\r\n" if "\r\n" in self.text() else "\n"

    def rows(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.text(), newline=""), delimiter=self.config.delimiter))

    def write_rows(self, rows: list[list[str]], delimiter: str | None = None) -> None:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter or self.config.delimiter, lineterminator=self.line_end).writerows(rows)
        self.write_text(out.getvalue())

    # JSON Lines
    def records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.text().splitlines() if line.strip()]

    def write_records(self, records: Sequence[object]) -> None:
        self.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))

    # workbooks
    def members(self) -> dict[zipfile.ZipInfo, bytes]:
        with zipfile.ZipFile(self.path) as package:
            return {info: package.read(info.filename) for info in package.infolist()}

    def write_members(self, members: dict[zipfile.ZipInfo, bytes]) -> None:
        with zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED) as package:
            for info, content in members.items():
                package.writestr(info, content)

    def edit_part(self, name: str, edit: Callable[[str], str]) -> None:
        members = self.members()
        (info,) = [info for info in members if info.filename == name]
        members[info] = edit(members[info].decode("utf-8")).encode("utf-8")
        self.write_members(members)

    def edit_sheet(self, edit: Callable[[str], str]) -> None:
        self.edit_part(SHEET, edit)

    def sheet(self) -> str:
        (content,) = [content for info, content in self.members().items() if info.filename == SHEET]
        return content.decode("utf-8")

    @property
    def header_row(self) -> int:
        """The sheet row (1-based) of a workbook's header."""
        return self.config.header_row + 1

    def headers(self) -> list[str]:
        if self.config.format == "xlsx":
            row = re.search(rf'<row r="{self.header_row}">(.*?)</row>', self.sheet()).group(1)
            return re.findall(r"<t>([^<]*)</t>", row)
        if self.config.format == "csv":
            return self.rows()[0]
        raise AssertionError("JSON Lines has no header")

    # where a record stands
    def row_of(self, record: int) -> int:
        """The physical line (or sheet row) of the record at 0-based position `record` in a clean file."""
        return record + {"csv": 2, "jsonl": 1, "xlsx": self.header_row + 1}[self.config.format]

    def record_count(self) -> int:
        if self.config.format == "xlsx":
            rows = [int(r) for r in re.findall(r'<row r="([0-9]+)"', self.sheet())]
            return len([r for r in rows if r > self.header_row]) - self.config.footer_rows
        if self.config.format == "jsonl":
            return len(self.records())
        return len(self.rows()) - 1

    def set(self, field: str, value: object, record: int = RECORD) -> list[int]:
        """Put `value` (text as delivered; None: blank, or for JSON null; DELETE: no key at all) in `field` of the
        record; returns its line or row."""
        header = self.config.columns[field]
        if self.config.format == "csv":
            rows = self.rows()
            rows[record + 1][rows[0].index(header)] = "" if value is None else str(value)
            self.write_rows(rows)
        elif self.config.format == "jsonl":
            records = self.records()
            *parents, leaf = header.split(".")
            target = records[record]
            for part in parents:
                target = target[part]  # type: ignore[assignment]
            if value is DELETE:
                del target[leaf]
            else:
                target[leaf] = value
            self.write_records(records)
        else:
            self.set_cell(self.headers().index(header), self.row_of(record), value)
        return [self.row_of(record)]

    def set_cell(self, column: int, row: int, value: object = None, xml: str | None = None) -> None:
        """Replace a sheet cell as a writer would: text as an inline string, a number as a number, None as no
        cell; or with the cell's `xml` as given."""
        reference = f"{column_letters(column)}{row}"
        if xml is not None:
            cell = xml
        elif value is None:
            cell = ""
        elif isinstance(value, int | float):
            cell = f'<c r="{reference}"><v>{value}</v></c>'
        else:
            cell = f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'

        def edit(sheet: str) -> str:
            found = re.search(rf'<c r="{reference}"[^>]*?(?:/>|>.*?</c>)', sheet)
            if found:
                return sheet[: found.start()] + cell + sheet[found.end() :]
            # a blank cell is not written: put the new one at the end of its row (calamine reads by reference)
            return re.sub(
                rf'(<row r="{row}"[^>]*>.*?)(</row>)', lambda m: m.group(1) + cell + m.group(2), sheet, count=1
            )

        self.edit_sheet(edit)

    def value(self, field: str, record: int = RECORD) -> str:
        header = self.config.columns[field]
        if self.config.format == "csv":
            rows = self.rows()
            return rows[record + 1][rows[0].index(header)]
        if self.config.format == "jsonl":
            target: object = self.records()[record]
            for part in header.split("."):
                target = target[part]  # type: ignore[index]
            return str(target)
        reference = f"{column_letters(self.headers().index(header))}{self.row_of(record)}"
        return re.search(rf'<c r="{reference}"[^>]*>.*?<[tv]>([^<]*)</[tv]>', self.sheet()).group(1)

    # whole records
    def duplicate(self, record: int = RECORD) -> list[int]:
        """An exact copy of the record right after it; returns the copy's line."""
        if self.config.format == "jsonl":
            lines = self.text().splitlines(keepends=True)
            self.write_text("".join([*lines[: record + 1], lines[record], *lines[record + 1 :]]))
        elif self.config.format == "csv":
            rows = self.rows()
            self.write_rows([*rows[: record + 2], rows[record + 1], *rows[record + 2 :]])
        else:
            raise AssertionError("workbook rows are duplicated by duplicate_sheet_row")
        return [self.row_of(record) + 1]


DELETE = object()  # a JSON key left out
SHEET = "xl/worksheets/sheet1.xml"  # the one sheet of a sample workbook


def _nip_with(nip: str, start: int, digits: str) -> str:
    return nip[:start] + digits + nip[start + len(digits) :]


# --- outcomes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejected:
    """The whole delivery refused: the message names the file and says `fragment` (with the line or row where one
    applies); nothing of it reaches raw or the quarantine."""

    fragment: str


@dataclass(frozen=True)
class Quarantined:
    """The damaged record(s) held in raw.quarantine on their own line or row with `code`; the rest loads."""

    code: str


@dataclass(frozen=True)
class SetAside:
    """Exact copies set aside and counted as duplicates; everything else loads."""

    duplicates: int


@dataclass(frozen=True)
class Waiting:
    fragment: str


@dataclass(frozen=True)
class Loaded:
    """A harmless variant: every record loads as if the file were clean; `check` looks at what raw holds."""

    check: Callable[[Settings, Landed], None] | None = None


@dataclass(frozen=True)
class Refused:
    """An API answer the fetch refuses with an ApiError saying `fragment`; nothing lands."""

    fragment: str


Outcome = Rejected | Quarantined | SetAside | Waiting | Loaded | Refused


@dataclass(frozen=True)
class Case:
    id: str
    region: str
    dataset: str
    damage: Callable[[Landed], Sequence[int] | None]
    expect: Outcome
    added: int = 0  # records the damage adds to (or, negative, takes from) the delivery
    delivery: str = "full"  # Medan: "full"; "delta" (after its full extract); "delta only" (no full extract)
    gap: str | None = None  # a silent wrong load today: the case is xfail(strict=True) with this reason


# --- damages ---------------------------------------------------------------------------------------------------


def value(field: str, text: object, record: int = RECORD) -> Callable[[Landed], list[int]]:
    return lambda landed: landed.set(field, text, record)


def nip_digits(start: int, digits: str) -> Callable[[Landed], list[int]]:
    return lambda landed: landed.set("nip", _nip_with(landed.value("nip").replace(" ", ""), start, digits))


def header(edit: Callable[[list[str]], list[str]]) -> Callable[[Landed], None]:
    def damage(landed: Landed) -> None:
        rows = landed.rows()
        names = edit(list(rows[0]))
        landed.write_rows([names, *rows[1:]] if len(names) == len(rows[0]) else [names, *(
            [*row, ""] for row in rows[1:])])  # fmt: skip

    return damage


def rename(old: str, new: str) -> Callable[[list[str]], list[str]]:
    return lambda names: [new if name == old else name for name in names]


def extra_column(name: str) -> Callable[[Landed], None]:
    def damage(landed: Landed) -> None:
        rows = landed.rows()
        landed.write_rows([[*rows[0], name], *([*row, "x"] for row in rows[1:])])

    return damage


def drop_column(name: str) -> Callable[[Landed], None]:
    def damage(landed: Landed) -> None:
        rows = landed.rows()
        at = rows[0].index(name)
        landed.write_rows([[*row[:at], *row[at + 1 :]] for row in rows])

    return damage


def file_defect(kind: str) -> Callable[[Landed], list[int]]:
    """The generator's own file defects (defects.py): cut, emptied, re-encoded; the line it names, if any."""

    def damage(landed: Landed) -> list[int]:
        done = damage_file(landed.path, kind, np.random.default_rng(SEED), encoding=landed.config.encoding)
        return [int(line) for line in re.findall(r"in line ([0-9]+)", done)]

    return damage


def text_edit(edit: Callable[[str], str]) -> Callable[[Landed], None]:
    return lambda landed: landed.write_text(edit(landed.text()))


def line_edit(line: int, edit: Callable[[str], str]) -> Callable[[Landed], list[int]]:
    """Edit physical line `line` (1-based) of a text file (its line end kept); returns it."""

    def damage(landed: Landed) -> list[int]:
        lines = landed.text().split("\n")
        ending = "\r" if lines[line - 1].endswith("\r") else ""
        lines[line - 1] = edit(lines[line - 1].removesuffix("\r")) + ending
        landed.write_text("\n".join(lines))
        return [line]

    return damage


def with_blank_line_then(then: Callable[[Landed], list[int]]) -> Callable[[Landed], list[int]]:
    """A blank line after line 3, then `then`'s damage on a record below it: that record's line moves down one."""

    def damage(landed: Landed) -> list[int]:
        (row,) = then(landed)
        lines = landed.text().split("\n")
        blank = "\r" if lines[0].endswith("\r") else ""
        landed.write_text("\n".join([*lines[:3], blank, *lines[3:]]))
        return [row + 1]

    return damage


def quoted_newline_then(field: str, then: Callable[[Landed], list[int]]) -> Callable[[Landed], list[int]]:
    """The second record's `field` holds a line break (quoted, as a CSV writer writes it), then `then`'s damage
    below it: that record starts one physical line further down."""

    def damage(landed: Landed) -> list[int]:
        (row,) = then(landed)
        text = landed.value(field, 1)
        landed.set(field, text.replace(" ", "\n", 1), 1)
        return [row + 1]

    return damage


def same_key_twice(field: str, other: str, new_value: str) -> Callable[[Landed], list[int]]:
    """The record again right after it, with another value in `other`: one key, two versions."""

    def damage(landed: Landed) -> list[int]:
        (copy,) = landed.duplicate()
        landed.set(other, new_value, RECORD + 1)
        return [copy - 1, copy]

    return damage


def swap_gzip(edit: Callable[[bytes], bytes]) -> Callable[[Landed], None]:
    def damage(landed: Landed) -> None:
        landed.path.write_bytes(edit(landed.path.read_bytes()))

    return damage


def duplicate_sheet_row(landed: Landed) -> list[int]:
    """A workbook record copied onto a new row right after it; the rows below move down one."""
    row = landed.row_of(RECORD)

    def edit(sheet: str) -> str:
        def moved(match: re.Match[str]) -> str:
            number = int(match.group(1))
            if number <= row:
                return match.group(0)
            return re.sub(r'r="([A-Z]+)?([0-9]+)"', lambda m: f'r="{m.group(1) or ""}{int(m.group(2)) + 1}"',
                          match.group(0))  # fmt: skip

        shifted = re.sub(r'<row r="([0-9]+)".*?</row>', moved, sheet)
        original = re.search(rf'<row r="{row}".*?</row>', shifted).group(0)
        copy = re.sub(r'r="([A-Z]+)?([0-9]+)"', lambda m: f'r="{m.group(1) or ""}{row + 1}"', original)
        return shifted.replace(original, original + copy, 1)

    landed.edit_sheet(edit)
    return [row + 1]


def sheet_header_edit(edit: Callable[[str], str]) -> Callable[[Landed], None]:
    """Edit the workbook's header row XML."""

    def damage(landed: Landed) -> None:
        landed.edit_sheet(
            lambda sheet: re.sub(rf'<row r="{landed.header_row}">.*?</row>', lambda m: edit(m.group(0)), sheet, count=1)
        )

    return damage


def shift_title_block(landed: Landed) -> None:
    """Another title line inserted above the header: every row from the header down moves one lower."""

    def edit(sheet: str) -> str:
        return re.sub(r'r="([A-Z]+)?([0-9]+)"', lambda m: f'r="{m.group(1) or ""}{int(m.group(2)) + 1}"'
                      if int(m.group(2)) >= 3 else m.group(0), sheet)  # fmt: skip

    landed.edit_sheet(edit)


def merge_header_cells(landed: Landed) -> None:
    """'Jenis Kelamin' and 'Jenis ASN' merged into one header cell, as a printed layout does: the second is blank."""

    def edit(sheet: str) -> str:
        row = landed.header_row
        sheet = re.sub(rf'<c r="E{row}"[^>]*>.*?</c>', "", sheet, count=1)
        return sheet.replace("</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="D{row}:E{row}"/>'
                             "</mergeCells>", 1)  # fmt: skip

    landed.edit_sheet(edit)


def drop_totals_row(landed: Landed) -> None:
    landed.edit_sheet(lambda sheet: re.sub(r'<row r="[0-9]+"><c r="A[0-9]+" t="inlineStr"><is><t>JUMLAH</t>.*?</row>',
                                           "", sheet))  # fmt: skip


def rename_sheet(landed: Landed) -> None:
    landed.edit_part("xl/workbook.xml", lambda xml: xml.replace('name="Pegawai"', 'name="Sheet1"'))


def cell(field: str, xml: Callable[[str], str] | float) -> Callable[[Landed], list[int]]:
    """The record's cell of `field` written as another program writes it: a number, or the XML `xml` makes for the
    cell reference (a formula, an error)."""

    def damage(landed: Landed) -> list[int]:
        row = landed.row_of(RECORD)
        column = landed.headers().index(landed.config.columns[field])
        if callable(xml):
            landed.set_cell(column, row, xml=xml(f"{column_letters(column)}{row}"))
        else:
            landed.set_cell(column, row, xml)
        return [row]

    return damage


def formula_without_value(reference: str) -> str:
    return f'<c r="{reference}"><f>SUM(J2:J3)</f></c>'  # saved by a program that does not calculate: no <v>


def error_value(reference: str) -> str:
    return f'<c r="{reference}" t="e"><v>#REF!</v></c>'


def json_line(edit: Callable[[dict[str, object]], object], record: int = RECORD) -> Callable[[Landed], list[int]]:
    """Replace a JSON Lines record by what `edit` makes of it (any JSON value, or raw text if it returns bytes)."""

    def damage(landed: Landed) -> list[int]:
        lines = landed.text().splitlines()
        made = edit(json.loads(lines[record]))
        lines[record] = made.decode() if isinstance(made, bytes) else json.dumps(made)
        landed.write_text("\n".join(lines) + "\n")
        return [landed.row_of(record)]

    return damage


def json_in_cp1252(landed: Landed) -> list[int]:
    """A name with an accent, and the file written in Windows-1252 instead of UTF-8."""
    rows = landed.set("full_name", "André Rumbewas")
    landed.write_text(landed.text(), "cp1252")
    return rows


def nested(path: str, value: object) -> Callable[[dict[str, object]], dict[str, object]]:
    def edit(record: dict[str, object]) -> dict[str, object]:
        *parents, leaf = path.split(".")
        target = record
        for part in parents:
            target = target[part]  # type: ignore[assignment]
        if value is DELETE:
            del target[leaf]
        else:
            target[leaf] = value
        return record

    return edit


def move_to_folder(name: str) -> Callable[[Landed], None]:
    """The delivery moved into the landing folder `name` (a delivery's date), its file name unchanged."""

    def damage(landed: Landed) -> None:
        folder = landed.path.parent.with_name(name)
        folder.mkdir()
        landed.path = landed.path.rename(folder / landed.path.name)
        for emptied in landed.path.parent.parent.iterdir():
            if emptied.is_dir() and not any(emptied.iterdir()):
                emptied.rmdir()

    return damage


def rename_file(name: str) -> Callable[[Landed], None]:
    def damage(landed: Landed) -> None:
        landed.path = landed.path.rename(landed.path.with_name(name))

    return damage


def shrink_to_a_later_full_extract(landed: Landed) -> None:
    """A second monthly extract, a week later, holding a third of the records: cut off on the way."""
    rows = landed.rows()
    later = landed.path.parent.with_name("2026-11-08") / landed.path.name.replace("20261101", "20261108")
    later.parent.mkdir()
    shutil.copy(landed.path, later)
    landed.path = later
    landed.write_rows(rows[: len(rows) // 3])


# --- checks of harmless variants --------------------------------------------------------------------------------


def raw_value(settings: Settings, dataset: str, column: str, row: int) -> object:
    with connect(settings=settings, read_only=True) as connection:
        (found,) = connection.execute(f"SELECT {column} FROM raw.{dataset} WHERE _source_row = ?", [row]).fetchone()
    return found


def loads_as(dataset: str, column: str, expected: object, record: int = RECORD) -> Callable[[Settings, Landed], None]:
    def check(settings: Settings, landed: Landed) -> None:
        assert raw_value(settings, dataset, column, landed.row_of(record)) == expected

    return check


def nip_as_digits(settings: Settings, landed: Landed) -> None:
    """The NIP as delivered, spaces and all, loads as its 18 digits."""
    assert raw_value(settings, "personnel", "nip", landed.row_of(RECORD)) == landed.value("nip").replace(" ", "")


def every_status_mapped(settings: Settings, landed: Landed) -> None:
    """The last column's values (a line end left on them would not map) all became contract codes."""
    with connect(settings=settings, read_only=True) as connection:
        statuses = {status for (status,) in connection.execute("SELECT DISTINCT status FROM raw.personnel").fetchall()}
    assert statuses <= {"active", "retired", "transferred_out", "deceased"}


# --- the table ---------------------------------------------------------------------------------------------------

# fmt: off
CASES: list[Case] = [
    # whole files
    Case("empty-file", "langsa", "personnel", file_defect("empty_file"), Rejected("empty file (no header line)")),
    Case("header-only", "langsa", "training", lambda f: f.write_rows(f.rows()[:1]),
         Rejected("expect_table_row_count_to_be_between"), added=-1),
    Case("cut-off-mid-record", "langsa", "complaints", file_defect("truncated_file"),
         Rejected("cannot be read as csv")),
    Case("shrunk-full-extract", "langsa", "personnel", shrink_to_a_later_full_extract,
         Rejected("the file looks cut off")),
    Case("file-name-matches-no-pattern", "langsa", "personnel", rename_file("pegawai_langsa_nov.csv"),
         Rejected("matches no file pattern"),
         gap="a file in a delivery folder that matches no file_pattern is ignored without a word"),
    # columns
    Case("missing-column", "sorong", "personnel", drop_column("Kode OPD"),
         Rejected("missing column 'Kode OPD' (unit_code)")),
    Case("renamed-column", "langsa", "complaints", header(rename("kanal", "kanal_pengaduan")),
         Rejected("missing column 'kanal' (channel)")),
    Case("extra-column", "sorong", "training", extra_column("Keterangan"),
         Rejected("unexpected column(s) ['Keterangan']")),
    Case("duplicated-column", "langsa", "survey_responses", header(rename("saran", "umur")),
         Rejected("line 1: column(s) ['umur'] appear more than once")),
    Case("header-case-changed", "langsa", "units", header(lambda names: [name.upper() for name in names]),
         Rejected("missing column 'region' (region)")),
    Case("header-with-spaces", "langsa", "services", header(lambda names: [f" {name} " for name in names]),
         Loaded()),
    Case("trailing-delimiter-every-line", "langsa", "personnel", text_edit(lambda t: t.replace("\n", ",\n")),
         Rejected("unexpected column(s) ['']")),
    Case("empty-trailing-field-on-one-line", "langsa", "training", line_edit(5, lambda line: line + ","), Loaded()),
    Case("extra-field-on-one-line", "langsa", "training", line_edit(5, lambda line: line + ",lebih"),
         Rejected("Expected Number of Columns: 13 Found: 14")),
    Case("field-missing-on-one-line", "sorong", "complaints", line_edit(5, lambda line: line.rsplit(";", 1)[0]),
         Rejected("Expected Number of Columns: 8 Found: 7")),
    # dialect
    Case("wrong-delimiter", "langsa", "personnel", lambda f: f.write_rows(f.rows(), delimiter=";"),
         Rejected("missing column 'nip' (nip)")),
    Case("wrong-delimiter-gzip", "medan", "complaints", lambda f: f.write_rows(f.rows(), delimiter=","),
         Rejected("missing column 'no_tiket' (complaint_id)")),
    Case("cp1252-to-a-utf8-region", "langsa", "personnel", file_defect("wrong_encoding"),
         Rejected("Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.")),
    Case("utf8-to-a-cp1252-region", "sorong", "personnel", lambda f: f.write_text(f.text(), "utf-8"),
         Rejected("UTF-8 text, but ingestion/sources/sorong.yml says personnel comes as cp1252")),
    Case("utf16-file", "langsa", "complaints", lambda f: f.write_text(f.text(), "utf-16"),
         Rejected("line 1: not utf-8 text")),
    Case("utf8-byte-order-mark", "langsa", "personnel", lambda f: f.write_content(codecs.BOM_UTF8 + f.content()),
         Loaded(every_status_mapped)),
    Case("crlf-in-an-lf-region", "langsa", "personnel", text_edit(lambda t: t.replace("\n", "\r\n")),
         Loaded(every_status_mapped)),
    Case("lf-in-a-crlf-region", "sorong", "personnel", text_edit(lambda t: t.replace("\r\n", "\n")),
         Loaded(every_status_mapped)),
    Case("unbalanced-quote", "langsa", "training", line_edit(5, lambda line: line.replace(",", ',"', 1)),
         Rejected("Value with unterminated quote found.")),
    Case("quoted-line-break-then-bad-record", "langsa", "training",
         quoted_newline_then("course_title", value("jp", "-4")), Quarantined("out_of_range:jp")),
    Case("blank-line-then-bad-record", "sorong", "personnel", with_blank_line_then(value("gender", "X")),
         Quarantined("not_allowed:gender")),
    # compression
    Case("truncated-gzip", "medan", "personnel", file_defect("truncated_file"),
         Rejected("Unexpected end of GZIP stream")),
    Case("not-gzip-under-a-gz-name", "medan", "training", swap_gzip(gzip.decompress),
         Rejected("not a readable gzip file")),
    Case("zero-byte-gzip", "medan", "complaints", swap_gzip(lambda _: b""), Rejected("empty file (no header line)")),
    Case("gzip-of-nothing", "medan", "survey_responses", swap_gzip(lambda _: gzip.compress(b"")),
         Rejected("empty file (no header line)")),
    Case("gzip-twice", "medan", "personnel", swap_gzip(gzip.compress), Rejected("line 1: not utf-8 text")),
    # workbooks
    Case("workbook-cut-off", "sofifi", "personnel", file_defect("truncated_file"), Rejected("cannot be read as xlsx")),
    Case("csv-under-an-xlsx-name", "sofifi", "training", lambda f: f.write_content(b"NIP,Nama\n1,2\n"),
         Rejected("cannot be read as xlsx")),
    Case("wrong-sheet-name", "sofifi", "personnel", rename_sheet, Rejected("Pegawai")),
    Case("title-block-shifted", "sofifi", "complaints", shift_title_block, Rejected("missing column")),
    Case("merged-header-cells", "sofifi", "personnel", merge_header_cells,
         Rejected("missing column 'Jenis ASN' (employment_type)")),
    Case("totals-row-missing", "sofifi", "survey_responses", drop_totals_row,
         Rejected("expected 1 totals row(s) at the end matching '^JUMLAH$'")),
    Case("workbook-duplicate-row", "sofifi", "training", duplicate_sheet_row, SetAside(1), added=1),
    Case("nip-as-excel-number", "sofifi", "training", cell("nip", 1.98503122010011e17),
         Quarantined("invalid_nip:number_cell")),
    Case("jp-as-text-cell", "sofifi", "training", lambda f: f.set("jp", f.value("jp")), Loaded()),
    Case("date-as-text-cell", "sofifi", "personnel", value("birth_date", "12/03/1985"),
         Quarantined("unparseable:birth_date")),
    Case("date-as-plain-number", "sofifi", "complaints", cell("received_at", 45600.5),
         Quarantined("unparseable:received_at")),
    Case("formula-without-value", "sofifi", "training", cell("cost_idr", formula_without_value),
         Quarantined("formula_without_value:cost_idr")),
    Case("error-cell", "sofifi", "personnel", cell("unit_name", error_value), Quarantined("cell_error:unit_name")),
    # dates
    Case("date-in-another-format", "langsa", "personnel", value("birth_date", "12/03/1985"),
         Quarantined("unparseable:birth_date")),
    Case("february-30", "langsa", "training", value("start_date", "2025-02-30"), Quarantined("unparseable:start_date")),
    Case("iso-date-in-a-day-first-region", "sorong", "survey_responses", value("response_date", "2026-03-12"),
         Quarantined("unparseable:response_date")),
    Case("month-first-date", "sorong", "training", value("end_date", "12/25/2025"),
         Quarantined("unparseable:end_date")),
    Case("date-with-dashes-in-a-compact-region", "medan", "training", value("start_date", "2025-03-12"),
         Quarantined("unparseable:start_date")),
    Case("timestamp-without-time", "medan", "complaints", value("received_at", "20250312"),
         Quarantined("unparseable:received_at")),
    Case("future-date", "langsa", "complaints", value("received_at", "2027-01-05 10:00:00"),
         Quarantined("future_date:received_at")),
    Case("far-past-date", "langsa", "survey_responses", value("response_date", "1901-01-01"),
         Quarantined("out_of_range:response_date"),
         gap="a survey answered in 1901 loads: dates have no lower bound"),
    Case("two-digit-year", "sorong", "training", value("start_date", "05/03/25"), Quarantined("unparseable:start_date"),
         gap="'05/03/25' parses as the year 25 under %Y and loads (end after start, not in the future)"),
    Case("end-before-start", "langsa", "training", value("end_date", "2023-01-01"),
         Quarantined("out_of_order:end_date<start_date")),
    Case("resolved-before-received", "medan", "complaints", value("resolved_at", "20240101000000"),
         Quarantined("out_of_order:resolved_at<received_at")),
    Case("delivery-dated-in-the-future", "langsa", "units", move_to_folder("2099-01-01"), Rejected("after today")),
    # NIPs
    Case("nip-too-short", "langsa", "personnel", value("nip", "19850312201001100"), Quarantined("bad_format:nip")),
    Case("nip-too-long", "medan", "personnel", value("nip", "1985031220100110012"), Quarantined("bad_format:nip")),
    Case("nip-with-letters", "langsa", "training", nip_digits(3, "O"), Quarantined("bad_format:nip")),
    Case("nip-with-dots", "banjarbaru", "personnel", value("nip", "19850312.201001.1.001"),
         Quarantined("bad_format:nip")),
    Case("nip-printed-with-spaces", "langsa", "personnel",
         lambda f: f.set("nip", re.sub(r"^(.{8})(.{6})(.)", r"\1 \2 \3 ", f.value("nip"))), Loaded(nip_as_digits)),
    Case("nip-with-excel-apostrophe", "langsa", "training", value("nip", "'198503122010011001"),
         Loaded(loads_as("training", "nip", "198503122010011001"))),
    Case("nip-in-decimal-comma-scientific-notation", "sorong", "personnel", value("nip", "1,98503E+17"),
         Quarantined("bad_format:nip")),
    Case("nip-scientific-notation-dot", "langsa", "personnel", value("nip", "1.98503E+17"),
         Quarantined("invalid_nip:scientific_notation")),
    Case("nip-gender-digit-impossible", "langsa", "personnel", nip_digits(14, "7"), Quarantined("invalid_nip:gender")),
    Case("nip-birth-month-13", "sorong", "personnel", nip_digits(4, "13"), Quarantined("invalid_nip:birth_date")),
    Case("nip-appointment-month-00", "medan", "personnel", nip_digits(12, "00"),
         Quarantined("invalid_nip:appointment")),
    Case("nip-disagrees-with-birth-date", "banjarbaru", "personnel", nip_digits(0, "1950"),
         Quarantined("nip_mismatch:birth_date")),
    Case("nip-disagrees-with-sex", "sofifi", "personnel",
         lambda f: f.set("gender", "Perempuan" if f.value("gender") == "Laki-laki" else "Laki-laki"),
         Quarantined("nip_mismatch:gender")),
    Case("nip-blank", "langsa", "personnel", value("nip", None), Quarantined("missing:nip")),
    Case("nip-as-json-number", "banjarbaru", "training", lambda f: f.set("nip", int(f.value("nip"))),
         Quarantined("wrong_json_type:nip")),
    # numbers
    Case("jp-negative", "langsa", "training", value("jp", "-8"), Quarantined("out_of_range:jp")),
    Case("jp-zero", "medan", "training", value("jp", "0"), Quarantined("out_of_range:jp")),
    Case("jp-fractional", "langsa", "training", value("jp", "2.5"), Quarantined("unparseable:jp")),
    Case("jp-with-unit", "sorong", "training", value("jp", "24 JP"), Quarantined("unparseable:jp")),
    Case("jp-implausibly-large", "banjarbaru", "training", value("jp", 5000), Quarantined("out_of_range:jp")),
    Case("cost-dot-thousands-in-a-dot-decimal-region", "langsa", "training", value("cost_idr", "1.250.000"),
         Quarantined("unparseable:cost_idr")),
    Case("cost-comma-thousands-in-a-comma-decimal-region", "sorong", "training", value("cost_idr", "1,250,000"),
         Quarantined("unparseable:cost_idr")),
    Case("cost-dot-decimal-in-a-comma-decimal-region", "sorong", "training", value("cost_idr", "1250000.00"),
         Quarantined("unparseable:cost_idr")),
    Case("cost-one-thousands-group", "langsa", "training", value("cost_idr", "250.000"),
         Quarantined("unparseable:cost_idr"),
         gap="'250.000' (Indonesian for 250 thousand) in a decimal-point region loads as 250 rupiah"),
    Case("cost-with-currency", "sorong", "training", value("cost_idr", "Rp 1.250.000"),
         Quarantined("unparseable:cost_idr")),
    Case("cost-negative", "langsa", "training", value("cost_idr", "-500000"), Quarantined("out_of_range:cost_idr")),
    Case("score-above-scale", "langsa", "survey_responses", value("score_waktu", "5"),
         Quarantined("out_of_range:score_waktu")),
    Case("score-zero", "medan", "survey_responses", value("score_biaya", "0"), Quarantined("out_of_range:score_biaya")),
    Case("score-as-word", "sorong", "survey_responses", value("score_sarana", "Baik"),
         Quarantined("unparseable:score_sarana")),
    Case("score-blank", "sofifi", "survey_responses", value("score_produk", None), Quarantined("missing:score_produk")),
    Case("volume-negative", "langsa", "services", value("yearly_volume", "-10"),
         Quarantined("out_of_range:yearly_volume")),
    # coded values
    Case("gender-unknown", "langsa", "personnel", value("gender", "X"), Quarantined("not_allowed:gender")),
    Case("gender-lower-case", "medan", "personnel", value("gender", "l"), Quarantined("not_allowed:gender")),
    Case("status-unknown", "sorong", "personnel", value("status", "Cuti"), Quarantined("not_allowed:status")),
    Case("employment-type-unknown", "banjarbaru", "personnel", value("employment_type", "HONORER"),
         Quarantined("not_allowed:employment_type")),
    Case("golongan-that-does-not-exist", "langsa", "personnel", value("golongan", "III/e"),
         Quarantined("not_allowed:golongan")),
    Case("channel-unknown", "langsa", "complaints", value("channel", "Telepon"), Quarantined("not_allowed:channel")),
    Case("training-category-unknown", "medan", "training", value("category", "Magang"),
         Quarantined("not_allowed:category")),
    Case("topic-list-with-unknown-topic", "langsa", "training", value("topic_tags", "digital_ict;astrology"),
         Quarantined("bad_format:topic_tags")),
    Case("boolean-unknown", "sorong", "personnel", value("oap_status", "Mungkin"),
         Quarantined("unparseable:oap_status")),
    Case("sector-unknown", "sorong", "units", value("sector", "space"), Quarantined("not_allowed:sector")),
    Case("unknown-unit", "langsa", "personnel", value("unit_code", "LGS-NOWHERE"),
         Quarantined("unknown_unit:unit_code")),
    Case("unknown-unit-in-complaints", "medan", "complaints", value("unit_code", "9999999"),
         Quarantined("unknown_unit:unit_code")),
    Case("units-list-naming-another-region", "langsa", "units", value("region", "sorong"),
         Quarantined("not_allowed:region"),
         gap="a unit list row naming another region than the delivering one loads as it is"),
    # blanks, duplicates, keys
    Case("required-field-blank", "sorong", "complaints", value("category", None), Quarantined("missing:category")),
    Case("whitespace-only-value", "langsa", "personnel", value("full_name", "   "), Quarantined("missing:full_name")),
    Case("tab-only-value", "langsa", "complaints", value("category", "\t"), Quarantined("missing:category"),
         gap="a value of only a tab (or a no-break space) is not blank to the loader: it loads as the text"),
    Case("exact-duplicate-row", "langsa", "training", lambda f: f.duplicate(), SetAside(1), added=1),
    Case("exact-duplicate-json-line", "banjarbaru", "personnel", lambda f: f.duplicate(), SetAside(1), added=1),
    Case("same-nip-twice-different-name", "langsa", "personnel", same_key_twice("nip", "full_name", "Nama Lain"),
         Quarantined("duplicate_key:nip"), added=1),
    Case("same-complaint-twice-different-status", "sorong", "complaints",
         same_key_twice("complaint_id", "status", "Diproses"), Quarantined("duplicate_key:complaint_id"), added=1),
    Case("same-unit-twice-different-name", "medan", "units", same_key_twice("unit_code", "unit_name", "Dinas Lain"),
         Quarantined("duplicate_key:unit_code"), added=1),
    Case("same-service-twice-different-volume", "sofifi", "services",
         same_key_twice("service_name", "yearly_volume", "7"),
         Quarantined("duplicate_key:unit_code<service_name"), added=1),
    Case("mostly-bad-records", "langsa", "complaints",
         lambda f: f.write_rows([f.rows()[0], *([*row[:2], "Telepon", *row[3:]] for row in f.rows()[1:])]),
         Rejected("fail their checks, more than the 50% this source tolerates")),
    # JSON Lines
    Case("json-line-not-an-object", "banjarbaru", "personnel", json_line(lambda r: [r]),
         Rejected(f"line(s) [{RECORD + 1}]: not a JSON object")),
    Case("json-line-cut-off", "banjarbaru", "training", json_line(lambda r: json.dumps(r)[:40].encode()),
         Rejected("not valid JSON: Unterminated string")),
    Case("json-blank-line", "banjarbaru", "personnel", lambda f: [line_edit(3, lambda line: line + "\n")(f)[0] + 1],
         Rejected("line 4: blank line between JSON records")),
    Case("json-unknown-key", "banjarbaru", "training", lambda f: json_line(lambda r: {**r, "catatan": "x"})(f) and None,
         Rejected("unexpected key(s) ['catatan']")),
    Case("json-nested-path-missing", "banjarbaru", "personnel", json_line(nested("jabatan.nama", DELETE)),
         Quarantined("missing:position_title")),
    Case("json-parent-sent-as-string", "banjarbaru", "personnel",
         json_line(lambda r: {**r, "unor": json.dumps(r["unor"])}), Quarantined("wrong_json_type:unit_code")),
    Case("json-object-where-a-value-belongs", "banjarbaru", "training", json_line(lambda r: {**r, "jp": {"nilai": 8}}),
         Quarantined("wrong_json_type:jp")),
    Case("json-null-required", "banjarbaru", "personnel", json_line(nested("nama", None)),
         Quarantined("missing:full_name")),
    Case("json-number-as-word", "banjarbaru", "training", json_line(lambda r: {**r, "jp": "delapan"}),
         Quarantined("unparseable:jp")),
    Case("json-key-missing-in-every-record", "banjarbaru", "training",
         lambda f: f.write_records([{k: v for k, v in r.items() if k != "hasil"} for r in f.records()]),
         Rejected("missing key 'hasil' (result)")),
    Case("json-pretty-printed-array", "banjarbaru", "personnel",
         lambda f: f.write_text(json.dumps(f.records(), indent=2)), Rejected("line 1: not valid JSON")),
    Case("json-in-cp1252", "banjarbaru", "personnel", json_in_cp1252, Rejected("not UTF-8 text")),
    Case("json-duplicate-key", "banjarbaru", "complaints",
         json_line(lambda r: json.dumps(r)[:-1].encode() + b', "status": "OPEN"}'), Quarantined("duplicate_json_key"),
         gap="a JSON record holding one key twice loads one of the two values without a word"),
    Case("api-record-not-an-object", "banjarbaru", "survey_responses", json_line(lambda r: "a string"),
         Rejected(f"line(s) [{RECORD + 1}]: not a JSON object")),
    # deltas
    Case("delta-before-any-full-extract", "medan", "personnel", lambda f: None,
         Waiting("a delta, but no full extract of medan/personnel"), delivery="delta only"),
    Case("delta-after-a-rejected-full-extract", "medan", "training",
         lambda f: f.path.parent.parent.joinpath(MEDAN_FULL.isoformat()).joinpath(
             "medan_diklat_full_20261029.csv.gz").write_bytes(b"not gzip"),
         Waiting("a delta, but no full extract of medan/training"), delivery="delta"),
    Case("delta-with-a-bad-record", "medan", "survey_responses", value("score_waktu", "9", record=0),
         Quarantined("out_of_range:score_waktu"), delivery="delta"),
    Case("delta-with-a-duplicate-row", "medan", "survey_responses", lambda f: f.duplicate(0), SetAside(1), added=1,
         delivery="delta"),
    Case("delta-in-another-days-folder", "medan", "personnel", move_to_folder("2026-10-31"),
         Rejected("its file name says 2026-10-30"), delivery="delta",
         gap="a delta whose file name's date disagrees with its folder loads under the folder's date"),
    Case("delivery-folder-not-a-date", "langsa", "units", move_to_folder("2026-02-30"), Rejected("not a real date"),
         gap="a delivery folder named like a date that is no date stops the region's whole load with an error "
             "(RegistryError), instead of rejecting that delivery"),
]

# API answers the fetch refuses, served by a stand-in on 127.0.0.1: (status, content type, body)
API_CASES: list[tuple[str, int, str, bytes, str]] = [
    ("api-html-error-page", 200, "text/html", b"<html>Maintenance</html>", "answered 200 with invalid JSON"),
    ("api-not-found-page", 404, "text/html", b"<html>Not Found</html>", "404 Not Found"),
    ("api-json-without-data", 200, "application/json", b'{"error": "quota exceeded"}', "answer has no 'data' list"),
    ("api-data-not-a-list", 200, "application/json", b'{"data": {"id": 1}}', "answer has no 'data' list"),
    ("api-server-error-every-time", 503, "text/plain", b"unavailable", "gave up after 6 attempts (last: 503"),
]
# fmt: on


# --- running a case -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every region's sample deliveries, small, generated once; each case copies the file it damages."""
    root = tmp_path_factory.mktemp("bad-inputs-sample")
    small = [dataclasses.replace(profile, headcount=HEADCOUNT) for profile in SAMPLE_PROFILES]
    generate_sample(root / "landing", SEED, profiles=small, api_dir=root / "api")
    return root


def _copy(source: Path, landing: Path, relative: str) -> Path:
    target = landing / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


def _land(case: Case, sample: Path, settings: Settings) -> Path:
    """Copy the case's delivery (and, for Medan's deltas, the full extract it needs) into the landing area;
    returns the file to damage. An API dataset is landed as a fetch lands it."""
    landing, source = settings.landing_dir, sample / "landing" / case.region / case.dataset
    if not source.exists():  # served by the API: landed as the fetch of the sample's day
        name = f"{case.dataset}_20261101.jsonl"
        return _copy(sample / "api" / case.region / f"{case.dataset}.jsonl", landing,
                     f"{case.region}/{case.dataset}/2026-11-01/{name}")  # fmt: skip
    folders = sorted(source.iterdir())
    if case.region == "medan" and case.dataset not in {"units", "services"}:
        full, delta = folders[0], folders[1]
        assert (date.fromisoformat(full.name), date.fromisoformat(delta.name)) == (MEDAN_FULL, MEDAN_DELTA)
        if case.delivery != "delta only":
            (file,) = full.iterdir()
            landed = _copy(file, landing, f"medan/{case.dataset}/{full.name}/{file.name}")
        if case.delivery == "full":
            return landed
        (file,) = delta.iterdir()
        return _copy(file, landing, f"medan/{case.dataset}/{delta.name}/{file.name}")
    (folder,) = folders
    (file,) = folder.iterdir()
    return _copy(file, landing, f"{case.region}/{case.dataset}/{folder.name}/{file.name}")


def _load(settings: Settings, case: Case, sample: Path) -> list[LoadResult]:
    """The region's unit list first (so units are matched, as in a real run), then the case's dataset."""
    if not DATASETS[case.dataset].reference:
        (units,) = (sample / "landing" / case.region / "units").iterdir()
        (file,) = units.iterdir()
        _copy(file, settings.landing_dir, f"{case.region}/units/{units.name}/{file.name}")
        (loaded,) = load_pending(settings, case.region, "units")
        assert loaded.status == "loaded", loaded.message
    return load_pending(settings, case.region, case.dataset)


def _counts(settings: Settings) -> list[tuple[object, ...]]:
    with connect(settings=settings, read_only=True) as connection:
        return connection.execute(
            """SELECT load_id, dataset, source_file, status, received_rows, loaded_rows, unchanged_rows,
                      quarantined_rows, duplicate_rows, error FROM raw.load_audit ORDER BY finished_at"""
        ).fetchall()


def _assert_reconciled(settings: Settings) -> None:
    """Every load's received rows are its loaded, unchanged, quarantined and duplicate rows, and raw and the
    quarantine hold exactly the loaded and quarantined ones."""
    with connect(settings=settings, read_only=True) as connection:
        for load_id, dataset, _, status, received, loaded, unchanged, quarantined, duplicates, _ in _counts(settings):
            if status != "loaded":
                continue
            assert received == loaded + unchanged + quarantined + duplicates, load_id
            in_raw, held = (
                connection.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [load_id]).fetchone()[0]
                for table, column in ((f"raw.{dataset}", "_load_id"), ("raw.quarantine", "load_id"))
            )
            assert (in_raw, held) == (loaded, quarantined), load_id


def _quarantine(settings: Settings, result: LoadResult) -> dict[int, set[str]]:
    with connect(settings=settings, read_only=True) as connection:
        rows = connection.execute(
            """SELECT source_row, list_transform(reasons, lambda r: r.code) FROM raw.quarantine
               WHERE delivery_id = ?""",
            [result.delivery.delivery_id],
        ).fetchall()
    return {row: set(codes) for row, codes in rows}


def _delivery_rows(settings: Settings, result: LoadResult) -> int:
    with connect(settings=settings, read_only=True) as connection:
        (rows,) = connection.execute(
            f"SELECT count(*) FROM raw.{result.delivery.dataset} WHERE _delivery_id = ?", [result.delivery.delivery_id]
        ).fetchone()
    return rows


def _params(cases: list[Case]) -> list[object]:
    return [
        pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.gap)] if case.gap else [])
        for case in cases
    ]


def test_the_table_covers_every_style_and_dataset() -> None:
    assert len(CASES) + len(API_CASES) >= 70
    assert len({case.id for case in CASES} | {case[0] for case in API_CASES}) == len(CASES) + len(API_CASES)
    assert {case.region for case in CASES} == {profile.region for profile in SAMPLE_PROFILES}
    assert {case.dataset for case in CASES} == {"personnel", "training", "survey_responses", "complaints", "units",
                                                "services"}  # fmt: skip


@pytest.mark.parametrize("case", _params(CASES))
def test_bad_input(case: Case, sample: Path, settings: Settings) -> None:
    path = _land(case, sample, settings)
    landed = Landed(path, region_source(case.region, settings.sources_dir).dataset(case.dataset))
    delivered = landed.record_count()
    damaged_rows = case.damage(landed)
    path = landed.path
    as_delivered = path.read_bytes() if path.exists() else None
    results = {result.delivery.path: result for result in _load(settings, case, sample)}
    assert path.resolve() in results, f"{path} was not tried: {list(results)}"
    result = results[path.resolve()]
    expect = case.expect
    message = result.message

    if isinstance(expect, Rejected):
        assert result.status == "rejected", (result.status, message)
        assert path.name in message, message
        assert expect.fragment in message, message
        for row in damaged_rows or []:  # where one line or row is at fault, the message names it
            assert re.search(rf"(\bline |Line: |\brow |line\(s\) \[){row}\b", message), message
        assert _delivery_rows(settings, result) == 0
        assert _quarantine(settings, result) == {}
        (audit,) = [row for row in _counts(settings) if row[2].endswith(path.name) and row[3] == "rejected"]
        assert expect.fragment in str(audit[9])
    elif isinstance(expect, Waiting):
        assert result.status == "waiting", (result.status, message)
        assert path.name in message, message
        assert expect.fragment in message, message
        assert _delivery_rows(settings, result) == 0
    else:
        assert result.status == "loaded", (result.status, message)
        assert result.received == delivered + case.added
        quarantined = _quarantine(settings, result)
        if isinstance(expect, Quarantined):
            assert damaged_rows, "a quarantine case names the rows it damaged"
            assert sorted(quarantined) == sorted(damaged_rows), quarantined
            for row in damaged_rows:
                assert expect.code in quarantined[row], (row, quarantined[row])
            assert (result.quarantined, result.duplicates) == (len(damaged_rows), 0)
        elif isinstance(expect, SetAside):
            assert (result.quarantined, result.duplicates) == (0, expect.duplicates), quarantined
        else:
            assert (result.quarantined, result.duplicates, quarantined) == (0, 0, {})
            if expect.check:
                expect.check(settings, landed)
        assert result.loaded + result.unchanged == result.received - result.quarantined - result.duplicates
    _assert_reconciled(settings)
    assert as_delivered is None or path.read_bytes() == as_delivered  # the delivered file stays as it came


class _Answer(http.server.BaseHTTPRequestHandler):
    status, content_type, body = 200, "text/plain", b""

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _serving(status: int, content_type: str, body: bytes) -> Iterator[str]:
    handler = type("Answer", (_Answer,), {"status": status, "content_type": content_type, "body": body})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "content_type", "body", "fragment"),
                         [pytest.param(*case[1:], id=case[0]) for case in API_CASES])  # fmt: skip
def test_bad_api_answer(status: int, content_type: str, body: bytes, fragment: str, settings: Settings) -> None:
    with _serving(status, content_type, body) as url, pytest.raises(ApiError) as raised:
        fetch_dataset("banjarbaru", "complaints", date(2026, 11, 1), settings, sleep=lambda _: None,
                      connection=ApiConnection(url, "token"))  # fmt: skip
    assert f"{url}/v1/complaints" in str(raised.value)
    assert fragment in str(raised.value)
    assert list(settings.landing_dir.glob("banjarbaru/complaints/*/*.jsonl")) == []  # nothing lands as a delivery
