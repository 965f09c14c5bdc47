"""Synthetic training records, generated column-wise with numpy so national scale stays fast.

Each person trains at their own yearly rate (3-8 trainings), a share of people never train at all, a fifth of the
trainings come from the courses of the person's own sector, and nobody trains before appointment or after the
delivery date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from asn_platform.generator.courses import COURSES

NEVER_TRAIN_SHARE = 0.15
SECTOR_COURSE_SHARE = 0.2
JOINT_OPD_SHARE = 0.12
_RESULTS = ("passed", "failed", "incomplete")
_RESULT_WEIGHTS = (0.92, 0.03, 0.05)


def generate_training(
    rng: np.random.Generator,
    *,
    nips: Sequence[str],
    sectors: Sequence[str],
    appointed: Sequence[date],
    years: Sequence[int],
    as_of: date,
    never_train_share: Sequence[float] | float = NEVER_TRAIN_SHARE,
) -> pd.DataFrame:
    """One row per training attended, in the contract's names and values, ordered by start date then NIP.

    `never_train_share` is, per person or for everybody, the chance of being in the long tail that never trains
    (units differ: it follows their training budget); everybody else trains 3-8 times a year."""
    people = len(nips)
    rate = rng.uniform(3, 8, people) * (rng.random(people) >= np.asarray(never_train_share, dtype=float))
    appointed_day = np.array(appointed, dtype="datetime64[D]")
    frames = []
    for year in years:
        first = np.datetime64(date(year, 1, 1), "D")
        last = min(np.datetime64(date(year, 12, 31), "D"), np.datetime64(as_of, "D"))
        if last < first:
            continue
        window = (last - first).astype(int) + 1
        counts = rng.poisson(rate * window / 365) * (appointed_day <= last)
        person = np.repeat(np.arange(people), counts)
        earliest = np.maximum(appointed_day[person], first)
        span = (last - earliest).astype(int) + 1
        start = earliest + (rng.random(person.size) * span).astype("timedelta64[D]")
        frames.append(pd.DataFrame({"person": person, "start": start}))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"person": [], "start": []})
    course = _courses_for(rng, np.asarray(sectors, dtype=object)[rows["person"].to_numpy(dtype=int)])
    jp = np.array([c.jp for c in COURSES])[course]
    duration_days = np.maximum(1, np.ceil(jp / 8)).astype("timedelta64[D]")
    start = rows["start"].to_numpy(dtype="datetime64[D]")
    end = np.minimum(start + duration_days - np.timedelta64(1, "D"), np.datetime64(as_of, "D"))
    cost = np.round(jp * np.array([c.cost_per_jp for c in COURSES])[course] * rng.uniform(0.8, 1.2, course.size), -3)
    frame = pd.DataFrame(
        {
            "nip": np.asarray(nips, dtype=object)[rows["person"].to_numpy(dtype=int)],
            "course_code": np.array([c.code for c in COURSES], dtype=object)[course],
            "course_title": np.array([c.title for c in COURSES], dtype=object)[course],
            "category": np.array([c.category for c in COURSES], dtype=object)[course],
            "topic_tags": np.array([";".join(c.topics) for c in COURSES], dtype=object)[course],
            "provider": np.array([c.provider for c in COURSES], dtype=object)[course],
            "mode": np.array([c.mode for c in COURSES], dtype=object)[course],
            "start_date": start,
            "end_date": end,
            "jp": jp,
            "cost_idr": cost.astype(np.int64),
            "result": np.array(_RESULTS, dtype=object)[rng.choice(len(_RESULTS), course.size, p=_RESULT_WEIGHTS)],
            "joint_opd": rng.random(course.size) < JOINT_OPD_SHARE,
        }
    )
    # The same person cannot start the same course twice on one day (the contract's key).
    frame = frame.drop_duplicates(subset=["nip", "course_code", "start_date"])
    return frame.sort_values(["start_date", "nip", "course_code"], kind="stable").reset_index(drop=True)


def _courses_for(rng: np.random.Generator, sectors: np.ndarray) -> np.ndarray:
    general = np.array([i for i, c in enumerate(COURSES) if c.sector is None])
    weights = np.array([COURSES[i].weight for i in general])
    chosen = rng.choice(general, sectors.size, p=weights / weights.sum())
    own_sector = rng.random(sectors.size) < SECTOR_COURSE_SHARE
    for sector in sorted({c.sector for c in COURSES if c.sector}):  # sorted: set order follows the hash seed
        pool = np.array([i for i, c in enumerate(COURSES) if c.sector == sector])
        mask = own_sector & (sectors == sector)
        chosen[mask] = pool[rng.integers(0, pool.size, int(mask.sum()))]
    return chosen
