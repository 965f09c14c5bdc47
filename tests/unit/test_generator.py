import csv
import dataclasses
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from asn_platform.core.contract import IKM_ELEMENTS, TRAINING_TOPICS
from asn_platform.core.settings import DBT_PROJECT_DIR
from asn_platform.generator import generate_sample
from asn_platform.generator.defects import DEFECT_KINDS, FILE_DEFECTS, DefectRates
from asn_platform.generator.names import EDUCATION_FIELD_SECTOR, LANGSA_UNITS
from asn_platform.generator.profiles import (
    BANJARBARU,
    LANGSA,
    MEDAN,
    SAMPLE_PROFILES,
    SOFIFI,
    SORONG,
    CsvStyle,
    JsonLinesStyle,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow  # every region generated twice
def test_same_seed_gives_byte_identical_deliveries(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a", seed=7, api_dir=tmp_path / "a-api")
    second = generate_sample(tmp_path / "b", seed=7, api_dir=tmp_path / "b-api")
    other = generate_sample(tmp_path / "c", seed=8, profiles=(LANGSA,))
    # Four datasets and two reference lists per region; Medan's datasets come as a full extract and 3 daily deltas.
    assert len(first) == 6 * len(SAMPLE_PROFILES) + 4 * MEDAN.delta_days
    assert {path.parts[len(tmp_path.parts) + 1] for path in first if path.is_relative_to(tmp_path / "a")} == {
        profile.region for profile in SAMPLE_PROFILES
    }
    assert [_digest(path) for path in first] == [_digest(path) for path in second]
    # Another seed, other data (the unit list, reference data, is the same whatever the seed).
    assert all(_digest(a) != _digest(b) for a, b in zip(first[:4], other[:4], strict=True))


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
    personnel, training, surveys, complaints, *_ = generate_sample(tmp_path, seed=4, profiles=(LANGSA,))
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
    personnel, training, surveys, *_ = generate_sample(tmp_path, seed=6, profiles=(SORONG,))
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


def test_banjarbaru_writes_nested_json_lines_and_keeps_api_data_out_of_the_landing_area(tmp_path: Path) -> None:
    personnel, training, surveys, complaints, *_ = generate_sample(
        tmp_path / "landing", seed=11, profiles=(BANJARBARU,), api_dir=tmp_path / "api"
    )
    assert (
        personnel.relative_to(tmp_path).as_posix() == "landing/banjarbaru/personnel/2026-11-01/pegawai_20261101.jsonl"
    )
    assert training.name == "diklat_20261101.jsonl"
    # Survey responses and complaints are only served by the region's API: they sit in its store, not in landing.
    assert surveys.relative_to(tmp_path).as_posix() == "api/banjarbaru/survey_responses.jsonl"
    assert complaints.relative_to(tmp_path).as_posix() == "api/banjarbaru/complaints.jsonl"
    records = [json.loads(line) for line in personnel.read_text(encoding="utf-8").splitlines()]
    assert len(records) == BANJARBARU.headcount
    first = records[0]
    assert set(first) == {"nip", "nama", "tglLahir", "jenisKelamin", "jenisAsn", "golongan", "jabatan", "unor",
                          "tmtGolongan", "pendidikan", "skp", "hukdis", "status"}  # fmt: skip
    assert set(first["jabatan"]) == {"nama", "jenis", "tmt"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first["tglLahir"])
    assert first["jenisKelamin"] in {"L", "P"}
    assert first["status"] in {"AKTIF", "PENSIUN", "PINDAH", "MENINGGAL"}
    survey = json.loads(surveys.read_text(encoding="utf-8").splitlines()[0])
    assert sorted(survey["scores"]) == [f"u{index}" for index in range(1, 10)]
    assert all(score in {1, 2, 3, 4} for score in survey["scores"].values())  # numbers, not text
    complaint = json.loads(complaints.read_text(encoding="utf-8").splitlines()[0])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", complaint["receivedAt"])


def test_medan_sends_a_gzip_full_extract_then_daily_deltas_that_rebuild_the_truth(tmp_path: Path) -> None:
    files = generate_sample(tmp_path, seed=12, profiles=(MEDAN,))
    personnel = [path for path in files if path.parts[-3] == "personnel"]
    assert [path.relative_to(tmp_path).as_posix() for path in personnel] == [
        "medan/personnel/2026-10-29/medan_pegawai_full_20261029.csv.gz",
        "medan/personnel/2026-10-30/medan_pegawai_delta_20261030.csv.gz",
        "medan/personnel/2026-10-31/medan_pegawai_delta_20261031.csv.gz",
        "medan/personnel/2026-11-01/medan_pegawai_delta_20261101.csv.gz",
    ]
    extracts = [path for path in files if path.parts[-3] in MEDAN.columns]
    assert len(extracts) == 4 * (1 + MEDAN.delta_days)
    assert all(path.read_bytes()[:2] == b"\x1f\x8b" for path in extracts)  # gzip, every one
    frames = [pd.read_csv(path, sep="|", dtype=str, keep_default_na=False) for path in personnel]
    assert list(frames[0].columns) == list(MEDAN.columns["personnel"])
    assert list(frames[0].columns[:4]) == ["kd_unor", "nm_unor", "nip_baru", "nm_pegawai"]  # vendor names, own order
    assert len(frames[0]) == MEDAN.headcount
    assert all(0 < len(delta) < 200 for delta in frames[1:])
    assert re.fullmatch(r"\d{8}", frames[0]["tgl_lhr"].iloc[0])
    assert set(frames[0]["jk"]) == {"1", "2"}
    # Deltas carry changed rows only: each differs from the full extract's version of the same NIP.
    full = frames[0].set_index("nip_baru")
    for delta in frames[1:]:
        changed = delta.set_index("nip_baru")
        assert (changed != full.loc[changed.index]).any(axis=1).all()
    # Applied in delivery order on the full extract, the deltas give the state the region holds now.
    current = pd.concat(frames).drop_duplicates("nip_baru", keep="last").set_index("nip_baru").sort_index()
    truth_dir = tmp_path / "truth"
    truth_profile = dataclasses.replace(MEDAN, delta_days=0)
    (truth,) = [p for p in generate_sample(truth_dir, seed=12, profiles=(truth_profile,)) if p.parts[-3] == "personnel"]
    expected = pd.read_csv(truth, sep="|", dtype=str, keep_default_na=False).set_index("nip_baru").sort_index()
    pd.testing.assert_frame_equal(current, expected)


def _line(path: Path, number: int, encoding: str = "utf-8") -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding=encoding, newline="") as handle:
        for index, line in enumerate(handle, start=1):
            if index == number:
                return line
    raise AssertionError(f"{path} has no line {number}")


def test_every_defect_kind_is_injected_and_the_manifest_says_where(tmp_path: Path) -> None:
    small = [dataclasses.replace(profile, headcount=400) for profile in SAMPLE_PROFILES]
    landing = tmp_path / "landing"
    generate_sample(landing, seed=21, profiles=small, api_dir=tmp_path / "api", defects=DefectRates.realistic())
    manifest = json.loads((landing / "defects_manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["counts"]) == set(DEFECT_KINDS)
    assert manifest["rates"] == str(DefectRates.realistic())
    entries = manifest["defects"]
    assert sum(manifest["counts"].values()) == len(entries)
    profiles = {profile.region: profile for profile in small}
    damaged = {entry["file"] for entry in entries if entry["kind"] in FILE_DEFECTS}
    checked = Counter()
    for entry in entries:
        if entry["file"] in damaged and entry["kind"] not in FILE_DEFECTS:
            continue  # a row defect inside a truncated or re-encoded file: the file-level defect comes first
        profile = profiles[entry["region"]]
        path = (tmp_path / "api" if entry["transport"] == "api" else landing) / entry["file"]
        if entry["kind"] == "empty_file":
            assert path.stat().st_size == 0
        elif entry["kind"] in {"jp_as_text", "unit_name_variant"} and isinstance(profile.style, CsvStyle):
            # The value the manifest names is on the line it names, in the column it names.
            line = _line(path, entry["line"], profile.style.encoding)
            header = profile.style.delimiter.join(profile.columns[entry["dataset"]])
            row = next(csv.DictReader([header, line],
                                      delimiter=profile.style.delimiter))  # fmt: skip
            assert row[entry["source_column"]] == entry["injected"]
            checked[entry["kind"], profile.region] += 1
        elif entry["kind"] in {"jp_as_text", "unit_name_variant"} and isinstance(profile.style, JsonLinesStyle):
            value = json.loads(_line(path, entry["line"]))
            for key in entry["source_column"].split("."):  # a nested key path, e.g. unor.nama
                value = value[key]
            assert value == entry["injected"]
            checked[entry["kind"], profile.region] += 1
    assert {region for _, region in checked} >= {"langsa", "sorong", "medan", "banjarbaru"}


def test_no_defects_by_default(tmp_path: Path) -> None:
    generate_sample(tmp_path, seed=22, profiles=(LANGSA,))
    manifest = json.loads((tmp_path / "defects_manifest.json").read_text(encoding="utf-8"))
    assert (manifest["rates"], manifest["defects"]) == ("none", [])


def test_the_generator_places_people_by_the_national_reference_seeds() -> None:
    with (DBT_PROJECT_DIR / "seeds" / "education_fields.csv").open(encoding="utf-8") as handle:
        seed = {row["education_field"]: row["sector"] for row in csv.DictReader(handle)}
    with (DBT_PROJECT_DIR / "seeds" / "training_topics.csv").open(encoding="utf-8") as handle:
        topics = [row["topic"] for row in csv.DictReader(handle)]
    assert seed == EDUCATION_FIELD_SECTOR
    assert topics == list(TRAINING_TOPICS)


def test_each_region_sends_its_units_and_services_in_the_platform_template(tmp_path: Path) -> None:
    files = generate_sample(tmp_path, seed=23, profiles=(SORONG,))
    units, services = files[-2:]
    assert units.relative_to(tmp_path).as_posix() == "sorong/units/2026-11-01/units_20261101.csv"
    assert services.relative_to(tmp_path).as_posix() == "sorong/services/2026-11-01/services_20261101.csv"
    with units.open(encoding="utf-8") as handle:
        unit_rows = list(csv.DictReader(handle))
    with services.open(encoding="utf-8") as handle:
        service_rows = list(csv.DictReader(handle))
    assert [(row["region"], row["unit_code"], row["sector"]) for row in unit_rows] == [
        ("sorong", code, sector) for code, _, sector, _ in SORONG.units
    ]
    assert {row["unit_code"] for row in service_rows} <= {row["unit_code"] for row in unit_rows}
    assert all(int(row["yearly_volume"]) > 0 for row in service_rows)


@pytest.mark.slow  # the generator in fresh interpreters
def test_output_does_not_depend_on_the_interpreter_hash_seed(tmp_path: Path) -> None:
    """Set iteration order changes with PYTHONHASHSEED; the generator must never let it reach the bytes."""
    script = (
        "import sys; from pathlib import Path; from asn_platform.generator import generate_sample; "
        "from asn_platform.generator.profiles import LANGSA; generate_sample(Path(sys.argv[1]), 7, profiles=(LANGSA,))"
    )
    for hash_seed in ("4", "5"):  # two seeds known to order the course sectors differently
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / hash_seed)],
            env=os.environ | {"PYTHONHASHSEED": hash_seed},
            check=True,
            timeout=300,
        )
    first = sorted(path.relative_to(tmp_path / "4") for path in (tmp_path / "4").rglob("*") if path.is_file())
    assert first
    for relative in first:
        assert _digest(tmp_path / "4" / relative) == _digest(tmp_path / "5" / relative), relative
