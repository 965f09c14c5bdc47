"""Loading real generated deliveries into a real DuckDB file."""

import csv
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from asn_platform.core.settings import SOURCES_DIR, Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import BANJARBARU, LANGSA, MEDAN, SORONG
from ingestion.deliveries import inside_landing
from ingestion.registry import RegistryError, load_region, region_source
from ingestion.service import audit_rows, load_pending

LANGSA_HEADERS = list(LANGSA.columns["personnel"])
UNIT = LANGSA_HEADERS.index("kode_unit")


def _raw_count(settings: Settings) -> int:
    with connect(settings=settings) as connection:
        return connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0]


def _rewrite(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_sample_delivery_loads_every_row_with_its_lineage(settings: Settings, sample_delivery: Path) -> None:
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert (result.status, result.received, result.loaded, result.duplicates) == ("loaded", LANGSA.headcount,
                                                                                   LANGSA.headcount, 0)  # fmt: skip
    with connect(settings=settings) as connection:
        lineage = connection.execute(
            """SELECT DISTINCT _region, _delivery_id, _source_file, min(_source_row), max(_source_row)
               FROM raw.personnel GROUP BY ALL"""
        ).fetchall()
        first = connection.execute(
            "SELECT nip, gender, status, birth_date::VARCHAR FROM raw.personnel WHERE _source_row = 2"
        ).fetchone()
    source_file = "langsa/personnel/2026-11-01/langsa_pegawai_20261101.csv"
    assert lineage == [("langsa", "langsa/personnel/2026-11-01", source_file, 2, LANGSA.headcount + 1)]
    with sample_delivery.open(encoding="utf-8") as handle:
        source = next(csv.DictReader(handle))
    statuses = {"Aktif": "active", "Pensiun": "retired", "Mutasi Keluar": "transferred_out", "Meninggal": "deceased"}
    # Values mapped to the contract (L/P -> M/F, Indonesian statuses -> contract codes), dates typed.
    expected = (source["nip"], {"L": "M", "P": "F"}[source["jenis_kelamin"]], statuses[source["status_pegawai"]],
                source["tanggal_lahir"])  # fmt: skip
    assert first == expected
    (audit,) = audit_rows(settings)
    assert audit["received_rows"] == audit["loaded_rows"] + audit["quarantined_rows"] + audit["duplicate_rows"]


def test_loading_the_same_delivery_again_changes_nothing(settings: Settings, sample_delivery: Path) -> None:
    load_pending(settings, "langsa", dataset="personnel")
    (again,) = load_pending(settings, "langsa", dataset="personnel")
    assert again.status == "unchanged"
    assert _raw_count(settings) == LANGSA.headcount
    assert [row["status"] for row in audit_rows(settings)] == ["loaded"]


def test_exact_duplicate_lines_are_counted_not_loaded(settings: Settings, sample_delivery: Path) -> None:
    _rewrite(sample_delivery, lambda rows: [*rows, rows[5], rows[5]])
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert (result.received, result.loaded, result.duplicates) == (LANGSA.headcount + 2, LANGSA.headcount, 2)
    assert audit_rows(settings)[0]["duplicate_rows"] == 2


def test_missing_column_rejects_the_delivery_naming_file_and_column(settings: Settings, sample_delivery: Path) -> None:
    _rewrite(sample_delivery, lambda rows: [row[:UNIT] + row[UNIT + 1 :] for row in rows])  # drop kode_unit
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert result.status == "rejected"
    assert str(sample_delivery) in result.message
    assert "missing column 'kode_unit' (unit_code)" in result.message
    (audit,) = audit_rows(settings)
    assert (audit["status"], audit["loaded_rows"]) == ("rejected", None)
    assert "kode_unit" in audit["error"]
    with connect(settings=settings) as connection:
        assert connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0] == 0


def _quarantined(settings: Settings) -> list[tuple[int, list[str], dict[str, object]]]:
    with connect(settings=settings) as connection:
        rows = connection.execute(
            """SELECT source_row, list_transform(reasons, lambda r: r.code), record
               FROM raw.quarantine ORDER BY source_row"""
        ).fetchall()
    return [(row, codes, json.loads(record)) for row, codes, record in rows]


