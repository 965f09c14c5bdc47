"""Defects injected into synthetic deliveries at known rates, each one recorded, so tests can prove that the pipeline
catches every defect real regional extracts carry (duplicates, broken NIPs, scores off the scale, cut files, ...).

Row kinds change values in a contract-named frame before it is written (`inject_row_defects`); file kinds damage a
written file (`damage_file`) or its header mapping (`header_defect`). Everything is a pure function of its inputs and
the numpy Generator: the same seed gives the same frame, the same records and the same bytes.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import IO, TypeVar

import numpy as np
import pandas as pd

from asn_platform.core.contract import DATASETS, IKM_ELEMENTS

ROW_DEFECTS: tuple[str, ...] = (
    "duplicate_row",
    "unit_name_variant",
    "invalid_nip_length",
    "invalid_nip_date",
    "invalid_nip_gender",
    "score_out_of_range",
    "end_before_start",
    "jp_as_text",
    "future_date",
    "missing_required",
)
FILE_DEFECTS: tuple[str, ...] = ("truncated_file", "empty_file", "wrong_encoding", "renamed_column", "extra_column")
DEFECT_KINDS: tuple[str, ...] = ROW_DEFECTS + FILE_DEFECTS
# The pseudo field an `extra_column` header maps to; the caller fills it with a constant.
EXTRA_FIELD = "_extra"

# Small rates: a few defects in a region's delivery, as real extracts have, without drowning the good rows.
_REALISTIC: dict[str, float] = {
    "duplicate_row": 0.005,
    "unit_name_variant": 0.01,
    "invalid_nip_length": 0.002,
    "invalid_nip_date": 0.002,
    "invalid_nip_gender": 0.002,
    "score_out_of_range": 0.005,
    "end_before_start": 0.003,
    "jp_as_text": 0.002,
    "future_date": 0.002,
    "missing_required": 0.003,
    **dict.fromkeys(FILE_DEFECTS, 1.0),
}
# The frame column a contract field lives in, where they differ (sample.py renames complaints' status).
_FRAME_COLUMN = {"complaints": {"status": "complaint_status"}}
# Which column a date-moving kind touches per dataset; the companions move by the same amount, so their order holds.
_FUTURE_DATE = {
    "personnel": ("position_start", ()),
    "training": ("start_date", ("end_date",)),
    "survey_responses": ("response_date", ()),
    "complaints": ("received_at", ("first_response_at", "resolved_at")),
}
_SCORE_FIELDS = tuple(f"score_{key}" for key, _ in IKM_ELEMENTS)
_NIP_DATE_PARTS = (  # (slice in the NIP, what it is, impossible values)
    (slice(4, 6), "birth month", ("00", "13", "14", "19")),
    (slice(6, 8), "birth day", ("00", "32", "35", "39")),
    (slice(12, 14), "TMT CPNS month", ("00", "13", "15", "18")),
)
_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
_JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_CHUNK = 1 << 20
_T = TypeVar("_T")


@dataclass(frozen=True)
class DefectRates:
    """Row kinds: fraction of eligible rows (0..1). File kinds: number of files to damage (caller decides which).

    A row kind with a rate above 0 hits at least one eligible row, so every configured kind is exercised even in a
    small delivery; otherwise it hits round(rate x eligible rows)."""

    rates: Mapping[str, float]

    def __post_init__(self) -> None:
        checked = {}
        for kind, given in self.rates.items():
            if kind not in DEFECT_KINDS:
                raise ValueError(f"unknown defect kind {kind!r}; known: {', '.join(DEFECT_KINDS)}")
            value = float(given)
            if kind in ROW_DEFECTS and not 0 <= value <= 1:  # also refuses NaN
                raise ValueError(f"{kind}={given}: a row kind's rate is a fraction of rows, 0..1")
            if kind in FILE_DEFECTS and not (np.isfinite(value) and value >= 0 and value.is_integer()):
                raise ValueError(f"{kind}={given}: a file kind takes a whole number of files")
            checked[kind] = value
        # Read-only, so a frozen DefectRates really cannot change under a caller.
        object.__setattr__(self, "rates", MappingProxyType(checked))

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.rates.items())))

    def __str__(self) -> str:
        """The text `parse` reads back (for manifests and logs)."""
        return ",".join(f"{kind}={value:g}" for kind, value in self.rates.items() if value) or "none"

    def rate(self, kind: str) -> float:
        if kind not in DEFECT_KINDS:
            raise ValueError(f"unknown defect kind {kind!r}")
        return self.rates.get(kind, 0.0)

    @classmethod
    def none(cls) -> DefectRates:
        return cls({})

    @classmethod
    def realistic(cls) -> DefectRates:
        return cls(_REALISTIC)

    @classmethod
    def parse(cls, text: str) -> DefectRates:
        """Read "none", "realistic", or kind=number pairs: "duplicate_row=0.01,jp_as_text=0.002,truncated_file=1"."""
        stripped = text.strip()
        if stripped.lower() == "none":
            return cls.none()
        if stripped.lower() == "realistic":
            return cls.realistic()
        rates: dict[str, float] = {}
        for token in (part.strip() for part in stripped.split(",")):
            kind, equals, number = (piece.strip() for piece in token.partition("="))
            if not equals or not kind:
                raise ValueError(f"defect rates: {token!r} is not kind=number (or use 'none' / 'realistic')")
            if kind not in DEFECT_KINDS:
                raise ValueError(f"defect rates: unknown defect kind {kind!r} in {token!r}; known: "
                                 f"{', '.join(DEFECT_KINDS)}")  # fmt: skip
            if kind in rates:
                raise ValueError(f"defect rates: {kind!r} given twice")
            try:
                value = float(number)
            except ValueError:
                raise ValueError(f"defect rates: bad number {number!r} in {token!r}") from None
            if not np.isfinite(value):
                raise ValueError(f"defect rates: bad number {number!r} in {token!r}")
            rates[kind] = value
        try:
            return cls(rates)
        except ValueError as error:
            raise ValueError(f"defect rates: {error}") from None


@dataclass(frozen=True)
class InjectedDefect:
    """One injected defect, as the manifest records it. A record's row is in the frame the caller writes: a CSV
    writer puts it on line row + 2 (header = line 1), a workbook on sheet row row + header_row + 2 (1-based)."""

    kind: str
    dataset: str
    row: int | None  # 0-based position in the returned frame (after duplicate insertion); None for file kinds
    column: str | None  # contract field name; None for a whole row or file
    original: str | None  # the value before, as text; None if blank
    injected: str | None  # the value after, as text; None if blank
    detail: str = ""


# --- row defects ---------------------------------------------------------------------------------------------------


@dataclass
class _Rows:
    """One injection run: the input frame, the rows already taken, and the changes and records planned so far.
    Positions are in the input frame; they are mapped to the returned frame once the duplicates are in."""

    frame: pd.DataFrame
    dataset: str
    rng: np.random.Generator
    rates: DefectRates
    as_of: date
    taken: np.ndarray
    changes: dict[str, tuple[list[int], list[object]]] = field(default_factory=dict)
    pending: list[tuple[str, int, str | None, str | None, str | None, str]] = field(default_factory=list)
    _arrays: dict[str, pd.api.extensions.ExtensionArray] = field(default_factory=dict)

    def column(self, name: str, *, only: str | None = None) -> str | None:
        """The frame column holding contract field `name` (None if absent, or if the dataset is not `only`)."""
        if only is not None and self.dataset != only:
            return None
        column = _FRAME_COLUMN.get(self.dataset, {}).get(name, name)
        return column if column in self.frame.columns else None

    def value(self, column: str, position: int) -> object:
        """One input value as a pandas scalar (Timestamp, str, NaN, ...); the column's array is looked up once,
        since this runs for every chosen row."""
        array = self._arrays.get(column)
        if array is None:
            array = self._arrays[column] = self.frame[column].array
        return array[position]

    def notna(self, column: str) -> np.ndarray:
        return _mask(self.frame[column].notna())

    def any_notna(self, columns: Sequence[str]) -> np.ndarray:
        present = np.zeros(len(self.frame), dtype=bool)
        for column in columns:
            present |= self.notna(column)
        return present

    @cached_property
    def valid_nips(self) -> np.ndarray:
        """Rows whose NIP is 18 digits: the NIP kinds break only well-formed NIPs, so each breaks in one way."""
        nips = self.frame["nip"].astype("string")
        return _mask((nips.str.len() == 18) & nips.str.isdigit())

    def choose(self, kind: str, eligible: Callable[[], np.ndarray]) -> np.ndarray:
        """Positions for `kind`: its share of the eligible rows, drawn from those no other kind holds yet.
        `eligible` is only computed when the kind is wanted (it scans the whole column)."""
        rate = self.rates.rate(kind)
        if rate <= 0:
            return np.empty(0, dtype=np.int64)
        mask = eligible()
        total = int(mask.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        wanted = max(1, round(rate * total))
        free = np.flatnonzero(mask & ~self.taken)
        chosen = np.sort(self.rng.choice(free, size=min(wanted, free.size), replace=False))
        self.taken[chosen] = True
        return chosen

    def set(self, column: str, position: int, value: object) -> None:
        positions, values = self.changes.setdefault(column, ([], []))
        positions.append(position)
        values.append(value)

    def record(self, kind: str, position: int, name: str | None, *, before: object, after: object,
               detail: str = "") -> None:  # fmt: skip
        self.pending.append((kind, position, name, _text(before), _text(after), detail))

    def pick(self, options: Sequence[_T]) -> _T:
        return options[int(self.rng.integers(len(options)))]


def inject_row_defects(
    frame: pd.DataFrame, dataset: str, rng: np.random.Generator, rates: DefectRates, *, as_of: date
) -> tuple[pd.DataFrame, list[InjectedDefect]]:
    """Returns a NEW frame (input untouched, fresh RangeIndex) and the defects, ordered by row.

    Each chosen row gets exactly one defect (the original of a duplicated row is left alone too), so a finding can
    be attributed to one record. Only columns that receive a defect can change dtype: text in a numeric column makes
    it object, a blank in an integer column makes it Int64 (a blank bool, boolean); dates stay datetime64 (NaT)."""
    if dataset not in DATASETS or DATASETS[dataset].reference:
        raise ValueError(f"unknown delivered dataset {dataset!r}")
    count = len(frame)
    rows = _Rows(frame, dataset, rng, rates, as_of, taken=np.zeros(count, dtype=bool))
    duplicated = rows.choose("duplicate_row", lambda: np.ones(count, dtype=bool))
    for inject in _ROW_KINDS.values():
        inject(rows)

    # Shallow first: changed columns are replaced by new arrays, and the one deep copy below is all the data copying.
    out = frame.copy(deep=False)
    for column, (positions, values) in rows.changes.items():
        out[column] = _assigned(out[column], positions, values)
    # Each copy goes right after its original; a row at input position p moves down by the copies above it.
    copies = np.zeros(count, dtype=np.int64)
    copies[duplicated] = 1
    shift = np.cumsum(copies) - copies
    out = out.iloc[np.repeat(np.arange(count), 1 + copies)] if duplicated.size else out.copy()
    out = out.reset_index(drop=True)

    records = [
        InjectedDefect("duplicate_row", dataset, int(p + shift[p] + 1), None, None, None,
                       f"exact copy of row {p + shift[p]}")
        for p in duplicated
    ]  # fmt: skip
    records += [
        InjectedDefect(kind, dataset, int(p + shift[p]), name, original, injected, detail)
        for kind, p, name, original, injected, detail in rows.pending
    ]
    records.sort(key=lambda record: record.row)
    return out, records


def _unit_name_variant(rows: _Rows) -> None:
    """The same unit typed differently: stray spaces or another case, as hand-maintained HR tables hold it."""
    column = rows.column("unit_name", only="personnel")
    if column is None:
        return

    def eligible() -> np.ndarray:
        return _mask(rows.frame[column].astype("string").str.strip().str.len() > 0)

    for position in rows.choose("unit_name_variant", eligible):
        name = str(rows.value(column, position))
        variants = [v for v in ("  " + name, name.upper(), name.lower().replace(" ", "  ", 1), name + " ") if v != name]
        variant = rows.pick(variants)
        rows.set(column, position, variant)
        rows.record("unit_name_variant", position, "unit_name", before=name, after=variant)


def _break_nips(rows: _Rows, kind: str, breaker: Callable[[str], tuple[str, str]]) -> None:
    """Personnel NIPs chosen for `kind`, each replaced by `breaker`'s broken NIP (and its description)."""
    column = rows.column("nip", only="personnel")
    if column is None:
        return
    for position in rows.choose(kind, lambda: rows.valid_nips):
        nip = str(rows.value(column, position))
        broken, detail = breaker(nip)
        rows.set(column, position, broken)
        rows.record(kind, position, "nip", before=nip, after=broken, detail=detail)


