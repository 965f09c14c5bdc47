import csv
import hashlib
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from asn_platform.contract import IKM_ELEMENTS
from asn_platform.generator import generate_sample
from asn_platform.generator.names import EDUCATION_FIELD_SECTOR, LANGSA_UNITS
from asn_platform.generator.profiles import LANGSA, SAMPLE_PROFILES, SOFIFI, SORONG


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_byte_identical_deliveries(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a", seed=7)
    second = generate_sample(tmp_path / "b", seed=7)
    other = generate_sample(tmp_path / "c", seed=8, profiles=(LANGSA,))
    assert len(first) == 4 * len(SAMPLE_PROFILES)
    assert [_digest(path) for path in first] == [_digest(path) for path in second]
    assert all(_digest(a) != _digest(b) for a, b in zip(first, other, strict=False))


def test_langsa_delivery_is_laid_out_and_written_as_its_profile_says(tmp_path: Path) -> None:
    path = generate_sample(tmp_path, seed=1, profiles=(LANGSA,))[0]
    assert path.relative_to(tmp_path).as_posix() == "langsa/personnel/2026-11-01/langsa_pegawai_20261101.csv"
    raw = path.read_bytes()
    raw.decode("utf-8")  # UTF-8, as Langsa delivers
    assert b"\r\n" not in raw
    header = raw.split(b"\n", 1)[0].decode()
    assert header == ",".join(LANGSA.columns["personnel"])
    assert header.startswith("nip,nama,tanggal_lahir,jenis_kelamin,jenis_asn,golongan,jabatan,jenis_jabatan,kode_unit")


def test_nips_are_unique_and_encode_birth_date_appointment_and_gender(tmp_path: Path) -> None:
    path = generate_sample(tmp_path, seed=3, profiles=(LANGSA,))[0]
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == LANGSA.headcount
    assert len({row["nip"] for row in rows}) == LANGSA.headcount
    for row in rows:
        nip = row["nip"]
        assert len(nip) == 18
        assert nip.isdigit()
        assert nip[:8] == row["tanggal_lahir"].replace("-", "")
        appointed = date(int(nip[8:12]), int(nip[12:14]), 1)
        assert appointed.year - int(nip[:4]) >= 19
        assert nip[14] == {"L": "1", "P": "2"}[row["jenis_kelamin"]]
        assert (row["golongan"] == "") == (row["jenis_asn"] == "PPPK")


def test_personnel_records_are_internally_consistent(tmp_path: Path) -> None:
    path = generate_sample(tmp_path, seed=5, profiles=(LANGSA,))[0]
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        appointed = f"{row['nip'][8:12]}-{row['nip'][12:14]}-01"
        assert appointed <= row["tmt_jabatan"] <= "2026-11-01"
        assert (row["tmt_golongan"] == "") == (row["jenis_asn"] == "PPPK")
        assert (row["tgl_hukuman_disiplin"] == "") == (row["hukuman_disiplin"] == "Tidak Ada")
        assert (row["bidang_studi"] == "Umum") == (row["pendidikan"] in {"SD", "SMP", "SLTA"})
    # Placement has a real signal: most graduates work in a unit of their field's sector, not all.
    sector_of_unit = {code: sector for code, _, sector, _ in LANGSA_UNITS}
    graduates = [row for row in rows if row["bidang_studi"] != "Umum"]
    matched = sum(EDUCATION_FIELD_SECTOR[row["bidang_studi"]] == sector_of_unit[row["kode_unit"]] for row in graduates)
    assert 0.6 < matched / len(graduates) < 0.9


def test_langsa_training_delivery_is_written_as_its_profile_says(tmp_path: Path) -> None:
    personnel_path, path = generate_sample(tmp_path, seed=2, profiles=(LANGSA,))[:2]
    assert path.relative_to(tmp_path).as_posix() == "langsa/training/2026-11-01/langsa_diklat_20261101.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with personnel_path.open(encoding="utf-8") as handle:
        nips = {row["nip"] for row in csv.DictReader(handle)}
    assert list(rows[0]) == list(LANGSA.columns["training"])
    assert {row["nip"] for row in rows} <= nips
    assert {row["metode"] for row in rows} == {"Klasikal", "E-Learning"}
    assert {row["kolaborasi_opd"] for row in rows} == {"Ya", "Tidak"}
    assert all(row["tgl_mulai"] <= row["tgl_selesai"] <= "2026-11-01" for row in rows)
    per_person_year = len(rows) / (len({row["nip"] for row in rows}) * (2 + 10 / 12))
    assert 3 <= per_person_year <= 8
    leadership = sum(row["jenis_diklat"] in {"PKA", "PKP", "PKN"} for row in rows) / len(rows)
    assert leadership < 0.05  # leadership courses are rare; digital and service courses common


def test_survey_scores_follow_the_units_training_coverage(tmp_path: Path) -> None:
    personnel, training, surveys, complaints = generate_sample(tmp_path, seed=4, profiles=(LANGSA,))
    people = pd.read_csv(personnel, dtype=str)
    jp = pd.read_csv(training, dtype={"nip": str}, parse_dates=["tgl_mulai"])
    jp = jp[jp["tgl_mulai"].dt.year == 2025].groupby("nip")["jp"].sum()
    active = people[people["status_pegawai"] == "Aktif"].assign(jp=lambda f: f["nip"].map(jp).fillna(0))
    coverage = active.groupby("kode_unit")["jp"].apply(lambda unit_jp: (unit_jp >= 20).mean())
    answers = pd.read_csv(surveys, dtype={"saran": str})
    elements = [f"u_{key}" for key, _ in IKM_ELEMENTS]
    assert answers[elements].isin([1, 2, 3, 4]).all().all()
    ikm = answers.groupby("kode_unit")[elements].mean().mean(axis=1) * 25
    assert coverage.corr(ikm) > 0.6  # the competency -> service-quality signal the marts must find
    assert ikm.max() - ikm.min() > 8  # units differ enough to fall in different mutu bands
    suggestions = answers["saran"].dropna()
    assert suggestions.str.contains(r"08\d{2}-\d{4}-\d{4}").any()  # free text with phone numbers, as real ones
    handled = pd.read_csv(complaints, parse_dates=["waktu_diterima", "waktu_tanggapan", "waktu_selesai"])
    assert (
        handled["waktu_tanggapan"].dropna() >= handled.loc[handled["waktu_tanggapan"].notna(), "waktu_diterima"]
    ).all()
    assert set(handled["kanal"]) == {"SP4N-LAPOR!", "WhatsApp", "Website", "Loket"}


def test_sorong_writes_windows_exports_as_its_profile_says(tmp_path: Path) -> None:
    personnel, training, surveys, _ = generate_sample(tmp_path, seed=6, profiles=(SORONG,))
    assert personnel.relative_to(tmp_path).as_posix() == "sorong/personnel/2026-11-01/SIMPEG_SORONG_20261101.csv"
    raw = personnel.read_bytes()
    assert b"Ma\x92ruf" in raw  # Windows-1252's apostrophe: not UTF-8, not Latin-1 text
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("cp1252").split("\r\n")
    assert lines[0].startswith("NIP;Nama Lengkap;Tgl Lahir;L/P;")
    first = dict(zip(lines[0].split(";"), lines[1].split(";"), strict=True))
    assert re.fullmatch(r"\d{8} \d{6} [12] \d{3}", first["NIP"])
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", first["Tgl Lahir"])
    assert first["OAP"] in {"Ya", "Tidak"}
    with training.open(encoding="cp1252", newline="") as handle:
        training_first = next(csv.DictReader(handle, delimiter=";"))
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,00", training_first["Biaya (Rp)"])
    survey_header = surveys.read_bytes().decode("cp1252").split("\r\n")[0].split(";")
    # Sorong orders the last two IKM elements the other way round; they are keyed by name, never by position.
    assert survey_header.index("Penanganan Pengaduan") < survey_header.index("Sarana")


def _frame(sheet: object) -> pd.DataFrame:
    """A fastexcel sheet as pandas, through DuckDB's Arrow reader (the project has no pyarrow)."""
    import duckdb

    with duckdb.connect() as connection:
        connection.register("sheet", sheet)
        return connection.sql("SELECT * FROM sheet").df()


def test_sofifi_writes_print_ready_workbooks(tmp_path: Path) -> None:
    import fastexcel

    personnel = generate_sample(tmp_path, seed=9, profiles=(SOFIFI,))[0]
    assert personnel.relative_to(tmp_path).as_posix() == "sofifi/personnel/2026-11-01/Data_Pegawai_Malut_20261101.xlsx"
    workbook = fastexcel.read_excel(str(personnel))
    assert workbook.sheet_names == ["Pegawai"]
    raw = _frame(workbook.load_sheet("Pegawai", header_row=None, dtypes="string"))
    assert raw.iloc[0, 0] == "PEMERINTAH PROVINSI MALUKU UTARA"  # title block above the header
    assert list(raw.iloc[3, :3]) == ["NIP", "Nama", "Tanggal Lahir"]  # the header on the fourth row
    assert list(raw.iloc[-1, :2]) == ["JUMLAH", "7000"]  # the totals row
    typed = _frame(workbook.load_sheet("Pegawai", header_row=3, n_rows=5))
    assert pd.api.types.is_datetime64_any_dtype(typed["Tanggal Lahir"])  # Excel date cells, not text