def test_bad_records_go_to_quarantine_with_their_reasons_and_the_rest_loads(
    settings: Settings, sample_delivery: Path
) -> None:
    def corrupt(rows: list[list[str]]) -> list[list[str]]:
        rows[3][0] = "1985031220100110"  # NIP two digits short, file row 4
        rows[7][LANGSA_HEADERS.index("jenis_kelamin")] = "X"  # gender neither L nor P, file row 8
        return rows

    _rewrite(sample_delivery, corrupt)
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert (result.status, result.loaded, result.quarantined) == ("loaded", LANGSA.headcount - 2, 2)
    quarantined = _quarantined(settings)
    assert [(row, codes) for row, codes, _ in quarantined] == [(4, ["bad_format:nip"]), (8, ["not_allowed:gender"])]
    assert quarantined[0][2]["nip"] == "1985031220100110"  # the record as delivered, every column as text
    assert quarantined[1][2]["jenis_kelamin"] == "X"
    with connect(settings=settings) as connection:
        assert connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0] == LANGSA.headcount - 2
        failed = connection.execute(
            "SELECT count(*) FROM dq.expectation_results WHERE stage = 'delivery' AND NOT success"
        ).fetchone()[0]
    assert failed == 2  # both checks recorded as failed in the data-quality results
    (audit,) = audit_rows(settings)
    assert (audit["received_rows"], audit["loaded_rows"], audit["quarantined_rows"]) == (3000, 2998, 2)


def test_a_nip_that_disagrees_with_the_record_quarantines_it(settings: Settings, sample_delivery: Path) -> None:
    gender = LANGSA_HEADERS.index("jenis_kelamin")
    birth = LANGSA_HEADERS.index("tanggal_lahir")

    def corrupt(rows: list[list[str]]) -> list[list[str]]:
        rows[2][birth] = "1970-01-01" if not rows[2][0].startswith("19700101") else "1971-01-01"  # file row 3
        rows[5][gender] = "P" if rows[5][0][14] == "1" else "L"  # file row 6: the other sex than digit 15
        return rows

    _rewrite(sample_delivery, corrupt)
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert (result.status, result.quarantined) == ("loaded", 2)
    quarantined = _quarantined(settings)
    assert [(row, codes) for row, codes, _ in quarantined] == [
        (3, ["nip_mismatch:birth_date"]),
        (6, ["nip_mismatch:gender"]),
    ]


def test_a_delivery_with_mostly_bad_records_is_rejected_whole(settings: Settings, sample_delivery: Path) -> None:
    _rewrite(sample_delivery, lambda rows: [rows[0], *([*row[:3], "X", *row[4:]] for row in rows[1:])])
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert result.status == "rejected"
    assert "3,000 of 3,000 records fail their checks, more than the 50% this source tolerates" in result.message
    assert "expect_column_values_to_be_in_set(gender)" in result.message
    with connect(settings=settings) as connection:
        assert connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0] == 0


def test_a_rejected_delivery_does_not_stop_the_next_one(settings: Settings, sample_delivery: Path) -> None:
    later = settings.landing_dir / "langsa" / "personnel" / "2026-11-08" / "langsa_pegawai_20261108.csv"
    later.parent.mkdir(parents=True)
    later.write_bytes(sample_delivery.read_bytes())
    sample_delivery.write_text("")  # an empty file
    first, second = load_pending(settings, "langsa", dataset="personnel")
    assert first.status == "rejected"
    assert str(sample_delivery) in first.message
    assert second.status == "loaded"
    assert _raw_count(settings) == LANGSA.headcount


def test_unknown_region_lists_the_configured_ones(settings: Settings) -> None:
    with pytest.raises(RegistryError, match=r"unknown region 'atlantis'; configured regions: \[.*'langsa'.*\]"):
        load_pending(settings, "atlantis")
    with pytest.raises(RegistryError, match=r"region 'langsa' delivers no dataset 'payroll'"):
        load_pending(settings, "langsa", dataset="payroll")