def _invalid_nip_length(rows: _Rows) -> None:
    def breaker(nip: str) -> tuple[str, str]:
        if rows.rng.random() < 0.5:
            dropped = int(rows.rng.integers(18))
            return nip[:dropped] + nip[dropped + 1 :], f"digit {dropped + 1} dropped: 17 digits"
        return nip + str(rows.rng.integers(10)), "a digit appended: 19 digits"

    _break_nips(rows, "invalid_nip_length", breaker)


def _invalid_nip_date(rows: _Rows) -> None:
    def breaker(nip: str) -> tuple[str, str]:
        part, what, impossible = rows.pick(_NIP_DATE_PARTS)
        value = rows.pick(impossible)
        return nip[: part.start] + value + nip[part.stop :], f"{what} {value}"

    _break_nips(rows, "invalid_nip_date", breaker)


def _invalid_nip_gender(rows: _Rows) -> None:
    """The 15th digit (after birth date and TMT CPNS) is the gender, 1 or 2; anything else is impossible."""

    def breaker(nip: str) -> tuple[str, str]:
        digit = rows.pick("03456789")
        return nip[:14] + digit + nip[15:], f"gender digit {digit}"

    _break_nips(rows, "invalid_nip_gender", breaker)


def _score_out_of_range(rows: _Rows) -> None:
    """One IKM element answered off the 1-4 scale, or left blank."""
    columns = [(name, column) for name in _SCORE_FIELDS if (column := rows.column(name, only="survey_responses"))]
    if not columns:
        return
    for position in rows.choose("score_out_of_range", lambda: rows.any_notna([c for _, c in columns])):
        name, column = rows.pick([(n, c) for n, c in columns if pd.notna(rows.value(c, position))])
        value = rows.pick((0, 5, None))
        rows.set(column, position, value)
        rows.record("score_out_of_range", position, name, before=rows.value(column, position), after=value)


