"""Synthetic public-satisfaction surveys (SKM) and complaints whose quality follows each unit's people.

A unit's latent service quality rises with the share of its staff who had 20 JP of training last year and with the
share placed where their field of study fits, so the marts have a real competency -> service-quality signal to find.
Everything is generated column-wise with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from asn_platform.core.contract import AGE_BANDS, COMPLAINT_CHANNELS, EDUCATION_LEVELS, IKM_ELEMENTS

SERVICES_BY_SECTOR = {
    "health": ("Pelayanan Rawat Jalan", "Pelayanan Rawat Inap", "Pelayanan Imunisasi"),
    "education": ("Penerimaan Peserta Didik Baru", "Legalisir Ijazah"),
    "civil_registration": ("Kartu Tanda Penduduk Elektronik", "Akta Kelahiran", "Kartu Keluarga"),
    "transport": ("Pengujian Kendaraan Bermotor", "Izin Trayek"),
    "ict": ("Layanan Pengaduan Online", "Layanan Data Statistik"),
    "investment_permits": ("Perizinan Berusaha", "Persetujuan Bangunan Gedung"),
    "social": ("Rekomendasi Bantuan Sosial", "Surat Keterangan Tidak Mampu"),
    "human_resources": ("Layanan Kenaikan Pangkat", "Layanan Pensiun"),
    "finance": ("Layanan Pajak Bumi dan Bangunan", "Layanan Pencairan SP2D"),
    "planning": ("Layanan Data Pembangunan",),
    "supervision": ("Layanan Pengaduan Masyarakat",),
    "general_administration": ("Surat Keterangan Domisili", "Rekomendasi Izin Keramaian"),
}
# Elements people rate higher or lower than the unit's general level (fees are often free; waiting is disliked).
_ELEMENT_EFFECT = {"biaya": 0.35, "waktu": -0.25, "pengaduan": -0.2, "sarana": -0.1}
_OCCUPATIONS = ("PNS", "Karyawan Swasta", "Wiraswasta", "Pelajar/Mahasiswa", "Ibu Rumah Tangga", "Petani/Nelayan",
                "Lainnya")  # fmt: skip
_SUGGESTIONS = ("Pelayanan sudah baik, pertahankan", "Antrian terlalu lama", "Mohon ruang tunggu diperbaiki",
                "Informasi persyaratan kurang jelas", "Petugas ramah dan membantu", "Perlu layanan online")  # fmt: skip
_CATEGORIES = ("Waktu pelayanan lama", "Petugas tidak ramah", "Biaya tidak sesuai ketentuan",
               "Persyaratan tidak jelas", "Sarana rusak", "Informasi tidak tersedia")  # fmt: skip
# Complaints per month relative to the year's average: school enrolment in July, year-end rush in December.
_SEASON = np.array([1.2, 0.9, 0.9, 0.9, 1.0, 1.0, 1.4, 1.1, 0.9, 0.9, 0.9, 1.3])
# SKM responses drawn per service and quarter, on average (scaled by the share of the quarter surveyed).
RESPONSES_PER_QUARTER = 45


@dataclass(frozen=True)
class UnitProfile:
    code: str
    sector: str
    training_coverage: float  # share of active staff with >= 20 JP last year
    placement_fit: float  # share of graduates whose field matches the unit's sector

    @property
    def quality(self) -> float:
        """Mean element score (NRR) this unit's service tends to earn, before element effects and noise."""
        return 2.2 + 1.2 * self.training_coverage + 0.6 * self.placement_fit


def services(rng: np.random.Generator, units: Sequence[UnitProfile]) -> pd.DataFrame:
    """Reference: the public services each unit delivers with yearly volume."""
    rows = [
        (unit.code, name, int(rng.integers(500, 40_000)))
        for unit in units
        for name in SERVICES_BY_SECTOR.get(unit.sector, SERVICES_BY_SECTOR["general_administration"])
    ]
    return pd.DataFrame(rows, columns=["unit_code", "service_name", "yearly_volume"])


def _quarters(first: date, as_of: date) -> list[tuple[date, date, float]]:
    """(start, end, share of the quarter that has passed): the last one may have only just begun."""
    quarters, start = [], first
    while start <= as_of:
        month = start.month + 3
        end = date(start.year + (month > 12), (month - 1) % 12 + 1, 1) - timedelta(days=1)
        quarters.append((start, min(end, as_of), ((min(end, as_of) - start).days + 1) / ((end - start).days + 1)))
        start = end + timedelta(days=1)
    return quarters