def _broken_registry(tmp_path: Path, edit) -> Path:
    source = region_source("langsa", SOURCES_DIR).model_dump()
    edit(source["datasets"]["personnel"])
    path = tmp_path / "langsa.yml"
    path.write_text(yaml.safe_dump(source))
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda personnel: personnel.update(delimter=";"),
            "datasets.personnel.delimter: Extra inputs are not permitted",
        ),
        (lambda personnel: personnel["columns"].pop("nip"), "leaves required contract fields unmapped: ['nip']"),
        (lambda personnel: personnel.update(format="parquet"), "datasets.personnel.format: Input should be 'csv'"),
        (lambda personnel: personnel["columns"].update(salary="gaji"), "maps fields the contract does not have"),
        (lambda personnel: personnel.update(transport="api"), "transport 'api' needs an 'api' section"),
        (
            lambda personnel: personnel.update(transport="api", api={"connection_id": "x", "endpoint": "/v1/p"}),
            "an API dataset is landed as JSON Lines: format must be 'jsonl'",
        ),
        (lambda personnel: personnel.update(load_mode="delta"), "load_mode 'delta' needs 'full_file_pattern'"),
        (
            lambda personnel: personnel.update(format="xlsx", compression="gzip"),
            "an xlsx workbook is already compressed",
        ),
    ],
)
def test_registry_errors_name_the_file_and_key(tmp_path: Path, edit, message: str) -> None:
    path = _broken_registry(tmp_path, edit)
    with pytest.raises(RegistryError) as failure:
        load_region(path)
    assert str(failure.value).startswith(f"{path}: ")
    assert message in str(failure.value)


def test_an_unknown_time_zone_is_named(tmp_path: Path) -> None:
    source = region_source("langsa", SOURCES_DIR).model_dump()
    source["timezone"] = "Asia/Langsa"
    path = tmp_path / "langsa.yml"
    path.write_text(yaml.safe_dump(source))
    with pytest.raises(RegistryError, match=r"langsa.yml: timezone: .*unknown time zone 'Asia/Langsa'"):
        load_region(path)


def test_region_name_must_match_its_file(tmp_path: Path) -> None:
    path = _broken_registry(tmp_path, lambda personnel: None)
    renamed = path.rename(tmp_path / "sorong.yml")
    with pytest.raises(RegistryError, match="region: 'langsa' must match the file name 'sorong'"):
        load_region(renamed)


