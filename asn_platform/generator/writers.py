"""Writing a contract-named frame the way a region's system writes its extract: CSV (any encoding, optionally
gzip), Excel workbooks, JSON Lines. Every writer takes the data in chunks, so national-scale extracts stream in
bounded memory, and every writer is deterministic: the same frames give the same bytes.

The writers are built for national volume (tens of millions of rows): a column is converted once per distinct value
where it can be (labels, dates, amounts), and CSV and workbook rows are assembled from whole-column strings instead of
a Python call per cell. The CSV text is exactly what pandas' `to_csv` writes for the same frame (the csv module's
minimal quoting); the workbook's sheet is the XML xlsxwriter's constant-memory mode writes.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

import duckdb
import numpy as np
import pandas as pd

from asn_platform.core.contract import DATASETS
from asn_platform.core.spreadsheet import column_letters
from asn_platform.core.warehouse import quote_identifier, sql_literal
from asn_platform.generator.profiles import CsvStyle, JsonLinesStyle, RegionProfile, WorkbookStyle

# Date or date-and-time is the contract's call, never guessed from the values (a chunk may hold only midnights).
_TIMESTAMP_FIELDS = frozenset(
    field.name for dataset in DATASETS.values() for field in dataset.fields if field.sql_type == "TIMESTAMP"
)


def _is_timestamp(field: str) -> bool:
    return field in _TIMESTAMP_FIELDS


def _labelled(frame: pd.DataFrame, profile: RegionProfile, columns: Mapping[str, str]) -> dict[str, pd.Series]:
    """header -> the field's values in the region's labels (Ya/Tidak, L/P, ...); unlabelled values pass through."""
    out = {}
    for header, field in columns.items():
        values = frame[field]
        labels = profile.values.get(field)
        if labels:
            values = _relabel(values, labels)
        out[header] = values
    return out


def _relabel(values: pd.Series, labels: Mapping[object, str]) -> pd.Series:
    """Each value in the region's label, looked up once per distinct value (a column holds few)."""

    def label(value: object) -> object:
        return labels.get(value, value)

    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in {"string", "boolean", "empty"}:
        return values.map(label)  # mixed cells: factorizing would take 1, 1.0 and True for one value
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return pd.Series(uniques).map(label).take(codes).set_axis(values.index)


def _strftime(values: pd.Series, format_: str) -> pd.Series:
    """`values.dt.strftime(format_)`, formatting each distinct date once; missing stays missing."""
    codes, uniques = pd.factorize(values)
    text = np.append(np.asarray(pd.DatetimeIndex(uniques).strftime(format_), dtype=object), np.nan)
    return pd.Series(text[codes], index=values.index)


