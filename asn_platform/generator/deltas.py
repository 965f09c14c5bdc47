"""Full extract plus daily deltas: how a region that sends changed rows only (Medan) sees the same truth over time.

`split_deltas` takes a dataset's state at the last delivery date and returns what the initial full extract held
(an earlier state) and what each daily delta carried (the rows that changed that day, as they stood at its end).
Applying the deltas in delivery order on top of the full extract, latest version per key, gives the truth back.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from asn_platform.core.contract import GOLONGAN

# Share of personnel records that change on a given day (status change, promotion).
DAILY_PERSONNEL_CHANGE = 0.004


def delivery_dates(as_of: date, delta_days: int) -> list[date]:
    """The full extract's date, then one date per daily delta, the last being `as_of`."""
    return [as_of - timedelta(days=delta_days - day) for day in range(delta_days + 1)]


def split_deltas(dataset: str, truth: pd.DataFrame, dates: list[date], rng: np.random.Generator) -> list[pd.DataFrame]:
    """[full extract, delta 1, ...] for `dates` (from `delivery_dates`)."""
    if len(dates) == 1:
        return [truth]
    if dataset == "personnel":
        return _personnel(truth, dates, rng)
    if dataset == "complaints":
        return _complaints(truth, dates)
    column = {"training": "end_date", "survey_responses": "response_date"}[dataset]
    return _by_day(truth, truth[column], dates)


def _end_of(day: date) -> np.datetime64:
    return np.datetime64(datetime.combine(day + timedelta(days=1), datetime.min.time()), "s")


def _by_day(truth: pd.DataFrame, when: pd.Series, dates: list[date]) -> list[pd.DataFrame]:
    """Records arrive once, in the delivery of the day they happened (anything later rides the last delta)."""
    values = when.to_numpy(dtype="datetime64[s]")
    bounds = [_end_of(day) for day in dates]
    parts = [truth[values < bounds[0]]]
    for previous, bound in itertools.pairwise(bounds):
        in_day = (values >= previous) & ((values < bound) | (bound == bounds[-1]))
        parts.append(truth[in_day])
    return parts


_PERSONNEL_EVENTS = ("position_start", "golongan_start", "discipline_date")


def _personnel(truth: pd.DataFrame, dates: list[date], rng: np.random.Generator) -> list[pd.DataFrame]:
    """Some people changed on each delta day: the full extract holds their earlier record (still active, or one
    golongan lower), the day's delta their current one. Whoever has a position, rank or sanction dated after the
    full extract changed then too: the full extract holds them with the earlier dates, the delta of that day the
    new ones, so no extract carries a date after its own."""
    days = len(dates) - 1
    previous_golongan = {current: before for before, current in itertools.pairwise(GOLONGAN)}
    left_service = truth["status"] != "active"
    promoted = truth["golongan"].isin(list(previous_golongan)) & ~left_service
    changeable = np.flatnonzero(left_service | promoted)
    count = min(len(changeable), round(len(truth) * DAILY_PERSONNEL_CHANGE * days))
    changed = rng.choice(changeable, count, replace=False)
    day_of = rng.integers(0, days, count)
    full_day = pd.Timestamp(dates[0])
    events = truth[list(_PERSONNEL_EVENTS)]
    latest = events.where(events > full_day).max(axis=1)
    late = np.flatnonzero(latest.notna().to_numpy())
    late_day = ((latest.iloc[late] - full_day).dt.days - 1).clip(0, days - 1).to_numpy()
    keep = ~np.isin(changed, late)
    changed = np.concatenate([changed[keep], late])
    day_of = np.concatenate([day_of[keep], late_day])
    order = np.argsort(changed, kind="stable")
    changed, day_of = changed[order], day_of[order]

    full = truth.copy()
    rows = full.index[changed]
    full.loc[rows, "status"] = "active"
    was_promoted = rows[promoted.to_numpy()[changed]]
    full.loc[was_promoted, "golongan"] = full.loc[was_promoted, "golongan"].map(previous_golongan)
    full.loc[was_promoted, "golongan_start"] = full.loc[was_promoted, "golongan_start"] - pd.DateOffset(years=4)
    # Someone in a position that started after the full extract came to it from another unit (mutasi): the full
    # extract holds them there.
    moved = full.index[(full["position_start"] > full_day).to_numpy()]
    units = truth[["unit_code", "unit_name"]].drop_duplicates().to_numpy()
    if len(units) > 1 and len(moved):
        current = full.loc[moved, "unit_code"].to_numpy()
        picks = rng.integers(0, len(units) - 1, len(moved))
        codes = units[:, 0]
        for row, unit, pick in zip(moved, current, picks, strict=True):
            others = units[codes != unit]
            full.loc[row, ["unit_code", "unit_name"]] = others[pick % len(others)]
    # The earlier record: that event had not happened yet (the previous position or rank a year older; no sanction).
    for column in ("position_start", "golongan_start"):
        after = full[column] > full_day
        full.loc[after, column] = full.loc[after, column] - pd.DateOffset(years=1)
    sanctioned_later = full["discipline_date"] > full_day
    full.loc[sanctioned_later, "discipline_sanction"] = "none"
    full.loc[sanctioned_later, "discipline_date"] = pd.NaT
    return [full, *(truth.loc[rows[day_of == day]] for day in range(days))]


def _complaints(truth: pd.DataFrame, dates: list[date]) -> list[pd.DataFrame]:
    """A complaint is delivered when it arrives and again whenever its handling moves (answered, resolved)."""
    events = np.column_stack(
        [
            truth[column].to_numpy(dtype="datetime64[s]")
            for column in ("received_at", "first_response_at", "resolved_at")
        ]
    )
    bounds = [_end_of(day) for day in dates]
    parts = [_complaints_at(truth[events[:, 0] < bounds[0]], bounds[0])]
    for index in range(1, len(dates)):
        last = index == len(dates) - 1
        # NaT compares false, so a step that has not happened touches nothing.
        touched = ((events >= bounds[index - 1]) & ((events < bounds[index]) | last)).any(axis=1)
        parts.append(_complaints_at(truth[touched], None if last else bounds[index]))
    return parts


def _complaints_at(rows: pd.DataFrame, cutoff: np.datetime64 | None) -> pd.DataFrame:
    """The complaints as the system showed them at `cutoff` (None: as they stand now)."""
    if cutoff is None:
        return rows
    rows = rows.copy()
    not_yet_resolved = rows["resolved_at"].to_numpy(dtype="datetime64[s]") >= cutoff
    not_yet_answered = rows["first_response_at"].to_numpy(dtype="datetime64[s]") >= cutoff
    rows.loc[not_yet_resolved, "resolved_at"] = pd.NaT
    rows.loc[not_yet_resolved, "complaint_status"] = "in_progress"
    rows.loc[not_yet_answered, "first_response_at"] = pd.NaT
    rows.loc[not_yet_answered, "complaint_status"] = "received"
    return rows