def _end_before_start(rows: _Rows) -> None:
    start, end = rows.column("start_date", only="training"), rows.column("end_date", only="training")
    if start is None or end is None:
        return
    for position in rows.choose("end_before_start", lambda: rows.notna(start) & rows.notna(end)):
        days = int(rows.rng.integers(1, 8))
        value = rows.value(start, position) - pd.Timedelta(days=days)
        rows.set(end, position, value)
        rows.record("end_before_start", position, "end_date", before=rows.value(end, position), after=value,
                    detail=f"{days} day(s) before start_date")  # fmt: skip


def _jp_as_text(rows: _Rows) -> None:
    column = rows.column("jp", only="training")
    if column is None:
        return
    for position in rows.choose("jp_as_text", lambda: rows.notna(column)):
        original = rows.value(column, position)
        value = f"{_text(original)} JP"
        rows.set(column, position, value)
        rows.record("jp_as_text", position, "jp", before=original, after=value)


def _future_date(rows: _Rows) -> None:
    """A date after the delivery date; companion dates move by the same amount, so only 'in the future' is wrong."""
    name, companions = _FUTURE_DATE[rows.dataset]
    column = rows.column(name)
    if column is None:
        return
    for position in rows.choose("future_date", lambda: rows.notna(column)):
        original = pd.Timestamp(rows.value(column, position))
        target = pd.Timestamp(rows.as_of) + pd.Timedelta(days=int(rows.rng.integers(1, 366)))
        delta = target - original.normalize()  # whole days: the time of day stays
        moved = []
        for field_name in (name, *companions):
            companion = rows.column(field_name)
            if companion is not None and pd.notna(rows.value(companion, position)):
                rows.set(companion, position, rows.value(companion, position) + delta)
                moved.append(field_name)
        detail = f"moved {delta.days} days later" + (f" with {', '.join(moved[1:])}" if moved[1:] else "")
        rows.record("future_date", position, name, before=original, after=original + delta, detail=detail)


