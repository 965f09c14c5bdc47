"""The sample deliveries `make run` builds from: each sample region's personnel, training, survey (SKM) and
complaint extracts, written the way that region's systems write them (see profiles.py)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from asn_platform.core.console import Steps
from asn_platform.core.contract import DATASETS
from asn_platform.generator.defects import (
    EXTRA_FIELD,
    FILE_DEFECTS,
    DefectRates,
    damage_file,
    header_defect,
    inject_row_defects,
)
from asn_platform.generator.deltas import delivery_dates, split_deltas
from asn_platform.generator.names import EDUCATION_FIELD_SECTOR
from asn_platform.generator.personnel import Unit, generate_personnel
from asn_platform.generator.profiles import SAMPLE_PROFILES, RegionProfile, WorkbookStyle, reference_profile
from asn_platform.generator.service_quality import UnitProfile, generate_complaints, generate_surveys, services
from asn_platform.generator.training import generate_training
from asn_platform.generator.writers import write_extract

SAMPLE_AS_OF = date(2026, 11, 1)
TRAINING_YEARS = (2024, 2025, 2026)
SURVEY_FROM = date(2024, 11, 1)  # two years of surveys and complaints up to the delivery date


MANIFEST_NAME = "defects_manifest.json"


@dataclass(frozen=True)
class _Extract:
    """One file to write: a region's dataset for one delivery (or its API's store)."""

    profile: RegionProfile
    dataset: str
    path: Path
    frame: pd.DataFrame
    via_api: bool = False


def generate_sample(
    landing_dir: Path,
    seed: int,
    as_of: date = SAMPLE_AS_OF,
    profiles: Sequence[RegionProfile] = SAMPLE_PROFILES,
    *,
    api_dir: Path | None = None,
    defects: DefectRates | None = None,
    steps: Steps | None = None,
) -> list[Path]:
    """Write every profile's deliveries under `landing_dir/<region>/<dataset>/<delivery date>/`, and what a region
    serves through its API into `api_dir/<region>/` (the stand-in API's store); same seed, same bytes. Returns the
    files, region by region in profile order, each region's in dataset then delivery order.

    With `defects`, realistic defects are injected at those rates and every one is listed, with the file, line
    (or sheet row) and column where it sits, in `landing_dir/defects_manifest.json`. `steps` hears of each region
    as its data is generated and as its files are written."""
    steps = steps or Steps("generate", 2 * len(profiles), interactive=False, out=lambda line: None)
    extracts = []
    for index, profile in enumerate(profiles):
        steps.started(f"{profile.region} data")
        extracts += _region(landing_dir, api_dir, seed=seed, index=index, profile=profile, as_of=as_of)
        steps.finished(f"{profile.region} data", f"generated ({profile.headcount:,} ASN)")
    rates = defects or DefectRates.none()
    file_defects = _place_file_defects(extracts, rates, np.random.default_rng([seed, 1_000]))
    manifest: list[dict[str, object]] = []
    for number, extract in enumerate(extracts):
        if number == 0 or extracts[number - 1].profile.region != extract.profile.region:
            steps.started(f"{extract.profile.region} files")
        rng = np.random.default_rng([seed, 2_000, number])
        frame, injected = (extract.frame, [])
        if not DATASETS[extract.dataset].reference:  # reference lists can get file defects, not row defects
            frame, injected = inject_row_defects(extract.frame, extract.dataset, rng, rates, as_of=as_of)
        columns = dict(extract.profile.columns[extract.dataset])
        kinds = file_defects.get(number, [])
        where = _where(extract, landing_dir, api_dir)
        header_details = []
        for kind in (k for k in kinds if k in HEADER_DEFECTS):
            columns, detail = header_defect(columns, kind, rng)
            frame = frame.assign(**{EXTRA_FIELD: "-"}) if kind == "extra_column" else frame
            header_details.append((kind, detail))
        writer = write_extract(frame, extract.profile, extract.dataset, extract.path, columns)
        header_line = writer.first_record_position - 1 or None  # JSON Lines have no header line
        manifest += [_entry(where, kind, line=header_line, detail=detail) for kind, detail in header_details]
        headers = {field: header for header, field in columns.items()}
        for defect in injected:
            column = _frame_column(extract.dataset, defect.column)
            manifest.append(
                _entry(
                    where,
                    defect.kind,
                    line=defect.row + writer.first_record_position if defect.row is not None else None,
                    column=defect.column,
                    source_column=headers.get(column) if column else None,
                    original=defect.original,
                    injected=defect.injected,
                    detail=defect.detail,
                )
            )
        for kind in (k for k in kinds if k not in HEADER_DEFECTS):
            encoding = getattr(extract.profile.style, "encoding", "utf-8")
            manifest.append(_entry(where, kind, detail=damage_file(extract.path, kind, rng, encoding=encoding)))
        if number == len(extracts) - 1 or extracts[number + 1].profile.region != extract.profile.region:
            region_files = sum(1 for other in extracts if other.profile.region == extract.profile.region)
            steps.finished(f"{extract.profile.region} files", f"written ({region_files} deliveries)")
    _write_manifest(landing_dir / MANIFEST_NAME, seed=seed, as_of=as_of, rates=rates, defects=manifest)
    return [extract.path for extract in extracts]


HEADER_DEFECTS = frozenset({"renamed_column", "extra_column"})


def _entry(where: dict[str, object], kind: str, **found: object) -> dict[str, object]:
    """A manifest entry: where (region, dataset, file, line or sheet row, column) and what was injected."""
    fields = ("line", "column", "source_column", "original", "injected", "detail")
    return where | {"kind": kind} | {name: found.get(name) for name in fields}


def _frame_column(dataset: str, field: str | None) -> str | None:
    """The generator's frames call the complaints' contract field `status` `complaint_status`."""
    return "complaint_status" if (dataset, field) == ("complaints", "status") else field


def _where(extract: _Extract, landing_dir: Path, api_dir: Path | None) -> dict[str, object]:
    root = api_dir if extract.via_api and api_dir else landing_dir
    return {
        "region": extract.profile.region,
        "dataset": extract.dataset,
        "transport": "api" if extract.via_api else "file",
        "file": extract.path.relative_to(root).as_posix(),
    }


def _place_file_defects(
    extracts: Sequence[_Extract], rates: DefectRates, rng: np.random.Generator
) -> dict[int, list[str]]:
    """Which delivered files get which file-level defect: each kind `rate` files, never two kinds in one file,
    never the API's store (the API itself misbehaves in its own ways)."""
    placed: dict[int, list[str]] = {}
    taken: set[int] = set()
    for kind in FILE_DEFECTS:
        count = int(rates.rate(kind))
        candidates = [
            number
            for number, extract in enumerate(extracts)
            if not extract.via_api
            and number not in taken
            and not (kind == "wrong_encoding" and isinstance(extract.profile.style, WorkbookStyle))
        ]
        for number in rng.choice(candidates, min(count, len(candidates)), replace=False) if candidates else []:
            placed.setdefault(int(number), []).append(kind)
            taken.add(int(number))
    return placed


def _write_manifest(
    path: Path, *, seed: int, as_of: date, rates: DefectRates, defects: list[dict[str, object]]
) -> None:
    """Every injected defect, so a test can prove the pipeline caught each one where it sits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "seed": seed,
        "as_of": as_of.isoformat(),
        "rates": str(rates),
        "counts": dict(sorted(Counter(str(defect["kind"]) for defect in defects).items())),
        "defects": defects,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _region(
    landing_dir: Path, api_dir: Path | None, *, seed: int, index: int, profile: RegionProfile, as_of: date
) -> list[_Extract]:
    units, people, training = staff_and_training(seed, index, profile, as_of, years=TRAINING_YEARS)
    profiles = unit_profiles(units, people, training, year=as_of.year - 1)
    rng = np.random.default_rng([seed, index, 2])
    service_list = services(rng, profiles)
    surveys = generate_surveys(
        rng,
        units=profiles,
        service_list=service_list,
        first=SURVEY_FROM,
        as_of=as_of,
        id_prefix=f"{profile.prefix}-SKM-",
    )
    complaints = generate_complaints(
        rng, units=profiles, first=SURVEY_FROM, as_of=as_of, id_prefix=f"{profile.prefix}-ADU-"
    ).rename(columns={"status": "complaint_status"})
    frames = {"personnel": people, "training": training, "survey_responses": surveys, "complaints": complaints}
    extracts = []
    dates = delivery_dates(as_of, profile.delta_days)
    for number, (dataset, frame) in enumerate(frames.items()):
        if dataset in profile.api_datasets:
            if api_dir is None:
                raise ValueError(f"{profile.region} serves {dataset} through its API: pass api_dir")
            path = api_dir / profile.region / profile.files[dataset]
            extracts.append(_Extract(profile, dataset, path, frame, via_api=True))
            continue
        parts = split_deltas(dataset, frame, dates, np.random.default_rng([seed, index, 5, number]))
        for part_number, (day, part) in enumerate(zip(dates, parts, strict=True)):
            name = profile.files[dataset].format(date=f"{day:%Y%m%d}", kind="delta" if part_number else "full")
            path = landing_dir / profile.region / dataset / day.isoformat() / name
            extracts.append(_Extract(profile, dataset, path, part.reset_index(drop=True)))
    reference = reference_profile(profile)
    lists = reference_lists(profile, units, service_list)
    for dataset, frame in lists.items():
        name = reference.files[dataset].format(date=f"{as_of:%Y%m%d}")
        path = landing_dir / profile.region / dataset / as_of.isoformat() / name
        extracts.append(_Extract(reference, dataset, path, frame))
    return extracts


def staff_and_training(
    seed: int,
    index: int,
    profile: RegionProfile,
    as_of: date,
    *,
    years: Sequence[int],
    never_train_share: tuple[float, float] = (0.03, 0.4),
) -> tuple[list[Unit], pd.DataFrame, pd.DataFrame]:
    """A region's units, its personnel (with OAP status where the region records it) and their training in `years`;
    one random stream per part, so the sample and the national generator draw alike."""
    units = [Unit(*unit) for unit in profile.units]
    male, female = profile.given_names
    people = generate_personnel(
        np.random.default_rng([seed, index, 0]), profile.headcount, units, as_of, (male, female, profile.family_names)
    )
    if profile.oap_share is not None:
        people["oap_status"] = np.random.default_rng([seed, index, 3]).random(len(people)) < profile.oap_share
    # Units differ in training budget and habits: in some nearly everybody trains, in others many never do.
    shares = np.random.default_rng([seed, index, 1]).uniform(*never_train_share, len(units))
    never_share = dict(zip([unit.code for unit in units], shares, strict=True))
    training = generate_training(
        np.random.default_rng([seed, index, 4]),
        never_train_share=people["unit_code"].map(never_share).to_numpy(),
        nips=people["nip"].to_numpy(),
        sectors=people["unit_sector"].to_numpy(),
        appointed=people["appointed"].to_numpy(),
        years=tuple(years),
        as_of=as_of,
    )
    return units, people, training


def reference_lists(profile: RegionProfile, units: Sequence[Unit], catalogue: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The region's own lists, in contract names: its units with their sector, its services with yearly volume."""
    unit_list = pd.DataFrame(
        {"region": profile.region, "unit_code": [u.code for u in units], "unit_name": [u.name for u in units],
         "sector": [u.sector for u in units]}
    )  # fmt: skip
    return {"units": unit_list, "services": catalogue.assign(region=profile.region)}


def unit_profiles(units: Sequence[Unit], people: pd.DataFrame, training: pd.DataFrame, year: int) -> list[UnitProfile]:
    """Each unit's share of active staff with 20 JP in `year`, and share of graduates placed in their field."""
    jp = training[training["start_date"].dt.year == year].groupby("nip")["jp"].sum()
    active = people[people["status"] == "active"]
    trained = active["nip"].map(jp).fillna(0) >= 20
    graduates = active["education_field"] != "Umum"
    fits = active["education_field"].map(EDUCATION_FIELD_SECTOR) == active["unit_sector"]
    coverage = trained.groupby(active["unit_code"]).mean()
    fit = fits[graduates].groupby(active.loc[graduates, "unit_code"]).mean()
    return [
        UnitProfile(unit.code, unit.sector, float(coverage.get(unit.code, 0.0)), float(fit.get(unit.code, 0.0)))
        for unit in units
    ]
