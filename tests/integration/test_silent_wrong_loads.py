"""Issue 19, no silent wrong loads: what the text of a delivery no longer shows (a NIP stored as an Excel number, a
formula without its value, a JSON value of the wrong type, UTF-8 read as Windows-1252, a misdated delivery, a line
DuckDB skips) is a quarantine or a rejection naming the file, row and column, never a quiet NULL or wrong value."""

import json
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA, SOFIFI, SORONG
from ingestion.service import audit_rows, load_pending


def _reasons(settings: Settings) -> dict[int, list[dict[str, str]]]:
    with connect(settings=settings) as connection:
        rows = connection.execute("SELECT source_row, reasons FROM raw.quarantine ORDER BY source_row").fetchall()
    return dict(rows)


def _raw_rows(settings: Settings, column: str) -> dict[str, int]:
    """Each loaded record's value of `column` -> the line (or sheet row) raw says it came from."""
    with connect(settings=settings) as connection:
        return dict(connection.execute(f"SELECT {column}, _source_row FROM raw.personnel").fetchall())


def _rewrite_cells(workbook: Path, cells: dict[str, Callable[[str], str]]) -> None:
    """Replace whole cells (`<c r="A7" ...>...</c>`) of the workbook's first sheet with the XML each function makes
    of the cell's text, as another program would have written them."""
    with zipfile.ZipFile(workbook) as package:
        members = {info: package.read(info.filename) for info in package.infolist()}
    for info, content in members.items():
        if info.filename != "xl/worksheets/sheet1.xml":
            continue
        text = content.decode("utf-8")
        for reference, replacement in cells.items():
            match = re.search(rf'<c r="{reference}"[^>]*><is><t>([^<]*)</t></is></c>', text)
            assert match, reference
            text = text[: match.start()] + replacement(match.group(1)) + text[match.end() :]
        members[info] = text.encode("utf-8")
    with zipfile.ZipFile(workbook, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for info, content in members.items():
            package.writestr(info, content)


def test_a_nip_from_an_excel_number_cell_is_quarantined_naming_the_cell(
    settings: Settings, sofifi_personnel: Path
) -> None:
    # Sheet row 7's NIP as Excel stores a number typed into a General cell: 15 significant digits.
    delivered = {}

    def as_number(nip: str) -> str:
        delivered["nip"] = nip
        return f'<c r="A7"><v>{float(nip):.15G}</v></c>'

    _rewrite_cells(sofifi_personnel, {"A7": as_number})
    nip = delivered["nip"]
    (result,) = load_pending(settings, "sofifi", dataset="personnel")
    assert (result.status, result.loaded, result.quarantined) == ("loaded", SOFIFI.headcount - 1, 1)
    ((row, reasons),) = _reasons(settings).items()
    assert row == 7
    (reason,) = reasons
    read_as = str(int(float(nip)))  # what the number cell reads as: looks whole, and is not the NIP
    assert (reason["code"], reason["column"], reason["value"]) == ("invalid_nip:number_cell", "nip", read_as)
    assert reason["detail"].startswith("cell A7 ('NIP') is a number cell, not text")
    assert nip not in _raw_rows(settings, "nip")
    assert read_as not in _raw_rows(settings, "nip")


def test_formula_cells_without_a_value_and_error_cells_are_quarantined_naming_the_cell(
    settings: Settings, sofifi_personnel: Path
) -> None:
    # F: Pangkat/Golongan, J: Unit Kerja. A formula saved by a program that does not calculate has no <v>; an
    # error result is kept as t="e". calamine reads both as blank.
    _rewrite_cells(sofifi_personnel, {
        "F9": lambda _: '<c r="F9" t="str"><f>VLOOKUP(A9,Golongan!A:B,2,FALSE)</f></c>',
        "J12": lambda _: '<c r="J12" t="e"><f>VLOOKUP(I12,Unit!A:B,2,FALSE)</f><v>#N/A</v></c>',
    })  # fmt: skip
    (result,) = load_pending(settings, "sofifi", dataset="personnel")
    assert (result.status, result.quarantined) == ("loaded", 2)
    reasons = _reasons(settings)
    assert sorted(reasons) == [9, 12]
    (formula,) = reasons[9]
    assert (formula["code"], formula["column"], formula["value"]) == (
        "formula_without_value:golongan", "golongan", "=VLOOKUP(A9,Golongan!A:B,2,FALSE)"
    )  # fmt: skip
    assert formula["detail"].startswith("cell F9 ('Pangkat/Golongan'): a formula the workbook holds no value for")
    error = next(reason for reason in reasons[12] if reason["code"] == "cell_error:unit_name")
    assert (error["column"], error["value"]) == ("unit_name", "#N/A")
    assert error["detail"].startswith("cell J12 ('Unit Kerja'): an error value")
    assert set(_raw_rows(settings, "nip").values()).isdisjoint({9, 12})


def test_json_values_of_the_wrong_type_are_quarantined_with_key_path_and_type(
    settings: Settings, banjarbaru_personnel: Path
) -> None:
    records = [json.loads(line) for line in banjarbaru_personnel.read_text(encoding="utf-8").splitlines()]
    records[2]["jabatan"] = json.dumps(records[2]["jabatan"])  # line 3: an object sent as a string
    records[4]["skp"]["tahunLalu"] = {"predikat": records[4]["skp"]["tahunLalu"]}  # line 5: an object, not a value
    records[6]["nip"] = int(records[6]["nip"])  # line 7: a NIP as a JSON number
    records[8]["pendidikan"] = [records[8]["pendidikan"]]  # line 9: an array where an object belongs
    banjarbaru_personnel.write_text("\n".join(map(json.dumps, records)) + "\n", encoding="utf-8")
    (result,) = load_pending(settings, "banjarbaru", dataset="personnel")
    assert (result.status, result.quarantined) == ("loaded", 4)
    found = {row: {(r["code"], r["detail"]) for r in reasons} for row, reasons in _reasons(settings).items()}
    assert sorted(found) == [3, 5, 7, 9]
    assert {
        ("wrong_json_type:position_title", "key jabatan holds a string, not an object: jabatan.nama cannot be read"),
        ("wrong_json_type:position_type", "key jabatan holds a string, not an object: jabatan.jenis cannot be read"),
    } <= found[3]
    assert ("wrong_json_type:skp_rating_last_year", "key skp.tahunLalu holds an object, not one value") in found[5]
    assert {code for code, _ in found[7]} == {"wrong_json_type:nip"}
    assert "key nip holds a number, not a string" in next(iter(found[7]))[1]
    assert ("wrong_json_type:education_level",
            "key pendidikan holds an array, not an object: pendidikan.jenjang cannot be read") in found[9]  # fmt: skip
    with connect(settings=settings) as connection:
        (value,) = connection.execute(
            """SELECT r.value FROM raw.quarantine, unnest(reasons) AS u(r)
               WHERE source_row = 3 AND r.code = 'wrong_json_type:position_title'"""
        ).fetchone()
    assert json.loads(json.loads(value)) == json.loads(records[2]["jabatan"])  # the string as it came


def test_a_utf8_file_from_a_windows_1252_region_is_rejected_naming_the_first_line(settings: Settings) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(SORONG,))
    (personnel,) = settings.landing_dir.glob("sorong/personnel/*/*.csv")
    text = personnel.read_bytes().decode("cp1252")
    personnel.write_bytes(text.encode("utf-8"))  # the region's new system writes UTF-8; the registry says cp1252
    first = next(number for number, line in enumerate(text.split("\n"), start=1) if not line.isascii())
    (result,) = load_pending(settings, "sorong", dataset="personnel")
    assert result.status == "rejected"
    assert f"{personnel}: line {first}: UTF-8 text, but ingestion/sources/sorong.yml says personnel comes as " \
           "cp1252: read so, its letters beyond ASCII would load as mojibake" in result.message  # fmt: skip
    assert list((settings.warehouse_dir / "ingest_work").glob("*")) == []  # no transcoded copy left behind
    with connect(settings=settings) as connection:
        assert connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0] == 0


