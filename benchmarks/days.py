"""Daily deliveries after the full load, for benchmarks/pipeline.py: each region's state carried from day to day, a
day's real change applied to it (seeded), and the day's delivery written in the region's own style; then what the
raw layer holds after each day.

State: after the full run, a region's truth is what the national generator generated (`region_frames`, as of the
deliveries' date; a delta region's full extract and deltas add up to it). Day 1 starts from it; every day writes the
region's personnel, training and survey responses as they stand at its end to Parquet (`<state>/<region>/`, with the
day it reached in `day.json`), and the next day starts from there, so day k costs what day 1 costs (day 1 also pays
for generating the starting state once).

A day's change, drawn from `numpy.random.default_rng([seed, region number, 99, day])`, so the same seed, scale and
day give the same bytes:

- personnel (`DAILY_PERSONNEL`, shares of the region's records): new staff (generated like everyone else, their NIP
  unique in the region, starting in their unit that day), transfers (another unit of the region, position start that
  day), people leaving service (retired, transferred out, deceased: a status change, the record stays) and regular
  promotions (the next golongan, for PNS four years or more in theirs);
- training: a day's worth of a year's records (1/365), of active staff, dated that day; where the region sends full
  extracts, a few records entered in error also disappear (`TRAINING_WITHDRAWN`): a delta cannot say that a record
  is gone, so a delta region's records never vanish;
- survey responses: a day's worth of a year's (1/365), new response ids, dated that day.

Complaints and the reference lists (units, services) are not sent again. The delivery of a dataset the region sends as
deltas (Medan-style) holds the day's new and changed records; a full-extract dataset's is the whole state; an API
dataset (Banjarbaru-style survey responses) is written as its fetched collection, where ingestion/api.py lands one.
Each dataset's change is counted as new + changed + vanished records, as the generator knows them.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from asn_platform.core.settings import Settings

DATASETS = ("personnel", "training", "survey_responses")
# Shares of a region's personnel records that change on a day, by kind of change (about 0.5 % in all).
DAILY_PERSONNEL = {"hired": 0.001, "transferred": 0.002, "left_service": 0.0005, "promoted": 0.0015}
# Leaving service: how (the generator's status values).
LEAVING = {"retired": 0.5, "transferred_out": 0.4, "deceased": 0.1}
# Share of a full-extract region's training records deleted on a day (entered in error).
TRAINING_WITHDRAWN = 0.0002
DAYS_A_YEAR = 365
# Regular promotion: four years in a golongan.
PROMOTION_YEARS = 4


def _dated(frame: Any, column: str, day: date) -> None:
    """Set `column` to `day`, in the column's own representation (datetime64 or date objects)."""
    import pandas as pd

    frame[column] = pd.Timestamp(day) if pd.api.types.is_datetime64_any_dtype(frame[column]) else day


def _read_state(folder: Path) -> dict[str, Any]:
    import duckdb

    with duckdb.connect() as connection:
        return {d: connection.execute("FROM read_parquet(?)", [str(folder / f"{d}.parquet")]).df() for d in DATASETS}