def _missing_required(rows: _Rows) -> None:
    fields = DATASETS[rows.dataset].fields
    required = [(f.name, column) for f in fields if f.required and (column := rows.column(f.name))]
    if not required:
        return
    for position in rows.choose("missing_required", lambda: rows.any_notna([c for _, c in required])):
        name, column = rows.pick([(n, c) for n, c in required if pd.notna(rows.value(c, position))])
        rows.set(column, position, None)
        rows.record("missing_required", position, name, before=rows.value(column, position), after=None)


# In ROW_DEFECTS order after duplicate_row, which is chosen first: the rng draws, so the output, depend on it.
_ROW_KINDS: dict[str, Callable[[_Rows], None]] = {
    "unit_name_variant": _unit_name_variant,
    "invalid_nip_length": _invalid_nip_length,
    "invalid_nip_date": _invalid_nip_date,
    "invalid_nip_gender": _invalid_nip_gender,
    "score_out_of_range": _score_out_of_range,
    "end_before_start": _end_before_start,
    "jp_as_text": _jp_as_text,
    "future_date": _future_date,
    "missing_required": _missing_required,
}


def _mask(values: pd.Series) -> np.ndarray:
    return values.fillna(False).to_numpy(dtype=bool)


def _assigned(series: pd.Series, positions: list[int], values: list[object]) -> pd.Series:
    """A new `series` with `values` at `positions`, in the narrowest dtype that holds them and that writers print
    well: text in a numeric column -> object; a blank in an int column -> Int64 (a CSV prints '' rather than 4.0),
    in a bool column -> boolean; a blank date -> NaT, so the column stays datetime64."""
    dtype = series.dtype
    numpy_dtype = not isinstance(dtype, pd.api.extensions.ExtensionDtype)
    texty = pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
    blank = any(value is None for value in values)
    if any(isinstance(value, str) for value in values) and not texty:
        series = series.astype(object)
    elif blank and numpy_dtype and pd.api.types.is_bool_dtype(dtype):
        series = series.astype("boolean")
    elif blank and numpy_dtype and pd.api.types.is_integer_dtype(dtype):
        series = series.astype("Int64")
    else:
        series = series.copy()  # never write into the caller's arrays
    if blank and pd.api.types.is_datetime64_any_dtype(dtype):
        values = [pd.NaT if value is None else value for value in values]
    series.iloc[positions] = values
    return series