def test_paths_outside_the_landing_area_are_refused(settings: Settings, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("x")
    with pytest.raises(RegistryError, match="outside the landing area"):
        inside_landing(settings.landing_dir / ".." / ".." / "elsewhere.csv", settings.landing_dir)


def test_a_malformed_record_names_its_line_and_keeps_its_content_out(settings: Settings, sample_delivery: Path) -> None:
    lines = sample_delivery.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[9] = lines[9].rstrip("\n") + ",extra field\n"  # file line 10
    sample_delivery.write_text("".join(lines), encoding="utf-8")
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert result.status == "rejected"
    assert f"{sample_delivery}: cannot be read as csv" in result.message
    assert "Line: 10" in result.message
    assert lines[9].split(",")[0] not in result.message  # the NIP on that line is not copied into audit or logs


def test_a_wrongly_encoded_file_is_rejected_naming_the_encoding(settings: Settings, sample_delivery: Path) -> None:
    sample_delivery.write_bytes(sample_delivery.read_bytes().replace(b"nip,nama", b"nip,n\xe2ma", 1))
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert result.status == "rejected"
    assert f"{sample_delivery}: line 1: not utf-8 text" in result.message


def test_an_unparseable_date_quarantines_its_record_with_the_text(settings: Settings, sample_delivery: Path) -> None:
    def corrupt(rows: list[list[str]]) -> list[list[str]]:
        rows[4][LANGSA_HEADERS.index("tanggal_lahir")] = "31/02/1980"
        return rows

    _rewrite(sample_delivery, corrupt)
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert (result.status, result.quarantined) == ("loaded", 1)
    with connect(settings=settings) as connection:
        (reasons,) = connection.execute("SELECT reasons FROM raw.quarantine WHERE source_row = 5").fetchone()
    assert {"code": "unparseable:birth_date", "column": "birth_date", "value": "31/02/1980",
            "detail": "not a date in the format '%Y-%m-%d'"} in reasons  # fmt: skip


def test_a_rejected_file_is_not_reread_until_it_changes(settings: Settings, sample_delivery: Path) -> None:
    original = sample_delivery.read_bytes()
    _rewrite(sample_delivery, lambda rows: [row[:UNIT] + row[UNIT + 1 :] for row in rows])
    load_pending(settings, "langsa", dataset="personnel")
    (again,) = load_pending(settings, "langsa", dataset="personnel")
    assert again.status == "rejected"
    assert again.message.startswith("already rejected, unchanged since: ")
    assert [row["status"] for row in audit_rows(settings)] == ["rejected"]  # audited once, not on every run
    sample_delivery.write_bytes(original)  # the region sends a corrected file for the same date
    (corrected,) = load_pending(settings, "langsa", dataset="personnel")
    assert (corrected.status, corrected.loaded) == ("loaded", LANGSA.headcount)


def test_records_differing_only_in_which_field_is_blank_are_not_duplicates(
    settings: Settings, sample_delivery: Path
) -> None:
    def add_lookalikes(rows: list[list[str]]) -> list[list[str]]:
        first, second = list(rows[1]), list(rows[1])
        golongan = LANGSA_HEADERS.index("golongan")
        first[golongan], second[golongan] = "", "III/a"  # same NIP, golongan blank in one, set in the other
        return [*rows[:1], first, second, *rows[2:]]

    _rewrite(sample_delivery, add_lookalikes)
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    # Two different records for one NIP: neither is deduplicated away, and which is right cannot be told: both wait.
    assert (result.status, result.duplicates, result.quarantined) == ("loaded", 0, 2)
    assert [(row, codes) for row, codes, _ in _quarantined(settings)] == [
        (2, ["duplicate_key:nip"]), (3, ["duplicate_key:nip"])
    ]  # fmt: skip


def test_values_lose_the_spaces_around_them_and_keep_their_own(settings: Settings, sample_delivery: Path) -> None:
    """Cleaning trims spaces at either end (only those: a tab is data), keeps inner spacing, reads all-blank as
    missing, and maps and types a padded value like a clean one."""
    column = {header: LANGSA_HEADERS.index(header) for header in ("nama", "jabatan", "jenis_kelamin", "golongan",
                                                                   "tanggal_lahir")}  # fmt: skip
    originals: list[list[str]] = []

    def pad(rows: list[list[str]]) -> list[list[str]]:
        originals.extend(list(row) for row in rows[1:4])
        first, second, third = rows[1:4]
        first[column["nama"]] = "  Siti  Aminah"
        first[column["jabatan"]] = first[column["jabatan"]] + "   "
        first[column["jenis_kelamin"]] = f" {first[column['jenis_kelamin']]} "
        second[column["golongan"]] = "   "
        second[column["tanggal_lahir"]] = f"  {second[column['tanggal_lahir']]} "
        third[column["nama"]] = "\tTab Kiri "
        return rows

    _rewrite(sample_delivery, pad)
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert (result.status, result.quarantined) == ("loaded", 0)
    with connect(settings=settings) as connection:
        loaded = connection.execute(
            "SELECT full_name, position_title, gender, golongan, birth_date::VARCHAR FROM raw.personnel "
            "WHERE _source_row < 5 ORDER BY _source_row"
        ).fetchall()
    first, second, _ = originals
    assert loaded[0][:3] == (
        "Siti  Aminah",
        first[column["jabatan"]],
        {"L": "M", "P": "F"}[first[column["jenis_kelamin"]]],
    )
    assert loaded[1][3:] == (None, second[column["tanggal_lahir"]])
    assert loaded[2][0] == "\tTab Kiri"


def test_delivery_folders_must_be_real_iso_dates(settings: Settings, sample_delivery: Path) -> None:
    (settings.landing_dir / "langsa" / "personnel" / "20261101").mkdir()  # not YYYY-MM-DD: ignored
    (settings.landing_dir / "langsa" / "personnel" / "2026-02-30").mkdir()
    with pytest.raises(RegistryError, match=r"2026-02-30: not a real date"):
        load_pending(settings, "langsa", dataset="personnel")


def test_a_raw_table_that_drifted_from_the_contract_stops_the_load(settings: Settings, sample_delivery: Path) -> None:
    with connect(settings=settings) as connection:
        connection.execute("CREATE SCHEMA raw")
        connection.execute("CREATE TABLE raw.personnel (nip VARCHAR, nama VARCHAR)")
    with pytest.raises(RuntimeError, match=r"raw.personnel no longer matches the contract .*'full_name'"):
        load_pending(settings, "langsa", dataset="personnel")
    with connect(settings=settings) as connection:
        assert connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0] == 0


