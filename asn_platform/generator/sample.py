"""The sample deliveries `make run` builds from: Kota Langsa's personnel extract as its HR system writes it."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from asn_platform.generator.names import FAMILY, FEMALE_GIVEN, LANGSA_UNITS, MALE_GIVEN
from asn_platform.generator.personnel import Employee, Unit, generate_personnel

SAMPLE_AS_OF = date(2026, 11, 1)
LANGSA_HEADCOUNT = 3_000

# Langsa's extract: UTF-8, comma-separated, ISO dates, Indonesian headers and values, in this column order.
LANGSA_COLUMNS = {
    "nip": "nip", "nama": "full_name", "tanggal_lahir": "birth_date", "jenis_kelamin": "gender",
    "jenis_asn": "employment_type", "golongan": "golongan", "jabatan": "position_title",
    "jenis_jabatan": "position_type", "kode_unit": "unit_code", "nama_unit": "unit_name",
    "tmt_jabatan": "position_start", "tmt_golongan": "golongan_start", "pendidikan": "education_level",
    "bidang_studi": "education_field", "skp_tahun_lalu": "skp_rating_last_year",
    "skp_dua_tahun_lalu": "skp_rating_year_before", "hukuman_disiplin": "discipline_sanction",
    "tgl_hukuman_disiplin": "discipline_date", "status_pegawai": "status",
}  # fmt: skip
LANGSA_VALUES = {
    "gender": {"M": "L", "F": "P"},
    "status": {"active": "Aktif", "retired": "Pensiun", "transferred_out": "Mutasi Keluar", "deceased": "Meninggal"},
    "discipline_sanction": {"none": "Tidak Ada", "light": "Ringan", "moderate": "Sedang", "heavy": "Berat"},
}


def _langsa_row(person: Employee) -> list[str]:
    row = []
    for field in LANGSA_COLUMNS.values():
        value = getattr(person, field)
        value = LANGSA_VALUES.get(field, {}).get(value, value)
        row.append("" if value is None else value.isoformat() if isinstance(value, date) else str(value))
    return row


def generate_sample(landing_dir: Path, seed: int, as_of: date = SAMPLE_AS_OF) -> list[Path]:
    """Write the sample deliveries under `landing_dir/<region>/<dataset>/<delivery date>/`; same seed, same bytes."""
    rng = random.Random(seed)
    delivery_dir = landing_dir / "langsa" / "personnel" / as_of.isoformat()
    delivery_dir.mkdir(parents=True, exist_ok=True)
    path = delivery_dir / f"langsa_pegawai_{as_of:%Y%m%d}.csv"
    units = [Unit(*unit) for unit in LANGSA_UNITS]
    employees = generate_personnel(rng, LANGSA_HEADCOUNT, units, as_of, (MALE_GIVEN, FEMALE_GIVEN, FAMILY))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LANGSA_COLUMNS)
        writer.writerows(_langsa_row(person) for person in employees)
    return [path]