def generate_surveys(
    rng: np.random.Generator, *, units: Sequence[UnitProfile], service_list: pd.DataFrame, first: date, as_of: date,
    id_prefix: str,
) -> pd.DataFrame:  # fmt: skip
    """One row per SKM response: every service surveyed every quarter, its unit's quality improving slowly."""
    quality = {unit.code: unit.quality for unit in units}
    blocks = []
    for index, (start, end, passed) in enumerate(_quarters(first, as_of)):
        counts = rng.poisson(RESPONSES_PER_QUARTER * passed, len(service_list))
        row = np.repeat(np.arange(len(service_list)), counts)
        span = (end - start).days + 1
        blocks.append(
            pd.DataFrame(
                {
                    "service": row,
                    "response_date": np.datetime64(start, "D")
                    + rng.integers(0, span, row.size).astype("timedelta64[D]"),
                    "level": service_list["unit_code"].map(quality).to_numpy()[row] + 0.02 * index,
                }
            )
        )
    frame = pd.concat(blocks, ignore_index=True)
    size = len(frame)
    out = pd.DataFrame(
        {
            "response_id": [f"{id_prefix}{number:07d}" for number in range(1, size + 1)],
            "unit_code": service_list["unit_code"].to_numpy()[frame["service"]],
            "service_name": service_list["service_name"].to_numpy()[frame["service"]],
            "response_date": frame["response_date"].to_numpy(),
        }
    )
    person = rng.normal(0, 0.35, size)  # some respondents are harsher than others, on every element
    for key, _ in IKM_ELEMENTS:
        raw = frame["level"].to_numpy() + _ELEMENT_EFFECT.get(key, 0.0) + person + rng.normal(0, 0.45, size)
        out[f"score_{key}"] = np.clip(np.rint(raw), 1, 4).astype(int)
    out["respondent_age_band"] = np.array(AGE_BANDS)[rng.choice(6, size, p=[0.03, 0.22, 0.28, 0.24, 0.16, 0.07])]
    out["respondent_gender"] = np.where(rng.random(size) < 0.52, "F", "M")
    out["respondent_education"] = np.array(EDUCATION_LEVELS)[
        rng.choice(len(EDUCATION_LEVELS), size, p=[0.04, 0.08, 0.38, 0.01, 0.01, 0.08, 0.04, 0.3, 0.05, 0.01])
    ]
    out["respondent_occupation"] = np.array(_OCCUPATIONS)[rng.integers(0, len(_OCCUPATIONS), size)]
    out["suggestion"] = _suggestions(rng, size)
    return out.sort_values(["response_date", "response_id"], kind="stable").reset_index(drop=True)


def _suggestions(rng: np.random.Generator, size: int) -> np.ndarray:
    """Mostly empty; some generic; a few carry a phone number or a staff member's name, as real ones do."""
    kind = rng.choice(4, size, p=[0.7, 0.25, 0.04, 0.01])
    text = np.full(size, None, dtype=object)
    generic = kind == 1
    text[generic] = np.array(_SUGGESTIONS, dtype=object)[rng.integers(0, len(_SUGGESTIONS), int(generic.sum()))]
    for i in np.flatnonzero(kind == 2):
        text[i] = (
            f"Mohon dihubungi kembali di 08{rng.integers(11, 99)}-{rng.integers(1000, 9999)}-{rng.integers(1000, 9999)}"
        )
    for i in np.flatnonzero(kind == 3):
        text[i] = (
            f"Terima kasih kepada Ibu {('Siti', 'Dewi', 'Nurul', 'Rina')[rng.integers(0, 4)]} yang sangat membantu"
        )
    return text


def generate_complaints(
    rng: np.random.Generator, *, units: Sequence[UnitProfile], first: date, as_of: date, id_prefix: str
) -> pd.DataFrame:
    """One row per complaint: seasonal volume, more and slower-handled where a unit's service is weaker."""
    rows = []
    month = date(first.year, first.month, 1)
    while month < as_of:  # complaints up to the day before the delivery
        next_month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        for unit in units:
            weakness = max(0.2, 3.6 - unit.quality)
            for _ in range(int(rng.poisson(4 * weakness * _SEASON[month.month - 1]))):
                seconds = int(rng.integers(0, int((min(next_month, as_of) - month).total_seconds()) or 1))
                received = datetime.combine(month, datetime.min.time()) + timedelta(seconds=seconds)
                rows.append((unit.code, received, weakness))
        month = next_month
    frame = pd.DataFrame(rows, columns=["unit_code", "received_at", "weakness"])
    size = len(frame)
    received = frame["received_at"].to_numpy(dtype="datetime64[s]")
    first_response = received + (rng.exponential(20 * 3600, size)).astype("timedelta64[s]")
    resolve_after = (rng.gamma(2.0, 2.5 * frame["weakness"].to_numpy(), size) * 86_400).astype("timedelta64[s]")
    resolved = first_response + resolve_after
    horizon = np.datetime64(datetime.combine(as_of, datetime.min.time()), "s")
    unresolved = rng.random(size) < 0.04
    status = np.where(resolved <= horizon, np.where(unresolved, "closed_unresolved", "resolved"), "in_progress")
    status = np.where(first_response > horizon, "received", status)
    out = pd.DataFrame(
        {
            "complaint_id": [f"{id_prefix}{number:06d}" for number in range(1, size + 1)],
            "unit_code": frame["unit_code"],
            "channel": np.array(COMPLAINT_CHANNELS)[rng.choice(4, size, p=[0.35, 0.35, 0.15, 0.15])],
            "category": np.array(_CATEGORIES)[rng.integers(0, len(_CATEGORIES), size)],
            "received_at": received,
            "first_response_at": np.where(status == "received", np.datetime64("NaT"), first_response),
            "resolved_at": np.where(status == "resolved", resolved, np.datetime64("NaT")),
            "status": status,
        }
    )
    return out.sort_values(["received_at", "complaint_id"], kind="stable").reset_index(drop=True)