def _write_state(folder: Path, frames: dict[str, Any], day_number: int) -> None:
    """Each dataset's frame to Parquet (through DuckDB: no pyarrow needed), then the day it stands at."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as connection:
        for dataset in DATASETS:
            connection.register("frame", frames[dataset])
            partial = folder / f"{dataset}.parquet.partial"
            connection.execute(f"COPY frame TO '{partial}' (FORMAT parquet)")
            connection.unregister("frame")
            partial.replace(folder / f"{dataset}.parquet")
    (folder / "day.json").write_text(json.dumps({"day": day_number}))


def _count(share: float, total: int) -> int:
    """At least one record of the kind a day, however small the region."""
    return max(1, round(total * share))


def _personnel(people: Any, profile: Any, day: date, rng: Any) -> tuple[Any, Any, dict[str, int]]:
    """The day's personnel, the records that changed or are new (as they stand at the end of the day), and counts
    by kind of change."""
    import numpy as np
    import pandas as pd

    from asn_platform.core.contract import GOLONGAN
    from asn_platform.generator.personnel import Unit, generate_personnel

    people = people.reset_index(drop=True).copy()
    total = len(people)
    when = pd.Timestamp(day)
    active = np.flatnonzero((people["status"] == "active").to_numpy())
    order = rng.permutation(active)
    moves = _count(DAILY_PERSONNEL["transferred"], total)
    leaves = _count(DAILY_PERSONNEL["left_service"], total)
    transferred, leaving, rest = order[:moves], order[moves : moves + leaves], order[moves + leaves :]

    units = [Unit(*unit) for unit in profile.units]
    codes = np.array([unit.code for unit in units], dtype=object)
    if len(units) > 1 and len(transferred):  # another of the region's units
        current = pd.Series(range(len(units)), index=codes).reindex(people.loc[transferred, "unit_code"]).to_numpy()
        current = np.nan_to_num(current, nan=0).astype(int)
        pick = rng.integers(0, len(units) - 1, len(transferred))
        target = pick + (pick >= current)
        people.loc[transferred, "unit_code"] = codes[target]
        people.loc[transferred, "unit_name"] = np.array([u.name for u in units], dtype=object)[target]
        people.loc[transferred, "unit_sector"] = np.array([u.sector for u in units], dtype=object)[target]
        _dated_rows(people, transferred, "position_start", when)

    statuses = list(LEAVING)
    weights = np.array(list(LEAVING.values()))
    people.loc[leaving, "status"] = np.array(statuses, dtype=object)[
        rng.choice(len(statuses), len(leaving), p=weights / weights.sum())
    ]

    golongan = people.loc[rest, "golongan"]
    eligible = rest[
        (people.loc[rest, "employment_type"] == "PNS").to_numpy()
        & golongan.isin(GOLONGAN[:-1]).to_numpy()
        & (people.loc[rest, "golongan_start"] <= when - pd.DateOffset(years=PROMOTION_YEARS)).to_numpy()
    ]
    promoted = np.sort(
        rng.choice(eligible, min(len(eligible), _count(DAILY_PERSONNEL["promoted"], total)), replace=False)
    )
    following = dict(itertools.pairwise(GOLONGAN))
    people.loc[promoted, "golongan"] = people.loc[promoted, "golongan"].map(following).to_numpy()
    _dated_rows(people, promoted, "golongan_start", when)

    male, female = profile.given_names
    hired = generate_personnel(rng, _count(DAILY_PERSONNEL["hired"], total), units, day,
                               (male, female, profile.family_names))  # fmt: skip
    if profile.oap_share is not None:
        hired["oap_status"] = rng.random(len(hired)) < profile.oap_share
    hired["nip"] = _unused_nips(hired["nip"], people["nip"])
    hired["status"] = "active"
    _dated(hired, "position_start", day)
    changed = np.sort(np.concatenate([transferred, leaving, promoted]))
    delta = pd.concat([people.iloc[changed], hired], ignore_index=True)
    people = pd.concat([people, hired], ignore_index=True)
    counts = {"new": len(hired), "changed": len(changed), "vanished": 0,
              "hired": len(hired), "transferred": len(transferred), "left_service": len(leaving),
              "promoted": len(promoted)}  # fmt: skip
    return people, delta, counts


def _dated_rows(frame: Any, rows: Any, column: str, when: Any) -> None:
    """Set `column` of `rows` to the day, in the column's own representation."""
    import pandas as pd

    frame.loc[rows, column] = when if pd.api.types.is_datetime64_any_dtype(frame[column]) else when.date()


def _unused_nips(nips: Any, taken: Any) -> Any:
    """The new NIPs with their last three digits (a sequence within birth date, appointment month and sex) moved past
    every NIP of the region with the same first fifteen: unique in the region, still valid."""
    import pandas as pd

    nips = pd.Series(nips, dtype=object).reset_index(drop=True)
    stems = nips.str[:15]
    existing = pd.Series(taken, dtype=object)
    existing = existing[existing.str[:15].isin(set(stems))]
    highest = existing.str[15:].astype(int).groupby(existing.str[:15].to_numpy()).max()
    sequence = stems.map(highest).fillna(0).astype(int).to_numpy() + stems.groupby(stems).cumcount().to_numpy() + 1
    if sequence.max(initial=0) > 999:
        raise ValueError("more than 999 people share a birth date, appointment month and gender")
    return (stems + pd.Series(sequence).astype(str).str.zfill(3)).to_numpy(dtype=object)