class ExtractWriter:
    """One extract file, written chunk by chunk: `write(frame)` any number of times, then `close()`."""

    def __init__(self, path: Path, profile: RegionProfile, dataset: str, columns: Mapping[str, str] | None = None):
        self.path = path
        self.profile = profile
        self.dataset = dataset
        self.columns = dict(columns if columns is not None else profile.columns[dataset])
        self.rows_written = 0
        path.parent.mkdir(parents=True, exist_ok=True)

    # Where the first record stands in the file (line, or sheet row), 1-based: the manifest names records by it.
    first_record_position = 2

    def write(self, frame: pd.DataFrame) -> None:
        self._write(frame)
        self.rows_written += len(frame)

    def _write(self, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> ExtractWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class CsvWriter(ExtractWriter):
    """The text pandas' `to_csv` writes (minimal quoting, NA as an empty field), assembled column-wise: the same
    bytes several times faster, which is what national volume needs."""

    # Rows assembled into one piece of text at a time: bounds the memory a large chunk takes.
    batch_rows = 50_000

    def __init__(self, path: Path, profile: RegionProfile, dataset: str, columns: Mapping[str, str] | None = None):
        super().__init__(path, profile, dataset, columns)
        self.style: CsvStyle = profile.style  # type: ignore[assignment]
        self._raw: IO[bytes] = path.open("wb")
        # mtime 0 and no file name in the gzip header: the same data gives the same bytes. Level 6, gzip's own
        # default: a third of level 9's time for 5 % more bytes.
        self._gzip = (
            gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0, filename="")
            if self.style.gzip
            else None
        )
        self._out: IO[bytes] = self._gzip or self._raw  # type: ignore[assignment]
        self._header_written = False
        self._special_characters = _quoted_characters(self.style.delimiter, self.style.line_end)
        self._special = re.compile("[" + re.escape("".join(self._special_characters)) + "]")

    def _write(self, frame: pd.DataFrame) -> None:
        style = self.style
        out = {}
        for header, labelled in _labelled(frame, self.profile, self.columns).items():
            field, values = self.columns[header], labelled
            if field not in self.profile.values and pd.api.types.is_datetime64_any_dtype(values):
                values = _strftime(values, style.datetime_format if _is_timestamp(field) else style.date_format)
            elif field == "nip" and style.spaced_nip:
                values = _spaced(values)
            elif field == "cost_idr" and style.decimal_comma:
                values = _decimal_comma(values)
            out[header] = values
        if not self._header_written:
            self._emit([np.array([header], dtype=object) for header in out])
            self._header_written = True
        for start in range(0, len(frame), self.batch_rows):
            self._emit([_csv_fields(values.iloc[start : start + self.batch_rows]) for values in out.values()])

    def _emit(self, fields: list[np.ndarray]) -> None:
        style = self.style
        text = self._lines(fields)
        rows, separators = len(fields[0]), len(fields) - 1
        # Every delimiter and line break is accounted for by the layout alone: no field holds one, or a quote.
        if any(
            text.count(character)
            != rows * (separators * (character == style.delimiter) + style.line_end.count(character))
            for character in self._special_characters
        ):
            text = self._lines([self._quoted(column) for column in fields])
        self._out.write(text.encode(style.encoding))

    def _lines(self, fields: list[np.ndarray]) -> str:
        style = self.style
        return style.line_end.join(map(style.delimiter.join, zip(*fields, strict=True))) + style.line_end

    def _quoted(self, fields: np.ndarray) -> np.ndarray:
        """The csv module's minimal quoting: a field holding the delimiter, a quote or a line break is quoted."""
        special = self._special
        text = "\x00".join(fields)
        if not any(character in text for character in self._special_characters):
            return fields  # nothing to quote in this column
        return np.array(
            ['"' + field.replace('"', '""') + '"' if special.search(field) else field for field in fields],
            dtype=object,
        )

    def close(self) -> None:
        if self._gzip is not None:
            self._gzip.close()  # ends the gzip stream, which leaves the file under it open
        self._raw.close()


GZIP_LEVEL = 6


@functools.cache
def _quoted_characters(delimiter: str, line_end: str) -> tuple[str, ...]:
    """The characters that make the csv module quote a field, as pandas' `to_csv` calls it (minimal quoting, `"`
    doubled): the delimiter, the quote and the line terminator's characters; whether a line break outside the
    terminator counts has changed between Python versions, so it is asked."""
    candidates = sorted(set(delimiter + '"\r\n' + line_end))
    quoted = []
    for character in candidates:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL).writerow(
            [f"a{character}b", "c"]
        )
        if out.getvalue().startswith('"'):
            quoted.append(character)
    return tuple(quoted)