def test_a_delivery_dated_in_the_future_is_rejected_naming_the_date(settings: Settings, sample_delivery: Path) -> None:
    future = datetime.now(UTC).date() + timedelta(days=365)
    dated = sample_delivery.parent.rename(sample_delivery.parent.with_name(future.isoformat()))
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert result.status == "rejected"
    assert f"{dated / sample_delivery.name}: dated {future.isoformat()} (its folder's name), after today" in (
        result.message
    )
    (audit,) = audit_rows(settings)
    assert (audit["status"], audit["delivery_id"]) == ("rejected", f"langsa/personnel/{future.isoformat()}")
    assert "after today" in str(audit["error"])
    with connect(settings=settings) as connection:
        assert connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0] == 0


def test_line_numbers_are_physical_lines_after_a_blank_line_and_a_value_spanning_lines(
    settings: Settings, sample_delivery: Path
) -> None:
    headers = list(LANGSA.columns["personnel"])
    original = sample_delivery.read_text(encoding="utf-8").split("\n")
    name, gender = headers.index("nama"), headers.index("jenis_kelamin")
    spanning = original[5].split(",")
    spanning[name] = '"' + spanning[name].replace(" ", "\n", 1) + '"'  # a name over two lines, quoted
    bad = original[9].split(",")
    bad[gender] = "X"
    # A blank line after line 3, and the record of line 6 over two lines: every later record is two lines down.
    written = [*original[:3], "", *original[3:5], ",".join(spanning), *original[6:9], ",".join(bad), *original[10:]]
    text = "\n".join(written)
    sample_delivery.write_text(text, encoding="utf-8")

    def physical_line(nip: str) -> int:
        return text[: text.index(nip)].count("\n") + 1

    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert (result.status, result.received, result.quarantined) == ("loaded", LANGSA.headcount, 1)
    assert list(_reasons(settings)) == [physical_line(bad[0])] == [12]  # line 10 before
    rows = _raw_rows(settings, "nip")
    # After the blank line, the record spanning lines 7-8, the one after it, the last one.
    nips = [original[3].split(",", 1)[0], spanning[0], original[6].split(",", 1)[0], original[-2].split(",", 1)[0]]
    assert [rows[nip] for nip in nips] == [physical_line(nip) for nip in nips] == [5, 7, 9, LANGSA.headcount + 3]