def _training(training: Any, people: Any, day: date, rng: Any, *, full: bool) -> tuple[Any, Any, dict[str, int]]:
    """A day's worth of training records of active staff, dated that day; in a full extract, a few withdrawn."""
    import numpy as np
    import pandas as pd

    training = training.reset_index(drop=True)
    active = people.loc[people["status"] == "active", "nip"]
    pool = np.flatnonzero(training["nip"].isin(set(active)).to_numpy())
    wanted = min(len(pool), max(1, round(len(training) / DAYS_A_YEAR)))
    new = training.iloc[np.sort(rng.choice(pool, wanted, replace=False))].copy()
    _dated(new, "start_date", day)
    _dated(new, "end_date", day)
    new = new.drop_duplicates(["nip", "course_code"])
    vanished = 0
    if full:
        gone = rng.choice(len(training), min(len(training), round(len(training) * TRAINING_WITHDRAWN)), replace=False)
        vanished = len(gone)
        training = training.drop(index=gone)
    state = pd.concat([training, new], ignore_index=True)
    return state, new, {"new": len(new), "changed": 0, "vanished": vanished}


def _surveys(surveys: Any, prefix: str, day: date, rng: Any) -> tuple[Any, Any, dict[str, int]]:
    """A day's worth of a year's survey responses, with new ids, dated that day."""
    import numpy as np
    import pandas as pd

    surveys = surveys.reset_index(drop=True)
    wanted = max(1, round(len(surveys) / DAYS_A_YEAR))
    new = surveys.iloc[np.sort(rng.choice(len(surveys), min(len(surveys), wanted), replace=False))].copy()
    new["response_id"] = [f"{prefix}-SKM-{day:%Y%m%d}-{number:06d}" for number in range(1, len(new) + 1)]
    _dated(new, "response_date", day)
    return pd.concat([surveys, new], ignore_index=True), new, {"new": len(new), "changed": 0, "vanished": 0}


def day_region(
    seed: int, scale: float, number: int, day_number: int, day: str, *, landing: str, sources: str, state: str
) -> dict[str, dict[str, int]]:
    """One region's delivery of day `day_number` (dated `day`), built on its state of the day before (see the module
    docstring); per dataset, the rows written and the records new, changed and vanished."""
    import numpy as np

    from asn_platform.generator.national import CHUNK_ROWS, plan_regions, region_frames
    from asn_platform.generator.writers import open_extract
    from ingestion.registry import region_source

    region = next(r for r in plan_regions(seed, scale) if r.number == number)
    profile, today = region.profile, date.fromisoformat(day)
    source = region_source(profile.region, Path(sources))
    folder = Path(state) / profile.region
    if day_number == 1:  # the full run's truth, as of the deliveries' date
        frames = region_frames(seed, region, today - timedelta(days=1))
        frames = {dataset: frames[dataset] for dataset in DATASETS}
    else:
        reached = json.loads((folder / "day.json").read_text())["day"] if (folder / "day.json").is_file() else None
        if reached != day_number - 1:
            raise RuntimeError(f"{folder}: the state of day {reached}, not of day {day_number - 1}: run days in order")
        frames = _read_state(folder)
    rng = np.random.default_rng([seed, number, 99, day_number])
    people, people_delta, people_counts = _personnel(frames["personnel"], profile, today, rng)
    full_training = source.dataset("training").load_mode != "delta"
    training, training_delta, training_counts = _training(frames["training"], people, today, rng, full=full_training)
    surveys, surveys_delta, surveys_counts = _surveys(frames["survey_responses"], profile.prefix, today, rng)
    days = {
        "personnel": (people, people_delta, people_counts),
        "training": (training, training_delta, training_counts),
        "survey_responses": (surveys, surveys_delta, surveys_counts),
    }
    written = {}
    for dataset, (whole, delta_rows, counts) in days.items():
        config = source.dataset(dataset)
        delta = config.load_mode == "delta"
        part = (delta_rows if delta else whole).reset_index(drop=True)
        if config.transport == "api":  # where ingestion/api.py lands a fetched collection
            name = f"{dataset}_{today:%Y%m%d}.jsonl"
        else:
            name = profile.files[dataset].format(date=f"{today:%Y%m%d}", kind="delta" if delta else "full")
        # As the generator writes a file: CHUNK_ROWS rows at a time (an empty extract still gets its header).
        with open_extract(Path(landing) / profile.region / dataset / today.isoformat() / name, profile, dataset) as out:
            for start in range(0, max(len(part), 1), CHUNK_ROWS):
                out.write(part.iloc[start : start + CHUNK_ROWS])
        written[dataset] = counts | {"rows": len(part), "state_rows": len(whole)}
    _write_state(folder, {dataset: figures[0] for dataset, figures in days.items()}, day_number)
    return written


