"""Synthetic personnel records, generated column-wise with numpy: valid unique NIPs, plausible age, rank, position,
education placed in or out of the unit's sector, performance ratings and discipline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from asn_platform.core.contract import GOLONGAN
from asn_platform.generator.names import ADMINISTRATIVE_TITLES, EDUCATION_FIELD_SECTOR, FUNCTIONAL_TITLES

# Education mix of regional civil servants, most common first.
_EDUCATION = {"S1": 46, "SLTA": 17, "D3": 14, "S2": 11, "D4": 4, "SMP": 2, "D2": 2, "D1": 1, "SD": 2, "S3": 1}
_SCHOOLING = ("SD", "SMP", "SLTA")
# The golongan a PNS enters at, and the highest regular promotion reaches, by education (PP 11/2017).
_ENTRY = {"SD": "I/a", "SMP": "I/c", "SLTA": "II/a", "D1": "II/a", "D2": "II/b", "D3": "II/c", "D4": "III/a",
          "S1": "III/a", "S2": "III/b", "S3": "III/c"}  # fmt: skip
_CEILING = {"S2": "IV/e", "S3": "IV/e", "S1": "IV/b", "D4": "IV/b"}  # others: III/d
_STATUS = {"active": 95, "retired": 2, "transferred_out": 2, "deceased": 1}
_POSITION_PNS = {"JPT Pratama": 1, "Administrator": 3, "Pengawas": 8, "Fungsional": 55, "Pelaksana": 33}
_POSITION_PPPK = {"Fungsional": 80, "Pelaksana": 20}
_SKP = {"Sangat Baik": 15, "Baik": 70, "Butuh Perbaikan": 10, "Kurang": 4, "Sangat Kurang": 1}
_SANCTION = {"none": 960, "light": 25, "moderate": 10, "heavy": 5}
# How often a graduate works in the sector their field prepares for; the rest are placed anywhere (the misfit the
# placement marts look for).
FIELD_MATCH_RATE = 0.72
_LEVEL_SUFFIX = {"S2": "Ahli Muda", "S3": "Ahli Madya", "S1": "Ahli Pertama", "D4": "Ahli Pertama"}
_ADMINISTRATOR_TITLES = ("Sekretaris", "Kepala Bidang Pelayanan", "Kepala Bidang Program")
_SUPERVISOR_TITLES = ("Kepala Subbagian Umum dan Kepegawaian", "Kepala Seksi Pelayanan", "Kepala Seksi Data")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    sector: str
    weight: int


def _choose(rng: np.random.Generator, weights: dict[str, int], size: int) -> np.ndarray:
    labels = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return labels[rng.choice(labels.size, size, p=p / p.sum())]


def _pick(rng: np.random.Generator, pool: Sequence[str], size: int) -> np.ndarray:
    return np.array(pool, dtype=object)[rng.integers(0, len(pool), size)]


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def _unique_nips(stems: np.ndarray) -> np.ndarray:
    """Stem (birth date, appointment month, gender digit) plus a sequence that is unique within the stem."""
    sequence = pd.Series(stems).groupby(stems).cumcount().to_numpy() + 1
    if sequence.max(initial=0) > 999:
        raise ValueError("more than 999 people share a birth date, appointment month and gender")
    return np.char.add(stems.astype(str), np.char.zfill(sequence.astype(str), 3)).astype(object)


def _education_fields(rng: np.random.Generator, sector: np.ndarray, schooling: np.ndarray) -> np.ndarray:
    """Most graduates studied for their unit's sector, the rest anything; schooling only is 'Umum'."""
    count = sector.size
    education_field = _pick(rng, list(EDUCATION_FIELD_SECTOR), count)
    matched = rng.random(count) < FIELD_MATCH_RATE
    for unit_sector in sorted(set(sector)):
        pool = [field for field, field_sector in EDUCATION_FIELD_SECTOR.items() if field_sector == unit_sector]
        mask = matched & (sector == unit_sector)
        if pool and mask.any():
            education_field[mask] = _pick(rng, pool, int(mask.sum()))
    education_field[schooling] = "Umum"
    return education_field


