"""The sample deliveries `make run` builds from: Kota Langsa's personnel, training, survey (SKM) and complaint
extracts as its systems write them (UTF-8 CSV, comma-separated, ISO dates, Indonesian headers and values)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from asn_platform.contract import IKM_ELEMENTS
from asn_platform.generator.names import EDUCATION_FIELD_SECTOR, FAMILY, FEMALE_GIVEN, LANGSA_UNITS, MALE_GIVEN
from asn_platform.generator.personnel import Unit, generate_personnel
from asn_platform.generator.service_quality import UnitProfile, generate_complaints, generate_surveys, services
from asn_platform.generator.training import generate_training

SAMPLE_AS_OF = date(2026, 11, 1)
LANGSA_HEADCOUNT = 3_000
TRAINING_YEARS = (2024, 2025, 2026)

# Langsa's personnel extract: its headers, in its column order, and the contract field each holds.
LANGSA_COLUMNS = {
    "nip": "nip", "nama": "full_name", "tanggal_lahir": "birth_date", "jenis_kelamin": "gender",
    "jenis_asn": "employment_type", "golongan": "golongan", "jabatan": "position_title",
    "jenis_jabatan": "position_type", "kode_unit": "unit_code", "nama_unit": "unit_name",
    "tmt_jabatan": "position_start", "tmt_golongan": "golongan_start", "pendidikan": "education_level",
    "bidang_studi": "education_field", "skp_tahun_lalu": "skp_rating_last_year",
    "skp_dua_tahun_lalu": "skp_rating_year_before", "hukuman_disiplin": "discipline_sanction",
    "tgl_hukuman_disiplin": "discipline_date", "status_pegawai": "status",
}  # fmt: skip
LANGSA_TRAINING_COLUMNS = {
    "nip": "nip", "kode_diklat": "course_code", "nama_diklat": "course_title", "jenis_diklat": "category",
    "topik": "topic_tags", "penyelenggara": "provider", "metode": "mode", "tgl_mulai": "start_date",
    "tgl_selesai": "end_date", "jp": "jp", "biaya": "cost_idr", "hasil": "result", "kolaborasi_opd": "joint_opd",
}  # fmt: skip
LANGSA_SURVEY_COLUMNS = {
    "id_responden": "response_id", "kode_unit": "unit_code", "jenis_layanan": "service_name",
    "tanggal_survei": "response_date", **{f"u_{key}": f"score_{key}" for key, _ in IKM_ELEMENTS},
    "umur": "respondent_age_band", "jenis_kelamin": "respondent_gender", "pendidikan": "respondent_education",
    "pekerjaan": "respondent_occupation", "saran": "suggestion",
}  # fmt: skip
LANGSA_COMPLAINT_COLUMNS = {
    "no_pengaduan": "complaint_id", "kode_unit": "unit_code", "kanal": "channel", "kategori": "category",
    "waktu_diterima": "received_at", "waktu_tanggapan": "first_response_at", "waktu_selesai": "resolved_at",
    "status": "status",
}  # fmt: skip
SURVEY_FROM = date(2024, 11, 1)  # two years of surveys and complaints up to the delivery date
# How Langsa writes contract values (the registry maps them back).
LANGSA_VALUES = {
    "gender": {"M": "L", "F": "P"},
    "status": {"active": "Aktif", "retired": "Pensiun", "transferred_out": "Mutasi Keluar", "deceased": "Meninggal"},
    "discipline_sanction": {"none": "Tidak Ada", "light": "Ringan", "moderate": "Sedang", "heavy": "Berat"},
    "category": {"fungsional": "Fungsional", "teknis": "Teknis", "sosial_kultural": "Sosial Kultural",
                 "seminar_workshop": "Seminar/Workshop"},
    "mode": {"classical": "Klasikal", "e_learning": "E-Learning"},
    "result": {"passed": "Lulus", "failed": "Tidak Lulus", "incomplete": "Tidak Selesai"},
    "joint_opd": {True: "Ya", False: "Tidak"},
    "respondent_gender": {"M": "L", "F": "P"},
    "channel": {"sp4n_lapor": "SP4N-LAPOR!", "whatsapp": "WhatsApp", "website": "Website", "counter": "Loket"},
    "complaint_status": {"received": "Diterima", "in_progress": "Diproses", "resolved": "Selesai",
                         "closed_unresolved": "Ditutup Tidak Selesai"},
}  # fmt: skip


def _delivery_path(landing_dir: Path, dataset: str, as_of: date, file_name: str) -> Path:
    delivery_dir = landing_dir / "langsa" / dataset / as_of.isoformat()
    delivery_dir.mkdir(parents=True, exist_ok=True)
    return delivery_dir / file_name


def generate_sample(landing_dir: Path, seed: int, as_of: date = SAMPLE_AS_OF) -> list[Path]:
    """Write the sample deliveries under `landing_dir/<region>/<dataset>/<delivery date>/`; same seed, same bytes."""
    units = [Unit(*unit) for unit in LANGSA_UNITS]
    people = generate_personnel(
        np.random.default_rng([seed, 0]), LANGSA_HEADCOUNT, units, as_of, (MALE_GIVEN, FEMALE_GIVEN, FAMILY)
    )
    personnel_path = _delivery_path(landing_dir, "personnel", as_of, f"langsa_pegawai_{as_of:%Y%m%d}.csv")
    _write_csv(_langsa_frame(people, LANGSA_COLUMNS), personnel_path)

    # Units differ in training budget and habits: in some nearly everybody trains, in others half never do.
    never_share = dict(
        zip([u.code for u in units], np.random.default_rng([seed, 1]).uniform(0.03, 0.55, len(units)), strict=True)
    )
    training = generate_training(
        np.random.default_rng(seed),
        never_train_share=people["unit_code"].map(never_share).to_numpy(),
        nips=people["nip"].to_numpy(),
        sectors=people["unit_sector"].to_numpy(),
        appointed=people["appointed"].to_numpy(),
        years=TRAINING_YEARS,
        as_of=as_of,
    )
    training_path = _delivery_path(landing_dir, "training", as_of, f"langsa_diklat_{as_of:%Y%m%d}.csv")
    _write_csv(_langsa_frame(training, LANGSA_TRAINING_COLUMNS), training_path)

    profiles = unit_profiles(units, people, training, year=as_of.year - 1)
    rng = np.random.default_rng([seed, 2])
    service_list = services(rng, profiles)
    surveys = generate_surveys(
        rng, units=profiles, service_list=service_list, first=SURVEY_FROM, as_of=as_of, id_prefix="LGS-SKM-"
    )
    survey_path = _delivery_path(landing_dir, "survey_responses", as_of, f"langsa_skm_{as_of:%Y%m%d}.csv")
    _write_csv(_langsa_frame(surveys, LANGSA_SURVEY_COLUMNS), survey_path)
    complaints = generate_complaints(rng, units=profiles, first=SURVEY_FROM, as_of=as_of, id_prefix="LGS-ADU-")
    complaints = complaints.rename(columns={"status": "complaint_status"})
    columns = LANGSA_COMPLAINT_COLUMNS | {"status": "complaint_status"}
    complaint_path = _delivery_path(landing_dir, "complaints", as_of, f"langsa_pengaduan_{as_of:%Y%m%d}.csv")
    _write_csv(_langsa_frame(complaints, columns), complaint_path)
    return [personnel_path, training_path, survey_path, complaint_path]


def unit_profiles(units: Sequence[Unit], people: pd.DataFrame, training: pd.DataFrame, year: int) -> list[UnitProfile]:
    """Each unit's share of active staff with 20 JP in `year`, and share of graduates placed in their field."""
    jp = training[training["start_date"].dt.year == year].groupby("nip")["jp"].sum()
    active = people[people["status"] == "active"]
    trained = active["nip"].map(jp).fillna(0) >= 20
    graduates = active["education_field"] != "Umum"
    fits = active["education_field"].map(EDUCATION_FIELD_SECTOR) == active["unit_sector"]
    coverage = trained.groupby(active["unit_code"]).mean()
    fit = fits[graduates].groupby(active.loc[graduates, "unit_code"]).mean()
    return [
        UnitProfile(unit.code, unit.sector, float(coverage.get(unit.code, 0.0)), float(fit.get(unit.code, 0.0)))
        for unit in units
    ]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Dates as YYYY-MM-DD, times as YYYY-MM-DD HH:MM:SS, blanks for missing values; LF line ends."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            times = (out[column].dt.hour + out[column].dt.minute + out[column].dt.second).fillna(0).any()
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M:%S" if times else "%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _langsa_frame(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The contract-named frame with Langsa's headers and values."""
    out = pd.DataFrame(index=frame.index)
    for header, field in columns.items():
        values = LANGSA_VALUES.get(field)
        out[header] = (
            frame[field].map(lambda value, values=values: values.get(value, value)) if values else frame[field]
        )
    return out