def generate_day(settings: Settings, scale: float, day_number: int, state: Path) -> dict:
    """Every region's delivery of day `day_number` (the settings' as-of date), regions side by side in fresh
    processes (as the generator does); rows written, records changed and records held, per dataset."""
    from asn_platform.generator.national import plan_regions

    if settings.as_of is None:
        raise SystemExit("a day's delivery needs ASN_AS_OF: its date")
    numbers = [r.number for r in plan_regions(settings.sample_seed, scale)]
    landing, sources = str(settings.landing_dir), str(settings.sources_dir)
    by_dataset: dict[str, dict[str, int]] = {}
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(day_region, settings.sample_seed, scale, n, day_number, settings.as_of.isoformat(),
                        landing=landing, sources=sources, state=str(state))
            for n in numbers
        ]  # fmt: skip
        for future in futures:
            for dataset, counts in future.result().items():
                totals = by_dataset.setdefault(dataset, {})
                for key, value in counts.items():
                    totals[key] = totals.get(key, 0) + value
    changed = {d: c["new"] + c["changed"] + c["vanished"] for d, c in by_dataset.items()}
    state_rows = sum(c["state_rows"] for c in by_dataset.values())
    return {
        "rows": sum(c["rows"] for c in by_dataset.values()),
        "rows_by_dataset": {d: c["rows"] for d, c in by_dataset.items()},
        "changes": by_dataset,
        "changed_rows": sum(changed.values()),
        "changed_by_dataset": changed,
        # The records the regions hold at the end of the day (of the datasets sent again), and the changed share.
        "state_rows": state_rows,
        "changed_share": round(sum(changed.values()) / state_rows, 5) if state_rows else None,
    }


def raw_size(settings: Settings) -> dict:
    """The raw layer now: rows of every raw table, standing rows (not ended by a later load) of those that record
    it (`_ended_load_id`), the rows of the datasets' tables in all, the build database's file size (MB) and, where
    ingestion archives the delivered files, the archive's."""
    from asn_platform.core.contract import REGIONAL_DATASETS
    from asn_platform.core.warehouse import connect, quote_identifier

    tables, standing = {}, {}
    with connect(settings=settings, read_only=True) as connection:
        names = connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'raw' "
            "ORDER BY table_name"
        ).fetchall()
        ended = {
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'raw' AND column_name = '_ended_load_id'"
            ).fetchall()
        }
        for (name,) in names:
            table = f"raw.{quote_identifier(name)}"
            if name in ended:
                tables[name], standing[name] = connection.execute(
                    f"SELECT count(*), count(*) FILTER (WHERE _ended_load_id IS NULL) FROM {table}"
                ).fetchone()
            else:
                ((tables[name],),) = connection.execute(f"SELECT count(*) FROM {table}").fetchall()
    data = [name for name in tables if name in REGIONAL_DATASETS]
    files = [settings.warehouse_path, settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal")]
    archive = getattr(settings, "archive_dir", None)  # the delivered files, where ingestion keeps them
    return {
        "tables": tables,
        "standing": standing,
        "rows": sum(tables[name] for name in data),
        "standing_rows": sum(standing[name] for name in data if name in standing) if standing else None,
        "mb": round(sum(path.stat().st_size for path in files if path.is_file()) / 1e6, 1),
        "archive_mb": round(_folder_bytes(archive) / 1e6, 1) if archive is not None and archive.is_dir() else None,
    }


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