def _titles(
    rng: np.random.Generator, position_type: np.ndarray, sector: np.ndarray, education: np.ndarray,
    unit_names: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Position titles: managerial from the unit, functional from the sector and education level, else clerical."""
    count = sector.size
    title = _pick(rng, ADMINISTRATIVE_TITLES, count)
    functional = (position_type == "Fungsional") & ~np.isin(education, _SCHOOLING)
    for unit_sector in sorted(set(sector)):
        mask = functional & (sector == unit_sector)
        pool = FUNCTIONAL_TITLES.get(unit_sector, FUNCTIONAL_TITLES["general_administration"])
        title[mask] = _pick(rng, pool, int(mask.sum()))
    suffixes = {level: _LEVEL_SUFFIX.get(level, "Terampil") for level in _EDUCATION}
    suffix = pd.Series(education).map(suffixes).to_numpy(dtype=object)
    title[functional] = title[functional] + " " + suffix[functional]
    title = np.where(position_type == "JPT Pratama", "Kepala " + unit_names, title)
    title = np.where(position_type == "Administrator", _pick(rng, _ADMINISTRATOR_TITLES, count), title)
    return np.where(position_type == "Pengawas", _pick(rng, _SUPERVISOR_TITLES, count), title)


def generate_personnel(
    rng: np.random.Generator,
    count: int,
    units: Sequence[Unit],
    as_of: date,
    names: tuple[Sequence[str], Sequence[str], Sequence[str]],
) -> pd.DataFrame:
    """`count` civil servants in the contract's names and values (one row each, in generation order)."""
    male, female, family = names
    today = np.datetime64(as_of, "D")
    age = np.clip(np.rint(rng.triangular(20, 44, 58, count)), 20, 58).astype(int)
    birth = today - _days(age * 365 + rng.integers(0, 365, count))
    birth_year = birth.astype("datetime64[Y]").astype(int) + 1970
    male_mask = rng.random(count) < 0.48
    education = _choose(rng, _EDUCATION, count)
    pppk = rng.random(count) < 0.18
    earliest = np.maximum(birth_year + 19, 1980)
    latest = np.maximum(earliest, as_of.year - 1)
    appointed_year = rng.integers(earliest, latest + 1)
    appointed_month = rng.integers(1, 13, count)
    appointed = (
        (appointed_year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (appointed_month - 1)
    ).astype("datetime64[D]")
    birth_text = np.datetime_as_string(birth, unit="D")
    stems = np.char.add(
        np.char.add(np.char.replace(birth_text, "-", ""), np.char.add(appointed_year.astype(str),
                    np.char.zfill(appointed_month.astype(str), 2))),
        np.where(male_mask, "1", "2"),
    )  # fmt: skip
    unit_index = rng.choice(len(units), count, p=(w := np.array([u.weight for u in units], float)) / w.sum())
    sector = np.array([u.sector for u in units], dtype=object)[unit_index]
    years_of_service = as_of.year - appointed_year

    position_type = np.where(pppk, _choose(rng, _POSITION_PPPK, count), _choose(rng, _POSITION_PNS, count))
    levels = pd.Series(education)
    entry = levels.map({level: GOLONGAN.index(rank) for level, rank in _ENTRY.items()}).to_numpy()
    ceiling = levels.map({level: GOLONGAN.index(_CEILING.get(level, "III/d")) for level in _EDUCATION}).to_numpy()
    steps = years_of_service // 4 - (rng.random(count) < 0.2)
    golongan_index = np.maximum(entry, np.minimum(entry + steps, ceiling))
    golongan = np.where(pppk, None, np.array(GOLONGAN, dtype=object)[golongan_index])

    schooling = np.isin(education, _SCHOOLING)
    education_field = _education_fields(rng, sector, schooling)
    unit_names = np.array([u.name for u in units], dtype=object)[unit_index]
    title = _titles(rng, position_type, sector, education, unit_names)

    def since(start: np.ndarray) -> np.ndarray:
        return start + _days((rng.random(count) * ((today - start).astype(int) + 1)).astype(int))

    rated_years = np.minimum(2, years_of_service)
    sanction = _choose(rng, _SANCTION, count)
    frame = pd.DataFrame(
        {
            "nip": _unique_nips(stems),
            "full_name": np.where(male_mask, _pick(rng, male, count), _pick(rng, female, count))
            + " "
            + _pick(rng, family, count),
            "birth_date": birth,
            "gender": np.where(male_mask, "M", "F"),
            "employment_type": np.where(pppk, "PPPK", "PNS"),
            "golongan": golongan,
            "position_title": title,
            "position_type": position_type,
            "unit_code": np.array([u.code for u in units], dtype=object)[unit_index],
            "unit_name": unit_names,
            "position_start": since(np.maximum(appointed, today - np.timedelta64(8 * 365, "D"))),
            # Regular promotion comes after four years in a golongan; many wait longer, so the merit rules have
            # people on both sides of the line.
            "golongan_start": since(np.maximum(appointed, today - np.timedelta64(7 * 365, "D"))),
            "education_level": education,
            "education_field": education_field,
            "skp_rating_last_year": np.where(rated_years >= 1, _choose(rng, _SKP, count), None),
            "skp_rating_year_before": np.where(rated_years >= 2, _choose(rng, _SKP, count), None),
            "discipline_sanction": sanction,
            "discipline_date": since(np.full(count, today - np.timedelta64(3 * 365, "D"))),
            "oap_status": pd.array([pd.NA] * count, dtype="boolean"),
            "status": _choose(rng, _STATUS, count),
        }
    )
    frame.loc[pppk, "golongan_start"] = pd.NaT
    frame.loc[sanction == "none", "discipline_date"] = pd.NaT
    frame["unit_sector"] = sector
    frame["appointed"] = appointed
    return frame