def test_every_dataset_of_the_region_loads_in_one_call(settings: Settings, sample_delivery: Path) -> None:
    results = load_pending(settings, "langsa")
    assert [(r.delivery.dataset, r.status) for r in results] == [
        ("services", "loaded"), ("units", "loaded"),  # the region's reference lists first
        ("complaints", "loaded"), ("personnel", "loaded"), ("survey_responses", "loaded"), ("training", "loaded"),
    ]  # fmt: skip
    (training_file,) = settings.landing_dir.glob("langsa/training/*/*.csv")
    delivered = len(training_file.read_text(encoding="utf-8").splitlines()) - 1
    with connect(settings=settings) as connection:
        loaded, never_trained, backwards = connection.execute(
            """SELECT count(*),
                      (SELECT count(*) FROM raw.personnel p WHERE NOT EXISTS
                          (SELECT 1 FROM raw.training t WHERE t.nip = p.nip)),
                      count(*) FILTER (end_date < start_date)
               FROM raw.training"""
        ).fetchone()
    assert loaded == delivered == results[5].received
    assert backwards == 0
    assert 0.05 < never_trained / LANGSA.headcount < 0.4  # the tail of people who never train in three years


def test_training_that_ends_before_it_starts_is_caught(settings: Settings, sample_delivery: Path) -> None:
    (training_file,) = settings.landing_dir.glob("langsa/training/*/*.csv")
    rows = list(csv.reader(training_file.open(encoding="utf-8")))
    rows[2][8] = "2000-01-01"  # tgl_selesai before tgl_mulai, file line 3
    with training_file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    (result,) = load_pending(settings, "langsa", dataset="training")
    assert (result.status, result.quarantined) == ("loaded", 1)
    assert [(row, codes) for row, codes, _ in _quarantined(settings)] == [(3, ["out_of_order:end_date<start_date"])]


def test_sorong_windows_export_loads_with_nips_dates_numbers_and_oap_normalised(
    settings: Settings, sample_delivery: Path
) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(SORONG,))
    results = load_pending(settings, "sorong")
    assert {(r.delivery.dataset, r.status) for r in results} == {
        ("services", "loaded"), ("units", "loaded"),  # the region's reference lists first
        ("complaints", "loaded"), ("personnel", "loaded"), ("survey_responses", "loaded"), ("training", "loaded"),
    }  # fmt: skip
    (personnel_file,) = settings.landing_dir.glob("sorong/personnel/*/*.csv")
    first = personnel_file.read_bytes().decode("cp1252").split("\r\n")[1].split(";")
    with connect(settings=settings) as connection:
        nip, birth, oap, name = connection.execute(
            "SELECT nip, birth_date::VARCHAR, oap_status, full_name FROM raw.personnel WHERE _source_row = 2"
        ).fetchone()
        apostrophes = connection.execute(
            "SELECT count(*) FROM raw.personnel WHERE contains(full_name, chr(8217))"
        ).fetchone()[0]
        costs = connection.execute("SELECT min(cost_idr), max(cost_idr) FROM raw.training").fetchone()
    day, month, year = first[2].split("/")
    assert (nip, birth, oap, name) == (first[0].replace(" ", ""), f"{year}-{month}-{day}", first[18] == "Ya", first[1])
    assert apostrophes > 0  # Windows-1252 text arrives as the same characters, not mojibake
    assert costs[0] > 0
    assert costs[1] > 1_000_000  # '1.250.000,00' is 1,250,000 rupiah, not 1.25