def _csv_fields(values: pd.Series) -> np.ndarray:
    """A column as the text fields `to_csv` writes for it: pandas' conversion, then the csv module's (None and NA
    empty, a float by its repr, anything else by str)."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":  # few distinct values (scores, JP): each written once
        codes, uniques = pd.factorize(values.to_numpy())
        return uniques.astype(str).astype(object)[codes]
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        array = values.to_numpy()
        fields = array.astype(str).astype(object)
        fields[np.isnan(array)] = ""
        return fields
    if isinstance(dtype, np.dtype) and dtype.kind in "mM":  # pandas' own default formatting, NaT empty
        fields = values.astype(str).to_numpy(dtype=object)
        fields[values.isna().to_numpy()] = ""
        return fields
    fields = values.to_numpy(dtype=object, copy=True)
    fields[pd.isna(fields)] = ""
    if pd.api.types.infer_dtype(fields, skipna=False) != "string":
        fields = np.array(
            [
                field if isinstance(field, str) else repr(field) if isinstance(field, float) else str(field)
                for field in fields
            ],
            dtype=object,
        )
    return fields


class WorkbookWriter(ExtractWriter):
    """Typed cells (text, numbers, Excel dates), a title block above the header and a totals row below the data.

    The sheet is the XML xlsxwriter's constant-memory mode writes (inline strings, numbers as `%.16G`, dates as
    serial numbers with a date format), built column-wise from each column's distinct values instead of one Python
    call per cell, and streamed through a temporary file; `close()` packs it with the workbook's other parts into
    the zip. Every member carries the same timestamp, so the same frames give the same bytes."""

    def __init__(self, path: Path, profile: RegionProfile, dataset: str, columns: Mapping[str, str] | None = None):
        super().__init__(path, profile, dataset, columns)
        self.style: WorkbookStyle = profile.style  # type: ignore[assignment]
        self.sheet_name = self.style.sheets[dataset]
        self.first_record_position = self.style.header_row + 2
        self._styles: dict[str, int] = {}  # number format -> cell style index, in order of first use
        self._rows: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  # closed by close()
        as_of = path.parent.name  # the delivery date folder
        subtitle = f"{dataset.replace('_', ' ').upper()} — keadaan per {as_of}"
        head = _sheet_row(0, [_string_cell(self.style.title)])
        head += _sheet_row(1, [_string_cell(subtitle)])
        head += _sheet_row(self.style.header_row, [_string_cell(header) for header in self.columns])
        self._rows.write(head.encode("utf-8"))

    def _write(self, frame: pd.DataFrame) -> None:
        first = self.style.header_row + 1 + self.rows_written
        if first + len(frame) >= _SHEET_ROWS:  # the totals row must fit too
            raise ValueError(f"{self.path}: a worksheet holds at most {_SHEET_ROWS:,} rows")
        labelled = _labelled(frame, self.profile, self.columns)
        numbers = np.arange(first + 1, first + 1 + len(frame)).astype(str).astype(object)
        self._number_styles(labelled)
        cells, empty = [], np.ones(len(frame), dtype=bool)
        for column, (header, values) in enumerate(labelled.items()):
            codes, tails = self._cells(self.columns[header], values)
            present = codes >= 0
            empty &= ~present
            cell = ('<c r="' + column_letters(column)) + numbers + tails[codes]
            cell[~present] = ""
            cells.append(cell)
        opening = '<row r="' + numbers + '">'
        closing = np.full(len(frame), "</row>", dtype=object)
        opening[empty], closing[empty] = "", ""  # xlsxwriter writes no element for a row without cells
        rows = "".join(map("".join, zip(opening, *cells, closing, strict=True)))
        self._rows.write(rows.encode("utf-8"))

    def _cells(self, field: str, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the index of its cell's XML (after the cell reference) in the returned list, -1 for no cell.
        The list ends with an empty string, so -1 also indexes something."""
        if pd.api.types.is_datetime64_any_dtype(values):
            style = self._styles.get(self._number_format(field), 0)  # 0: the column has no cell
            codes, uniques = pd.factorize(values)
            tails = [f'" s="{style}"><v>{serial:.16G}</v></c>' for serial in _excel_serials(pd.DatetimeIndex(uniques))]
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            codes, uniques = pd.factorize(values)
            tails = [_number_cell(value) for value in uniques]
        else:  # text, or a column of mixed cells (a number column holding "24 JP"): each cell as it is
            array = values.to_numpy(dtype=object)
            if pd.api.types.infer_dtype(array, skipna=True) in {"string", "empty"}:
                codes, uniques = pd.factorize(array)
                tails = _string_cells(uniques)
            else:
                tails = [_mixed_cell(value) for value in array]
                codes = np.where([tail is None for tail in tails], -1, np.arange(len(tails)))
                tails = [tail or "" for tail in tails]
        return codes, np.array([*tails, ""], dtype=object)

    def _number_format(self, field: str) -> str:
        return self.style.datetime_format if _is_timestamp(field) else self.style.date_format

    def _number_styles(self, labelled: Mapping[str, pd.Series]) -> None:
        """Number the date formats' cell styles in order of first use, row by row, as xlsxwriter does."""
        first_uses = []
        for column, (header, values) in enumerate(labelled.items()):
            if pd.api.types.is_datetime64_any_dtype(values) and values.notna().any():
                first_uses.append(
                    (int(np.argmax(values.notna().to_numpy())), column, self._number_format(self.columns[header]))
                )
        for _, _, number_format in sorted(first_uses):
            self._styles.setdefault(number_format, len(self._styles) + 1)

    def close(self) -> None:
        totals = self.style.header_row + 1 + self.rows_written
        totals_row = _sheet_row(totals, [_string_cell(self.style.totals_label), _number_cell(self.rows_written)])
        self._rows.write(totals_row.encode("utf-8"))
        last_column = column_letters(max(len(self.columns), 2) - 1)
        head = (
            f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_RELATIONSHIPS_NS}">'
            f'<dimension ref="A1:{last_column}{totals + 1}"/><sheetViews><sheetView tabSelected="1" '
            'workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>'
        )
        tail = (
            '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>"
        )
        size = self._rows.tell()
        self._rows.seek(0)
        with self._rows, zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED) as package:
            for name, text in _workbook_parts(self.sheet_name, self._styles).items():
                _zip_member(package, name, text.encode("utf-8"))
            with package.open(_zip_info("xl/worksheets/sheet1.xml", len(head) + size + len(tail)), "w") as sheet:
                sheet.write(head.encode("utf-8"))
                shutil.copyfileobj(self._rows, sheet, 1 << 20)
                sheet.write(tail.encode("utf-8"))


