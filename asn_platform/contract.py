"""The data contract: what each dataset a region delivers must contain once mapped to the project's names.

One source of truth for the ingestion (raw table types, required columns), the generator and the documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PersonalData(StrEnum):
    DIRECT = "direct identifier"
    QUASI = "quasi-identifier"
    NONE = "none"


@dataclass(frozen=True)
class Field:
    name: str
    sql_type: str
    required: bool
    meaning: str
    term: str
    personal_data: PersonalData = PersonalData.NONE
    allowed: tuple[str, ...] = ()
    pattern: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"dataset {self.name!r} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)


GOLONGAN = tuple(
    f"{rank}/{step}"
    for rank, steps in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde"))
    for step in steps
)
EDUCATION_LEVELS = ("SD", "SMP", "SLTA", "D1", "D2", "D3", "D4", "S1", "S2", "S3")

PERSONNEL = Dataset(
    name="personnel",
    description="One row per civil servant in a region's HR extract (full snapshot).",
    key=("nip",),
    fields=(
        Field(
            "nip",
            "VARCHAR",
            True,
            "National civil-servant number: birth date, appointment month, gender digit, sequence",
            "Nomor Induk Pegawai",
            PersonalData.DIRECT,
            pattern=r"^[0-9]{18}$",
        ),
        Field("full_name", "VARCHAR", True, "Full name", "nama", PersonalData.DIRECT),
        Field("birth_date", "DATE", True, "Date of birth", "tanggal lahir", PersonalData.DIRECT),
        Field("gender", "VARCHAR", True, "Gender", "jenis kelamin", PersonalData.QUASI, allowed=("M", "F")),
        Field(
            "employment_type",
            "VARCHAR",
            True,
            "Permanent or contract civil servant",
            "jenis ASN",
            allowed=("PNS", "PPPK"),
        ),
        Field("golongan", "VARCHAR", False, "Rank (PNS only)", "golongan/ruang", PersonalData.QUASI, allowed=GOLONGAN),
        Field("unit_code", "VARCHAR", True, "Regional agency (OPD) code", "kode unit kerja"),
        Field("unit_name", "VARCHAR", True, "Regional agency (OPD) name", "nama unit kerja"),
        Field(
            "education_level",
            "VARCHAR",
            True,
            "Highest education level",
            "jenjang pendidikan",
            allowed=EDUCATION_LEVELS,
        ),
        Field(
            "status",
            "VARCHAR",
            True,
            "Employment status",
            "status pegawai",
            allowed=("active", "retired", "transferred_out", "deceased"),
        ),
    ),
)

DATASETS = {dataset.name: dataset for dataset in (PERSONNEL,)}
