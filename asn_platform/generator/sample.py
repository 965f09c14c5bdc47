"""The sample deliveries `make run` builds from: Kota Langsa's personnel extract as its HR system writes it."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from asn_platform.generator.names import FAMILY, FEMALE_GIVEN, LANGSA_UNITS, MALE_GIVEN
from asn_platform.generator.personnel import generate_personnel

SAMPLE_AS_OF = date(2026, 11, 1)
LANGSA_HEADCOUNT = 3_000

# Langsa's extract: UTF-8, comma-separated, ISO dates, Indonesian headers and values.
_LANGSA_HEADER = ("nip", "nama", "tanggal_lahir", "jenis_kelamin", "jenis_asn", "golongan", "kode_unit", "nama_unit",
                  "pendidikan", "status_pegawai")  # fmt: skip
_LANGSA_GENDER = {"M": "L", "F": "P"}
_LANGSA_STATUS = {"active": "Aktif", "retired": "Pensiun", "transferred_out": "Mutasi Keluar", "deceased": "Meninggal"}


def generate_sample(landing_dir: Path, seed: int, as_of: date = SAMPLE_AS_OF) -> list[Path]:
    """Write the sample deliveries under `landing_dir/<region>/<dataset>/<delivery date>/`; same seed, same bytes."""
    rng = random.Random(seed)
    delivery_dir = landing_dir / "langsa" / "personnel" / as_of.isoformat()
    delivery_dir.mkdir(parents=True, exist_ok=True)
    path = delivery_dir / f"langsa_pegawai_{as_of:%Y%m%d}.csv"
    employees = generate_personnel(rng, LANGSA_HEADCOUNT, LANGSA_UNITS, as_of, (MALE_GIVEN, FEMALE_GIVEN, FAMILY))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_LANGSA_HEADER)
        for person in employees:
            writer.writerow(
                (
                    person.nip,
                    person.full_name,
                    person.birth_date.isoformat(),
                    _LANGSA_GENDER[person.gender],
                    person.employment_type,
                    person.golongan or "",
                    person.unit_code,
                    person.unit_name,
                    person.education_level,
                    _LANGSA_STATUS[person.status],
                )
            )
    return [path]