_SHEET_ROWS = 1_048_576
# Deflate level of the workbook's zip members: 1 packs a national-scale sheet several times faster than the usual
# 6 for files a fifth larger (an xlsx reader does not care).
XLSX_LEVEL = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_EDGE_SPACE = re.compile(r"^\s|\s$")
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def _sheet_row(row: int, cells: list[str]) -> str:
    """A row of cells (each the XML after its reference), 0-based `row`."""
    number = row + 1
    cells_xml = "".join(f'<c r="{column_letters(column)}{number}{cell}' for column, cell in enumerate(cells))
    return f'<row r="{number}">{cells_xml}</row>'


def _string_cell(text: str) -> str:
    """An inline string cell after its reference, as xlsxwriter writes one: &, < and > escaped, whitespace at
    either end preserved. Control characters, which XML cannot carry, become Excel's _xHHHH_ escapes."""
    preserve = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", _ESCAPED_ESCAPE.sub(r"_x005F\1", text))
    return f'" t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def _string_cells(texts: np.ndarray) -> list[str]:
    """`_string_cell` for many texts: the checks run once over all of them, the rare text that needs more alone."""
    joined = "\n".join(texts)
    if "&" in joined or "<" in joined or ">" in joined or _CONTROL.search(joined):
        return [_string_cell(text) for text in texts]
    edge = [text[:1].isspace() or text[-1:].isspace() for text in texts]  # what _EDGE_SPACE finds
    cells = '" t="inlineStr"><is><t>' + texts.astype(object) + "</t></is></c>"
    if any(edge):
        cells[np.flatnonzero(edge)] = [_string_cell(text) for text in texts[np.flatnonzero(edge)]]
    return list(cells)


def _number_cell(value: object) -> str:
    return f'"><v>{float(value):.16G}</v></c>'  # type: ignore[arg-type]


def _mixed_cell(value: object) -> str | None:
    """A cell of a mixed column: nothing for a missing value, a number cell for a number, else its text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _number_cell(value)
    return _string_cell(str(value))


def _excel_serials(values: pd.DatetimeIndex) -> np.ndarray:
    """Excel's serial day numbers (1900 system), computed as xlsxwriter computes them, so the floats are the same."""
    micros = (values.to_numpy("datetime64[us]") - np.datetime64("1899-12-31", "us")).astype(np.int64)
    days, rest = np.divmod(micros, 86_400_000_000)
    seconds, fraction = np.divmod(rest, 1_000_000)
    serials = days + (seconds.astype(float) + fraction.astype(float) / 1e6) / (60 * 60 * 24)
    serials[days == 1] -= 1  # xlsxwriter's own step back for 1 January 1900
    serials[serials > 59] += 1  # Excel's 29 February 1900
    return serials