def test_sofifi_workbooks_load_with_excel_rows_as_lineage(settings: Settings, sofifi_personnel: Path) -> None:
    results = load_pending(settings, "sofifi")
    assert [(r.delivery.dataset, r.status) for r in results] == [
        ("services", "loaded"), ("units", "loaded"),  # the region's reference lists first
        ("complaints", "loaded"), ("personnel", "loaded"), ("survey_responses", "loaded"), ("training", "loaded"),
    ]  # fmt: skip
    with connect(settings=settings) as connection:
        first, last, people, birth = connection.execute(
            "SELECT min(_source_row), max(_source_row), count(*), min(birth_date) FROM raw.personnel"
        ).fetchone()
    assert (first, last, people) == (5, 7004, 7000)  # Excel rows: header on row 4, the JUMLAH row 7005 dropped
    assert birth.year > 1900


def _rewrite_workbook(
    settings: Settings, path: Path, drop_totals: bool = False, rename: dict[str, str] | None = None
) -> None:
    import fastexcel
    import xlsxwriter

    sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string")
    with connect(in_memory=True, settings=settings) as connection:
        connection.register("sheet", sheet)
        rows = connection.sql("SELECT * FROM sheet").df()
    rows = rows.iloc[:-1] if drop_totals else rows
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Pegawai")
    for index, row in enumerate(rows.itertuples(index=False)):
        values = [(rename or {}).get(value, value) if index == 3 else value for value in row]
        sheet.write_row(index, 0, ["" if pd.isna(value) else value for value in values])
    workbook.close()


def test_a_workbook_without_its_totals_row_is_rejected_not_trimmed(settings: Settings, sofifi_personnel: Path) -> None:
    _rewrite_workbook(settings, sofifi_personnel, drop_totals=True)
    (result,) = load_pending(settings, "sofifi", dataset="personnel")
    assert result.status == "rejected"
    assert "expected 1 totals row(s) at the end matching '^JUMLAH$'" in result.message
    assert "(7004, '" in result.message  # names the row it would otherwise have dropped


def test_a_renamed_header_in_a_workbook_names_the_column(settings: Settings, sofifi_personnel: Path) -> None:
    _rewrite_workbook(settings, sofifi_personnel, rename={"Unit Kerja": "Nama Unit"})
    (result,) = load_pending(settings, "sofifi", dataset="personnel")
    assert result.status == "rejected"
    assert "missing column 'Unit Kerja' (unit_name)" in result.message


@pytest.fixture
def medan_files(settings: Settings) -> list[Path]:
    return generate_sample(settings.landing_dir, settings.sample_seed, profiles=(MEDAN,))


def test_medan_full_extract_and_deltas_load_in_delivery_order(settings: Settings, medan_files: list[Path]) -> None:
    results = load_pending(settings, "medan", dataset="personnel")
    assert [(r.delivery.delivery_date.isoformat(), r.status) for r in results] == [
        ("2026-10-29", "loaded"), ("2026-10-30", "loaded"), ("2026-10-31", "loaded"), ("2026-11-01", "loaded")
    ]  # fmt: skip
    assert results[0].loaded == MEDAN.headcount
    with connect(settings=settings) as connection:
        kinds = connection.execute(
            "SELECT delivery_kind, count(*) FROM raw.load_audit WHERE dataset = 'personnel' GROUP BY ALL ORDER BY 1"
        ).fetchall()
        # A person who changed in a delta: the full extract's version and the delta's, both kept in raw.
        nip, versions = connection.execute(
            """SELECT nip, list(status ORDER BY _delivery_id) FROM raw.personnel
               GROUP BY nip HAVING count(*) > 1 ORDER BY nip LIMIT 1"""
        ).fetchone()
    assert kinds == [("delta", 3), ("full", 1)]
    assert len(nip) == 18
    assert versions[0] == "active"
    assert load_pending(settings, "medan", dataset="personnel")[0].status == "unchanged"


