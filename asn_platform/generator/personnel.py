"""Synthetic personnel records: valid unique NIPs, plausible age, rank, position, education and performance."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from asn_platform.contract import GOLONGAN
from asn_platform.generator.names import ADMINISTRATIVE_TITLES, EDUCATION_FIELD_SECTOR, FUNCTIONAL_TITLES

# Education mix of regional civil servants, most common first.
_EDUCATION_WEIGHTS = {"S1": 46, "SLTA": 17, "D3": 14, "S2": 11, "D4": 4, "SMP": 2, "D2": 2, "D1": 1, "SD": 2, "S3": 1}
_SCHOOLING = {"SD", "SMP", "SLTA"}
# The golongan a PNS enters at, by education (PP 11/2017 entry ranks).
_ENTRY_GOLONGAN = {"SD": "I/a", "SMP": "I/c", "SLTA": "II/a", "D1": "II/a", "D2": "II/b", "D3": "II/c", "D4": "III/a",
                   "S1": "III/a", "S2": "III/b", "S3": "III/c"}  # fmt: skip
_STATUS_WEIGHTS = {"active": 95, "retired": 2, "transferred_out": 2, "deceased": 1}
_POSITION_WEIGHTS_PNS = {"JPT Pratama": 1, "Administrator": 3, "Pengawas": 8, "Fungsional": 55, "Pelaksana": 33}
_POSITION_WEIGHTS_PPPK = {"Fungsional": 80, "Pelaksana": 20}
_SKP_WEIGHTS = {"Sangat Baik": 15, "Baik": 70, "Butuh Perbaikan": 10, "Kurang": 4, "Sangat Kurang": 1}
_SANCTION_WEIGHTS = {"none": 960, "light": 25, "moderate": 10, "heavy": 5}
# How often a graduate works in the sector their field prepares for; the rest are placed anywhere (the misfit the
# placement marts look for).
_FIELD_MATCH_RATE = 0.72
_LEVEL_SUFFIX = {"S2": "Ahli Muda", "S3": "Ahli Madya", "S1": "Ahli Pertama", "D4": "Ahli Pertama"}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    sector: str
    weight: int


@dataclass(frozen=True)
class Employee:
    nip: str
    full_name: str
    birth_date: date
    gender: str
    employment_type: str
    golongan: str | None
    position_title: str
    position_type: str
    unit_code: str
    unit_name: str
    position_start: date
    golongan_start: date | None
    education_level: str
    education_field: str
    skp_rating_last_year: str | None
    skp_rating_year_before: str | None
    discipline_sanction: str
    discipline_date: date | None
    oap_status: bool | None
    status: str


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _golongan(rng: random.Random, education: str, years_of_service: int) -> str:
    # Regular promotion every four years from the entry rank, capped by what the education allows.
    entry = GOLONGAN.index(_ENTRY_GOLONGAN[education])
    ceiling = GOLONGAN.index("IV/e" if education in {"S2", "S3"} else "IV/b" if education in {"S1", "D4"} else "III/d")
    steps = years_of_service // 4 - (1 if rng.random() < 0.2 else 0)
    return GOLONGAN[max(entry, min(entry + steps, ceiling))]


def _education_field(rng: random.Random, education: str, sector: str) -> str:
    if education in _SCHOOLING:
        return "Umum"
    matching = [field for field, field_sector in EDUCATION_FIELD_SECTOR.items() if field_sector == sector]
    if matching and rng.random() < _FIELD_MATCH_RATE:
        return rng.choice(matching)
    return rng.choice(list(EDUCATION_FIELD_SECTOR))


def _position_title(rng: random.Random, position_type: str, unit: Unit, education: str) -> str:
    if position_type == "JPT Pratama":
        return f"Kepala {unit.name}"
    if position_type == "Administrator":
        return rng.choice(("Sekretaris", "Kepala Bidang Pelayanan", "Kepala Bidang Program"))
    if position_type == "Pengawas":
        return rng.choice(("Kepala Subbagian Umum dan Kepegawaian", "Kepala Seksi Pelayanan", "Kepala Seksi Data"))
    if position_type == "Fungsional" and education not in _SCHOOLING:
        base = rng.choice(FUNCTIONAL_TITLES.get(unit.sector, FUNCTIONAL_TITLES["general_administration"]))
        return f"{base} {_LEVEL_SUFFIX.get(education, 'Terampil')}"
    return rng.choice(ADMINISTRATIVE_TITLES)


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def generate_personnel(
    rng: random.Random,
    count: int,
    units: Sequence[Unit],
    as_of: date,
    names: tuple[Sequence[str], Sequence[str], Sequence[str]],
) -> Iterator[Employee]:
    male, female, family = names
    unit_weights = [unit.weight for unit in units]
    used_nips: set[str] = set()
    for _ in range(count):
        age = min(58, max(20, round(rng.triangular(20, 58, 44))))
        birth = as_of - timedelta(days=age * 365 + rng.randrange(365))
        gender = "M" if rng.random() < 0.48 else "F"
        education = _pick(rng, _EDUCATION_WEIGHTS)
        employment_type = "PPPK" if rng.random() < 0.18 else "PNS"
        earliest_appointment = max(birth.year + 19, 1980)
        appointed_year = rng.randrange(earliest_appointment, max(earliest_appointment, as_of.year - 1) + 1)
        appointed = date(appointed_year, rng.randrange(1, 13), 1)
        stem = f"{birth:%Y%m%d}{appointed:%Y%m}{1 if gender == 'M' else 2}"
        sequence = 1
        while f"{stem}{sequence:03d}" in used_nips:
            sequence += 1
        nip = f"{stem}{sequence:03d}"
        used_nips.add(nip)
        unit = rng.choices(units, weights=unit_weights)[0]
        weights = _POSITION_WEIGHTS_PNS if employment_type == "PNS" else _POSITION_WEIGHTS_PPPK
        position_type = _pick(rng, weights)
        years_of_service = as_of.year - appointed.year
        rated_years = min(2, years_of_service)
        sanction = _pick(rng, _SANCTION_WEIGHTS)
        yield Employee(
            nip=nip,
            full_name=f"{rng.choice(male if gender == 'M' else female)} {rng.choice(family)}",
            birth_date=birth,
            gender=gender,
            employment_type=employment_type,
            golongan=_golongan(rng, education, years_of_service) if employment_type == "PNS" else None,
            position_title=_position_title(rng, position_type, unit, education),
            position_type=position_type,
            unit_code=unit.code,
            unit_name=unit.name,
            position_start=_date_between(rng, max(appointed, as_of - timedelta(days=8 * 365)), as_of),
            golongan_start=(
                _date_between(rng, max(appointed, as_of - timedelta(days=4 * 365)), as_of)
                if employment_type == "PNS"
                else None
            ),
            education_level=education,
            education_field=_education_field(rng, education, unit.sector),
            skp_rating_last_year=_pick(rng, _SKP_WEIGHTS) if rated_years >= 1 else None,
            skp_rating_year_before=_pick(rng, _SKP_WEIGHTS) if rated_years >= 2 else None,
            discipline_sanction=sanction,
            discipline_date=None if sanction == "none" else _date_between(rng, as_of - timedelta(days=3 * 365), as_of),
            oap_status=None,
            status=_pick(rng, _STATUS_WEIGHTS),
        )
