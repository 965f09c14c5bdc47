"""Synthetic personnel records with valid, unique NIPs and plausible age, rank and education."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from asn_platform.contract import GOLONGAN

# Education mix of regional civil servants, most common first.
_EDUCATION_WEIGHTS = {"S1": 46, "SLTA": 17, "D3": 14, "S2": 11, "D4": 4, "SMP": 2, "D2": 2, "D1": 1, "SD": 2, "S3": 1}
# The golongan a PNS enters at, by education (PP 11/2017 entry ranks).
_ENTRY_GOLONGAN = {"SD": "I/a", "SMP": "I/c", "SLTA": "II/a", "D1": "II/a", "D2": "II/b", "D3": "II/c", "D4": "III/a",
                   "S1": "III/a", "S2": "III/b", "S3": "III/c"}  # fmt: skip
_STATUS_WEIGHTS = {"active": 95, "retired": 2, "transferred_out": 2, "deceased": 1}


@dataclass(frozen=True)
class Employee:
    nip: str
    full_name: str
    birth_date: date
    gender: str
    employment_type: str
    golongan: str | None
    unit_code: str
    unit_name: str
    education_level: str
    status: str


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _golongan(rng: random.Random, education: str, years_of_service: int) -> str:
    # Regular promotion every four years from the entry rank, capped by what the education allows.
    entry = GOLONGAN.index(_ENTRY_GOLONGAN[education])
    ceiling = GOLONGAN.index("IV/e" if education in {"S2", "S3"} else "IV/b" if education in {"S1", "D4"} else "III/d")
    steps = years_of_service // 4 - (1 if rng.random() < 0.2 else 0)
    return GOLONGAN[max(entry, min(entry + steps, ceiling))]


def generate_personnel(
    rng: random.Random,
    count: int,
    units: Sequence[tuple[str, str, int]],
    as_of: date,
    names: tuple[Sequence[str], Sequence[str], Sequence[str]],
) -> Iterator[Employee]:
    male, female, family = names
    unit_weights = [weight for _, _, weight in units]
    used_nips: set[str] = set()
    for _ in range(count):
        age = min(58, max(20, round(rng.triangular(20, 58, 44))))
        birth = as_of - timedelta(days=age * 365 + rng.randrange(365))
        gender = "M" if rng.random() < 0.48 else "F"
        education = _pick(rng, _EDUCATION_WEIGHTS)
        employment_type = "PPPK" if rng.random() < 0.18 else "PNS"
        earliest_appointment = max(birth.year + 19, 1980)
        appointed = rng.randrange(earliest_appointment, max(earliest_appointment, as_of.year - 1) + 1)
        appointed_month = rng.randrange(1, 13)
        sequence = 1
        stem = f"{birth:%Y%m%d}{appointed:04d}{appointed_month:02d}{1 if gender == 'M' else 2}"
        while f"{stem}{sequence:03d}" in used_nips:
            sequence += 1
        nip = f"{stem}{sequence:03d}"
        used_nips.add(nip)
        given = rng.choice(male if gender == "M" else female)
        unit_code, unit_name, _ = rng.choices(units, weights=unit_weights)[0]
        yield Employee(
            nip=nip,
            full_name=f"{given} {rng.choice(family)}",
            birth_date=birth,
            gender=gender,
            employment_type=employment_type,
            golongan=_golongan(rng, education, as_of.year - appointed) if employment_type == "PNS" else None,
            unit_code=unit_code,
            unit_name=unit_name,
            education_level=education,
            status=_pick(rng, _STATUS_WEIGHTS),
        )