def test_a_truncated_gzip_delivery_is_rejected_and_the_others_load(settings: Settings, medan_files: list[Path]) -> None:
    delta = settings.landing_dir / "medan/training/2026-10-31/medan_diklat_delta_20261031.csv.gz"
    data = delta.read_bytes()
    delta.write_bytes(data[: len(data) // 2])
    results = {r.delivery.delivery_date.isoformat(): r for r in load_pending(settings, "medan", dataset="training")}
    assert results["2026-10-31"].status == "rejected"
    assert "medan_diklat_delta_20261031.csv.gz" in results["2026-10-31"].message
    assert {date: r.status for date, r in results.items() if date != "2026-10-31"} == dict.fromkeys(
        ("2026-10-29", "2026-10-30", "2026-11-01"), "loaded"
    )


def test_an_empty_delta_loads_as_no_change_but_an_empty_full_extract_is_rejected(
    settings: Settings, medan_files: list[Path]
) -> None:
    def empty(path: Path) -> None:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header = handle.readline()
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(header)

    for path in settings.landing_dir.glob("medan/complaints/*/*_delta_*.csv.gz"):
        empty(path)  # nothing changed those days
    results = load_pending(settings, "medan", dataset="complaints")
    assert [(r.delivery.delivery_date.isoformat(), r.status) for r in results] == [
        ("2026-10-29", "loaded"), ("2026-10-30", "loaded"), ("2026-10-31", "loaded"), ("2026-11-01", "loaded"),
    ]  # fmt: skip
    assert [r.loaded for r in results[1:]] == [0, 0, 0]
    broken_full = settings.landing_dir / "medan/complaints/2026-11-02/medan_aduan_full_20261102.csv.gz"
    broken_full.parent.mkdir()
    (empty_delta,) = settings.landing_dir.glob("medan/complaints/2026-11-01/*.gz")
    broken_full.write_bytes(empty_delta.read_bytes())
    (rejected,) = [r for r in load_pending(settings, "medan", dataset="complaints") if r.status != "unchanged"]
    assert rejected.status == "rejected"
    assert "expect_table_row_count_to_be_between" in rejected.message  # a full extract with no rows is an error


def test_banjarbaru_json_lines_load_with_nested_keys_and_line_numbers(
    settings: Settings, banjarbaru_personnel: Path
) -> None:
    (result,) = load_pending(settings, "banjarbaru", dataset="personnel")
    assert (result.status, result.loaded) == ("loaded", BANJARBARU.headcount)
    record = json.loads(banjarbaru_personnel.read_text(encoding="utf-8").splitlines()[0])
    with connect(settings=settings) as connection:
        row = connection.execute(
            """SELECT nip, position_title, unit_code, skp_rating_last_year, discipline_sanction, gender
               FROM raw.personnel WHERE _source_row = 1"""
        ).fetchone()
    expected_gender = {"L": "M", "P": "F"}[record["jenisKelamin"]]
    expected_sanction = {"TIDAK_ADA": "none", "RINGAN": "light", "SEDANG": "moderate", "BERAT": "heavy"}
    assert row == (
        record["nip"], record["jabatan"]["nama"], record["unor"]["id"], record["skp"]["tahunLalu"],
        expected_sanction[record["hukdis"]["jenis"]], expected_gender,
    )  # fmt: skip


def test_a_json_key_no_record_has_is_a_missing_column(settings: Settings, banjarbaru_personnel: Path) -> None:
    lines = banjarbaru_personnel.read_text(encoding="utf-8").splitlines()
    renamed = [json.dumps({("unit" if key == "unor" else key): value for key, value in json.loads(line).items()})
               for line in lines]  # fmt: skip
    banjarbaru_personnel.write_text("\n".join(renamed) + "\n", encoding="utf-8")
    (result,) = load_pending(settings, "banjarbaru", dataset="personnel")
    assert result.status == "rejected"
    assert "missing key 'unor.id' (unit_code), 'unor.nama' (unit_name)" in result.message


def test_a_broken_json_line_is_named(settings: Settings, banjarbaru_personnel: Path) -> None:
    lines = banjarbaru_personnel.read_text(encoding="utf-8").splitlines()
    lines[41] = lines[41][:-20]  # cut off mid-object
    banjarbaru_personnel.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (result,) = load_pending(settings, "banjarbaru", dataset="personnel")
    assert result.status == "rejected"
    assert "cannot be read as JSON Lines" in result.message


def test_a_delta_waits_for_its_full_extract_and_loads_once_it_is_there(
    settings: Settings, medan_files: list[Path]
) -> None:
    full = settings.landing_dir / "medan/personnel/2026-10-29/medan_pegawai_full_20261029.csv.gz"
    held_back = full.read_bytes()
    full.unlink()  # the full extract has not arrived (or was rejected)
    results = load_pending(settings, "medan", dataset="personnel")
    assert [r.status for r in results] == ["waiting", "waiting", "waiting"]
    assert "no full extract of medan/personnel dated on or before it has loaded" in results[0].message
    full.write_bytes(held_back)
    assert [r.status for r in load_pending(settings, "medan", dataset="personnel")] == ["loaded"] * 4


def test_a_blank_line_in_json_lines_is_refused_with_its_line_number(
    settings: Settings, banjarbaru_personnel: Path
) -> None:
    lines = banjarbaru_personnel.read_text(encoding="utf-8").splitlines()
    lines.insert(10, "")
    banjarbaru_personnel.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (result,) = load_pending(settings, "banjarbaru", dataset="personnel")
    assert result.status == "rejected"
    assert "line 11: blank line between JSON records" in result.message


def test_units_are_checked_against_the_region_s_own_list(settings: Settings, sample_delivery: Path) -> None:
    def corrupt(rows: list[list[str]]) -> list[list[str]]:
        rows[1][UNIT] = "LGS-NOWHERE"  # a unit the region's list does not have, file line 2
        rows[2][UNIT + 1] = "  " + rows[2][UNIT + 1].upper() + " "  # a known unit, spelt loosely, file line 3
        return rows

    original_name = list(csv.reader(sample_delivery.open(encoding="utf-8")))[2][UNIT + 1]
    _rewrite(sample_delivery, corrupt)
    results = {r.delivery.dataset: r for r in load_pending(settings, "langsa")}
    assert (results["units"].status, results["personnel"].quarantined) == ("loaded", 1)
    assert [(row, codes) for row, codes, _ in _quarantined(settings)] == [(2, ["unknown_unit:unit_code"])]
    with connect(settings=settings) as connection:
        (name,) = connection.execute("SELECT unit_name FROM raw.personnel WHERE _source_row = 3").fetchone()
    assert name == original_name  # the list's spelling


def test_a_nip_a_spreadsheet_turned_into_a_number_is_named_as_such(settings: Settings, sample_delivery: Path) -> None:
    def corrupt(rows: list[list[str]]) -> list[list[str]]:
        rows[1][0] = "1.98503E+17"  # what Excel shows for an 18-digit number; the last digits are gone
        rows[2][0] = "'" + rows[2][0]  # the apostrophe Excel users type to keep it text: cleaned, not an error
        return rows

    _rewrite(sample_delivery, corrupt)
    (result,) = load_pending(settings, "langsa", dataset="personnel")
    assert result.quarantined == 1
    assert [(row, codes) for row, codes, _ in _quarantined(settings)] == [
        (2, ["bad_format:nip", "invalid_nip:scientific_notation"])
    ]


def test_a_full_extract_far_smaller_than_the_last_one_is_rejected(settings: Settings, sample_delivery: Path) -> None:
    assert load_pending(settings, "langsa", dataset="personnel")[0].status == "loaded"
    later = settings.landing_dir / "langsa" / "personnel" / "2026-11-08" / "langsa_pegawai_20261108.csv"
    later.parent.mkdir(parents=True)
    lines = sample_delivery.read_text(encoding="utf-8").splitlines(keepends=True)
    later.write_text("".join(lines[:1001]), encoding="utf-8")  # the export stopped after 1,000 people
    result = load_pending(settings, "langsa", dataset="personnel")[-1]
    assert result.status == "rejected"
    assert "1,000 records, the previous full delivery (langsa/personnel/2026-11-01) had 3,000: under 50%" in (
        result.message
    )


def test_a_contact_without_a_usable_address_is_named(tmp_path: Path) -> None:
    source = region_source("langsa", SOURCES_DIR).model_dump()
    source["contacts"][0]["email"] = "bkpsdm at langsa"
    path = tmp_path / "langsa.yml"
    path.write_text(yaml.safe_dump(source))
    with pytest.raises(RegistryError, match=r"langsa.yml: contacts\.0\.email: String should match pattern"):
        load_region(path)