def _zip_info(name: str, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = XLSX_LEVEL  # type: ignore[attr-defined]  # `compress_level` from Python 3.13
    info.external_attr = 0o600 << 16
    info.file_size = size  # an estimate is enough: zipfile decides on ZIP64 extensions from it
    return info


def _zip_member(package: zipfile.ZipFile, name: str, data: bytes) -> None:
    with package.open(_zip_info(name, len(data)), "w") as member:
        member.write(data)


def _workbook_parts(sheet: str, number_formats: Mapping[str, int]) -> dict[str, str]:
    """The package's parts other than the sheet: content types, relationships, workbook, styles, properties."""
    sheet_name = sheet.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    formats = sorted(number_formats.items(), key=lambda item: item[1])
    number_formats_xml = "".join(
        f'<numFmt numFmtId="{163 + index}" formatCode="{code.replace(chr(34), "&quot;")}"/>' for code, index in formats
    )
    xfs = "".join(
        f'<xf numFmtId="{163 + index}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        for _, index in formats
    )
    content_type = "application/vnd.openxmlformats-officedocument"
    return {
        "[Content_Types].xml": (
            f'{_XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{content_type}.extended-properties+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{content_type}.spreadsheetml.styles+xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{content_type}.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{content_type}.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE_NS}">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS_NS}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_RELATIONSHIPS_NS}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE_NS}">'
            f'<Relationship Id="rId1" Type="{_RELATIONSHIPS_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_RELATIONSHIPS_NS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'{_XML_DECLARATION}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_RELATIONSHIPS_NS}">'
            '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/>'
            f'</bookViews><sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets>'
            '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        ),
        "xl/styles.xml": (
            f'{_XML_DECLARATION}<styleSheet xmlns="{_MAIN_NS}">'
            + (f'<numFmts count="{len(formats)}">{number_formats_xml}</numFmts>' if formats else "")
            + '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(formats) + 1}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            f"{xfs}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
            'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
        ),
        "docProps/core.xml": (
            f"{_XML_DECLARATION}<cp:coreProperties "
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator></dc:creator><cp:lastModifiedBy></cp:lastModifiedBy>"
            # not "now": deterministic bytes
            '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:modified>'
            "</cp:coreProperties>"
        ),
        "docProps/app.xml": (
            f"{_XML_DECLARATION}<Properties "
            'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
            '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>'
            "</vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs>"
            f'<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>{sheet_name}</vt:lpstr></vt:vector>'
            "</TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>"
        ),
    }


class JsonLinesWriter(ExtractWriter):
    """One JSON object per line. A header with dots nests (`respondent.ageBand` -> {"respondent": {"ageBand": …}}),
    as API payloads do. DuckDB's JSON writer does the encoding: fast, and exact for every type."""

    first_record_position = 1

    def __init__(self, path: Path, profile: RegionProfile, dataset: str, columns: Mapping[str, str] | None = None):
        super().__init__(path, profile, dataset, columns)
        self.style: JsonLinesStyle = profile.style  # type: ignore[assignment]
        self._out = path.open("wb")
        self._connection = duckdb.connect(config={"threads": 1})  # one thread keeps row order and bytes stable

    def _write(self, frame: pd.DataFrame) -> None:
        labelled = _labelled(frame, self.profile, self.columns)
        flat: dict[str, pd.Series] = {}
        expressions: dict[str, object] = {}
        for index, (header, values) in enumerate(labelled.items()):
            column = quote_identifier(f"c{index}")
            flat[f"c{index}"] = values
            if pd.api.types.is_datetime64_any_dtype(values):
                format_ = self.style.datetime_format if _is_timestamp(self.columns[header]) else self.style.date_format
                column = f"strftime({column}, {sql_literal(format_)})"
            elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in _MIXED:
                # Numbers and text in one column (a JP of "24 JP"): DuckDB would type the column from a sample of
                # rows and fail on, or quote, the rest. Each value goes as its own JSON literal instead.
                flat[f"c{index}"] = values.map(_json_literal)
                column = f"CAST({column} AS JSON)"
            node = expressions
            *parents, leaf = header.split(".")
            for parent in parents:
                node = node.setdefault(parent, {})  # type: ignore[assignment]
            node[leaf] = column
        select = ", ".join(f"{_json_value(value)} AS {quote_identifier(key)}" for key, value in expressions.items())
        with tempfile.TemporaryDirectory() as scratch:
            part = Path(scratch) / "part.jsonl"
            self._connection.register("chunk", pd.DataFrame(flat))
            try:
                self._connection.execute(f"COPY (SELECT {select} FROM chunk) TO {sql_literal(str(part))} (FORMAT json)")
            finally:
                self._connection.unregister("chunk")
            with part.open("rb") as written:
                shutil.copyfileobj(written, self._out)

    def close(self) -> None:
        self._out.close()
        self._connection.close()


_MIXED = frozenset({"mixed", "mixed-integer", "mixed-integer-float"})


def _json_literal(value: object) -> str | None:
    """A value of a mixed column as JSON: numbers as numbers, anything else as a string; missing is null."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return json.dumps(float(value))
    return json.dumps(str(value), ensure_ascii=False)


def _json_value(node: object) -> str:
    if isinstance(node, dict):
        return "struct_pack(" + ", ".join(f"{quote_identifier(k)} := {_json_value(v)}" for k, v in node.items()) + ")"
    return str(node)


def _spaced(nips: pd.Series) -> pd.Series:
    """19850312201001 1 003 -> '19850312 201001 1 003'; an 18-digit column is cut character-wise by numpy."""
    text = nips.to_numpy(dtype=object)
    if len(text) and pd.api.types.infer_dtype(text, skipna=False) == "string":
        fixed = text.astype(str)
        if fixed.dtype.itemsize == 18 * 4 and np.char.str_len(fixed).min() == 18:
            chars = fixed.view("U1").reshape(len(fixed), 18)
            spaced = np.full((len(fixed), 21), " ", dtype="U1")
            spaced[:, :8], spaced[:, 9:15], spaced[:, 16], spaced[:, 18:] = (
                chars[:, :8], chars[:, 8:14], chars[:, 14], chars[:, 15:]
            )  # fmt: skip
            return pd.Series(spaced.view("U21").ravel().astype(object), index=nips.index)
    return nips.str[:8] + " " + nips.str[8:14] + " " + nips.str[14] + " " + nips.str[14 + 1 :]


def _decimal_comma(amounts: pd.Series) -> pd.Series:
    """1250000 -> '1.250.000,00'; missing stays missing. Each distinct amount is formatted once."""
    codes, uniques = pd.factorize(amounts)
    text = [f"{int(value):,}.00".replace(",", "\x00").replace(".", ",").replace("\x00", ".") for value in uniques]
    return pd.Series(np.array([*text, np.nan], dtype=object)[codes], index=amounts.index)


def open_extract(
    path: Path, profile: RegionProfile, dataset: str, columns: Mapping[str, str] | None = None
) -> ExtractWriter:
    """The writer for the region's file style; `columns` ({header: field}) overrides the profile's headers."""
    style = profile.style
    writer = {CsvStyle: CsvWriter, WorkbookStyle: WorkbookWriter, JsonLinesStyle: JsonLinesWriter}[type(style)]
    return writer(path, profile, dataset, columns)


def write_extract(
    frame: pd.DataFrame, profile: RegionProfile, dataset: str, path: Path, columns: Mapping[str, str] | None = None
) -> ExtractWriter:
    """Write a whole frame as one extract; returns the (closed) writer, which knows where the first record stands."""
    with open_extract(path, profile, dataset, columns) as writer:
        writer.write(frame)
    return writer