def _text(value: object) -> str | None:
    """A value as the manifest shows it: ISO dates (with time only when it has one), integers without '.0'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


# --- file defects --------------------------------------------------------------------------------------------------


def damage_file(path: Path, kind: str, rng: np.random.Generator, *, encoding: str) -> str:
    """Apply a file-level defect in place to an already written delivery file; returns what was done, as text.

    `encoding` is the encoding the region's profile declares. Text files are handled in bounded memory (1 MiB
    steps); delimiter and line ends are taken from the file itself."""
    suffix = path.suffix.lower()
    if kind == "empty_file":
        size = path.stat().st_size
        os.truncate(path, 0)
        return f"emptied ({size} bytes removed)"
    if kind == "truncated_file":
        if suffix == ".gz" or suffix in _WORKBOOK_SUFFIXES:
            return _truncate_binary(path, rng, gzip_file=suffix == ".gz")
        return _truncate_text(path, rng, encoding=encoding)
    if kind == "wrong_encoding":
        if suffix in _WORKBOOK_SUFFIXES:
            raise ValueError(f"wrong_encoding: not applicable to a workbook ({path.name})")
        return _reencode(path, rng, encoding=encoding)
    if kind in {"renamed_column", "extra_column"}:
        raise ValueError(f"{kind} changes the header mapping before writing: use header_defect")
    raise ValueError(f"unknown file defect kind {kind!r}; known: {', '.join(FILE_DEFECTS)}")


def _truncate_binary(path: Path, rng: np.random.Generator, *, gzip_file: bool) -> str:
    """Cut compressed bytes in the last third: the gzip stream loses its end (and CRC), a zip its directory."""
    size = path.stat().st_size
    last = size - 8 if gzip_file else size - 1  # keep the cut before a gzip trailer: the deflate data itself ends
    first = size * 2 // 3
    if last <= first:
        raise ValueError(f"truncated_file: {path.name} is too small to cut ({size} bytes)")
    offset = int(rng.integers(first, last))
    os.truncate(path, offset)
    return f"cut at byte {offset} of {size}" + (" (compressed stream)" if gzip_file else "")


def _truncate_text(path: Path, rng: np.random.Generator, *, encoding: str) -> str:
    """Cut one record in the last third before its last delimiter: the file then ends inside a record that has
    too few fields (or an open quote), which a strict reader reports, instead of one that merely looks shorter."""
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        raise ValueError(f"truncated_file: {encoding} text is not cut byte-wise")
    size = path.stat().st_size
    json_lines = _json_lines(path)
    with path.open("rb") as handle:
        first_line = handle.readline(1 << 16)
        delimiter = None if json_lines else _sniff_delimiter(first_line)
        target = int(rng.integers(size * 2 // 3, size)) if size else 0
        low = max(0, target - (1 << 16))
        handle.seek(low)
        window = handle.read(min(size, target + (1 << 16)) - low)
    start, end = _line_around(window, target - low)
    if start is None or (low + start == 0 and not json_lines):
        raise ValueError(f"truncated_file: no record to cut in the last third of {path.name}")
    line = window[start:end].rstrip(b"\r")
    # Keep bytes [0, cut): at least one, and never the whole record; with a delimiter, not past its last one.
    stop = len(line) - 1
    if delimiter is not None and line.rfind(delimiter) > 0:
        stop = line.rfind(delimiter)
    candidates = [
        i for i in range(1, stop + 1) if not 0x80 <= line[i] <= 0xBF  # never inside a multi-byte character
    ]  # fmt: skip
    if not candidates:
        raise ValueError(f"truncated_file: the record chosen in {path.name} is too short to cut")
    offset = low + start + candidates[rng.integers(len(candidates))]
    line_number = _count_newlines(path, low + start) + 1
    os.truncate(path, offset)
    return f"cut at byte {offset} of {size}, inside line {line_number}"


def _json_lines(path: Path) -> bool:
    """JSON Lines (also gzipped): no header line, and any cut inside a record breaks its JSON."""
    return any(suffix.lower() in _JSON_SUFFIXES for suffix in path.suffixes)


def _sniff_delimiter(header: bytes) -> bytes | None:
    counts = {d: header.count(d) for d in (b",", b";", b"|", b"\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _line_around(window: bytes, index: int) -> tuple[int | None, int]:
    """[start, end) of the non-empty line holding `index` (or the nearest one above it) within `window`."""
    end = window.find(b"\n", index)
    end = len(window) if end < 0 else end
    while True:
        start = window.rfind(b"\n", 0, end) + 1
        if window[start:end].strip(b"\r"):
            return start, end
        if start == 0:
            return None, end
        end = start - 1


def _count_newlines(path: Path, stop: int) -> int:
    total = 0
    with path.open("rb") as handle:
        while stop > 0:
            block = handle.read(min(_CHUNK, stop))
            if not block:
                break
            total += block.count(b"\n")
            stop -= len(block)
    return total


def _wrong_target(declared: str) -> str:
    """UTF-8 declared -> cp1252 (its non-ASCII bytes are invalid UTF-8). Anything else -> UTF-16: cp1252 decodes
    nearly every byte, so UTF-8 written into a cp1252 file would load as silent mojibake; UTF-16's BOM and NUL bytes
    break the header instead."""
    name = codecs.lookup(declared).name
    if name in {"utf-8", "utf-8-sig", "ascii"}:
        return "cp1252"
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else "utf-16"


def _reencode(path: Path, rng: np.random.Generator, *, encoding: str) -> str:
    """Rewrite the text in another encoding, streaming; a gzip file is decompressed and recompressed. For a cp1252
    rewrite one 'e' followed by ASCII becomes 'é' first, so the file holds a byte UTF-8 cannot decode."""
    target = _wrong_target(encoding)
    compressed = path.suffix.lower() == ".gz"
    header_lines = 0 if _json_lines(path) else 1
    temporary = path.with_name(f".{path.name}.defect-tmp")
    decoder = codecs.getincrementaldecoder(encoding)()
    encoder = codecs.getincrementalencoder(target)(errors="replace")
    marked: int | None = None if target == "cp1252" else -1
    lines_before = 0
    try:
        with _open_read(path, compressed) as source, _open_write(temporary, compressed) as sink:
            for block in iter(lambda: source.read(_CHUNK), b""):
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError as error:
                    raise ValueError(f"wrong_encoding: {path.name} is not {encoding} text to begin with") from error
                if marked is None:
                    text, marked = _mark_non_ascii(text, rng, skip_lines=max(0, header_lines - lines_before))
                    if marked is not None:
                        marked += lines_before
                lines_before += text.count("\n")
                sink.write(encoder.encode(text))
            sink.write(encoder.encode(decoder.decode(b"", final=True), final=True))
        if marked is None:
            raise ValueError(f"wrong_encoding: {path.name} has no data line to put a non-ASCII character in")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    where = f"; 'e' -> 'é' in line {marked + 1}" if marked >= 0 else ""
    return f"rewritten in {target} (declared {encoding}){where}"


def _mark_non_ascii(text: str, rng: np.random.Generator, *, skip_lines: int) -> tuple[str, int | None]:
    """Replace one 'e' that is followed by an ASCII character (outside the header) with 'é'; returns the text and
    the 0-based line (within `text`) it is in, or None if this block has no such 'e'."""
    offset = 0
    for _ in range(skip_lines):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return text, None
    spots = [match.start() for match in re.finditer(r"e(?=[\x00-\x7f])", text[offset:])]
    if not spots:
        return text, None
    spot = offset + spots[rng.integers(len(spots))]
    return text[:spot] + "é" + text[spot + 1 :], text.count("\n", 0, spot)


def _open_read(path: Path, compressed: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if compressed else path.open("rb")  # type: ignore[return-value]


class _GzipSink:
    """A gzip stream with mtime 0 and no file name, so the same text gives the same bytes."""

    def __init__(self, path: Path) -> None:
        self._raw = path.open("wb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0, filename="")

    def write(self, data: bytes) -> None:
        self._gzip.write(data)

    def __enter__(self) -> _GzipSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self._gzip.close()
        self._raw.close()


def _open_write(path: Path, compressed: bool) -> IO[bytes] | _GzipSink:
    return _GzipSink(path) if compressed else path.open("wb")


# --- header defects ------------------------------------------------------------------------------------------------

# Abbreviations HR systems use for the same words, both ways: a renamed header is still readable by a person.
_ABBREVIATIONS = {
    "tanggal": "tgl", "tgl": "tanggal", "lahir": "lhr", "lhr": "lahir", "nomor": "no", "no": "nomor",
    "kode": "kd", "kd": "kode", "nama": "nm", "nm": "nama", "jenis": "jns", "jns": "jenis", "golongan": "gol",
    "gol": "golongan", "pendidikan": "pddk", "pddk": "pendidikan", "selesai": "sls", "sls": "selesai",
    "status": "sts", "sts": "status", "jabatan": "jab", "jab": "jabatan", "waktu": "wkt", "pegawai": "peg",
}  # fmt: skip
_EXTRA_HEADERS = ("keterangan", "catatan", "tgl_update", "operator_input")


def header_defect(columns: Mapping[str, str], kind: str, rng: np.random.Generator) -> tuple[dict[str, str], str]:
    """The region's {header: field} mapping with one header defect, and what was done as text.

    renamed_column: one header becomes a plausible variant ('tgl_lahir' -> 'tanggal_lhr'); its field is unchanged,
    so the file no longer carries the header the registry expects. extra_column: a header the registry does not
    know is inserted at a random place, mapped to EXTRA_FIELD (the caller fills that column with a constant)."""
    headers = list(columns)
    taken = {_normalised(header) for header in headers}
    if kind == "renamed_column":
        options = [(h, v) for h in headers if (v := _variant(h)) is not None and _normalised(v) not in taken]
        if not options:
            raise ValueError("renamed_column: no header has a plausible variant")
        old, new = options[rng.integers(len(options))]
        renamed = {(new if header == old else header): name for header, name in columns.items()}
        return renamed, f"header {old!r} ({columns[old]}) renamed to {new!r}"
    if kind == "extra_column":
        if EXTRA_FIELD in columns.values():
            raise ValueError(f"extra_column: the mapping already has {EXTRA_FIELD}")
        spaced = any(" " in header for header in headers)
        names = [n.replace("_", " ").title() if spaced else n for n in _EXTRA_HEADERS]
        names = [name for name in names if _normalised(name) not in taken]
        name = names[rng.integers(len(names))]
        at = int(rng.integers(len(headers) + 1))
        items = list(columns.items())
        items.insert(at, (name, EXTRA_FIELD))
        return dict(items), f"extra column {name!r} at position {at + 1} of {len(items)}"
    raise ValueError(f"{kind!r} is not a header defect (renamed_column, extra_column)")


def _normalised(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.lower())


def _variant(header: str) -> str | None:
    """Abbreviate or expand the words of the header's last (dotted) segment, else drop the vowels of its longest
    word; None when neither changes the letters (e.g. 'NIP', 'L/P')."""
    parent, dot, leaf = header.rpartition(".")
    # Words split at separators and at camelCase humps ('tglLahir' -> 'tgl', 'Lahir'); separators are kept.
    pieces = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])|[^A-Za-z0-9]+", leaf)
    words = [(i, piece) for i, piece in enumerate(pieces) if piece[0].isalnum()]
    changed = list(pieces)
    for i, word in words:
        if word.lower() in _ABBREVIATIONS:
            changed[i] = _cased(_ABBREVIATIONS[word.lower()], word)
    if changed == pieces and words:
        i, word = max(words, key=lambda item: len(item[1]))
        if len(word) >= 4:
            changed[i] = word[0] + re.sub(r"[aeiouAEIOU]", "", word[1:])
    variant = parent + dot + "".join(changed)
    return variant if _normalised(variant) != _normalised(header) else None


def _cased(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    return word.capitalize() if like[0].isupper() else word
