"""The sample deliveries `make run` builds from: Kota Langsa's personnel and training extracts as its systems write
them (UTF-8 CSV, comma-separated, ISO dates, Indonesian headers and values)."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from asn_platform.generator.names import FAMILY, FEMALE_GIVEN, LANGSA_UNITS, MALE_GIVEN
from asn_platform.generator.personnel import Employee, Unit, generate_personnel
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
}  # fmt: skip


def _langsa_row(person: Employee) -> list[str]:
    row = []
    for field in LANGSA_COLUMNS.values():
        value = getattr(person, field)
        value = LANGSA_VALUES.get(field, {}).get(value, value)
        row.append("" if value is None else value.isoformat() if isinstance(value, date) else str(value))
    return row


def _delivery_path(landing_dir: Path, dataset: str, as_of: date, file_name: str) -> Path:
    delivery_dir = landing_dir / "langsa" / dataset / as_of.isoformat()
    delivery_dir.mkdir(parents=True, exist_ok=True)
    return delivery_dir / file_name


def generate_sample(landing_dir: Path, seed: int, as_of: date = SAMPLE_AS_OF) -> list[Path]:
    """Write the sample deliveries under `landing_dir/<region>/<dataset>/<delivery date>/`; same seed, same bytes."""
    units = [Unit(*unit) for unit in LANGSA_UNITS]
    employees = list(
        generate_personnel(random.Random(seed), LANGSA_HEADCOUNT, units, as_of, (MALE_GIVEN, FEMALE_GIVEN, FAMILY))
    )
    personnel_path = _delivery_path(landing_dir, "personnel", as_of, f"langsa_pegawai_{as_of:%Y%m%d}.csv")
    with personnel_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LANGSA_COLUMNS)
        writer.writerows(_langsa_row(person) for person in employees)

    sector = {unit.code: unit.sector for unit in units}
    training = generate_training(
        np.random.default_rng(seed),
        nips=[person.nip for person in employees],
        sectors=[sector[person.unit_code] for person in employees],
        appointed=[date(int(person.nip[8:12]), int(person.nip[12:14]), 1) for person in employees],
        years=TRAINING_YEARS,
        as_of=as_of,
    )
    training_path = _delivery_path(landing_dir, "training", as_of, f"langsa_diklat_{as_of:%Y%m%d}.csv")
    _langsa_frame(training, LANGSA_TRAINING_COLUMNS).to_csv(
        training_path, index=False, lineterminator="\n", date_format="%Y-%m-%d", encoding="utf-8"
    )
    return [personnel_path, training_path]


def _langsa_frame(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The contract-named frame with Langsa's headers and values."""
    out = pd.DataFrame(index=frame.index)
    for header, field in columns.items():
        values = LANGSA_VALUES.get(field)
        out[header] = (
            frame[field].map(lambda value, values=values: values.get(value, value)) if values else frame[field]
        )
    return out
