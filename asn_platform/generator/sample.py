"""The sample deliveries `make run` builds from: each sample region's personnel, training, survey (SKM) and
complaint extracts, written the way that region's systems write them (see profiles.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from asn_platform.generator.names import EDUCATION_FIELD_SECTOR
from asn_platform.generator.personnel import Unit, generate_personnel
from asn_platform.generator.profiles import SAMPLE_PROFILES, CsvStyle, RegionProfile, WorkbookStyle
from asn_platform.generator.service_quality import UnitProfile, generate_complaints, generate_surveys, services
from asn_platform.generator.training import generate_training

SAMPLE_AS_OF = date(2026, 11, 1)
TRAINING_YEARS = (2024, 2025, 2026)
SURVEY_FROM = date(2024, 11, 1)  # two years of surveys and complaints up to the delivery date


def generate_sample(
    landing_dir: Path, seed: int, as_of: date = SAMPLE_AS_OF, profiles: Sequence[RegionProfile] = SAMPLE_PROFILES
) -> list[Path]:
    """Write every profile's deliveries under `landing_dir/<region>/<dataset>/<delivery date>/`; same seed, same
    bytes. Returns the files, region by region in profile order, each region's in dataset order."""
    return [
        path for index, profile in enumerate(profiles) for path in _region(landing_dir, seed, index, profile, as_of)
    ]


def _region(landing_dir: Path, seed: int, index: int, profile: RegionProfile, as_of: date) -> list[Path]:
    units = [Unit(*unit) for unit in profile.units]
    male, female = profile.given_names
    people = generate_personnel(
        np.random.default_rng([seed, index, 0]), profile.headcount, units, as_of, (male, female, profile.family_names)
    )
    if profile.oap_share is not None:
        people["oap_status"] = np.random.default_rng([seed, index, 3]).random(len(people)) < profile.oap_share
    # Units differ in training budget and habits: in some nearly everybody trains, in others half never do.
    never_share = dict(
        zip([u.code for u in units], np.random.default_rng([seed, index, 1]).uniform(0.03, 0.4, len(units)),
            strict=True)
    )  # fmt: skip
    training = generate_training(
        np.random.default_rng([seed, index, 4]),
        never_train_share=people["unit_code"].map(never_share).to_numpy(),
        nips=people["nip"].to_numpy(),
        sectors=people["unit_sector"].to_numpy(),
        appointed=people["appointed"].to_numpy(),
        years=TRAINING_YEARS,
        as_of=as_of,
    )
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
    written = []
    for dataset, frame in frames.items():
        delivery_dir = landing_dir / profile.region / dataset / as_of.isoformat()
        delivery_dir.mkdir(parents=True, exist_ok=True)
        path = delivery_dir / profile.files[dataset].format(date=f"{as_of:%Y%m%d}")
        write_extract(frame, profile, dataset, path)
        written.append(path)
    return written


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


def _spaced(nips: pd.Series) -> pd.Series:
    return nips.str[:8] + " " + nips.str[8:14] + " " + nips.str[14] + " " + nips.str[14 + 1 :]


def _decimal_comma(amounts: pd.Series) -> pd.Series:
    """1250000 -> '1.250.000,00'; missing stays missing."""
    text = amounts.map(lambda value: None if pd.isna(value) else f"{int(value):,}.00")
    return text.str.replace(",", "\x00").str.replace(".", ",").str.replace("\x00", ".")


def write_extract(frame: pd.DataFrame, profile: RegionProfile, dataset: str, path: Path) -> None:
    """The contract-named frame written with the region's headers, labels and file style."""
    if isinstance(profile.style, WorkbookStyle):
        _write_workbook(frame, profile, dataset, path, profile.style)
    else:
        _write_csv(frame, profile, dataset, path, profile.style)


def _write_workbook(
    frame: pd.DataFrame, profile: RegionProfile, dataset: str, path: Path, style: WorkbookStyle
) -> None:
    """Typed cells: text, numbers, Excel dates; a title block above the header and a totals row below the data."""
    import xlsxwriter

    columns = profile.columns[dataset]
    labelled = {
        header: frame[field].map(lambda value, labels=profile.values[field]: labels.get(value, value))
        if field in profile.values
        else frame[field]
        for header, field in columns.items()
    }
    # Deterministic bytes: a fixed creation time instead of "now".
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": datetime(2026, 1, 1)})
    sheet = workbook.add_worksheet(style.sheets[dataset])
    date_cell = workbook.add_format({"num_format": style.date_format})
    time_cell = workbook.add_format({"num_format": style.datetime_format})
    sheet.write_string(0, 0, style.title)
    sheet.write_string(1, 0, f"{dataset.replace('_', ' ').upper()} — keadaan per {SAMPLE_AS_OF:%d-%m-%Y}")
    sheet.write_row(style.header_row, 0, list(columns))
    kinds = []
    for header in columns:
        values = labelled[header]
        if pd.api.types.is_datetime64_any_dtype(values):
            has_time = (values.dt.hour + values.dt.minute + values.dt.second).fillna(0).any()
            kinds.append(("time", time_cell) if has_time else ("date", date_cell))
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            kinds.append(("number", None))
        else:
            kinds.append(("text", None))
    row_index = style.header_row
    for row_index, row in enumerate(zip(*(labelled[h].to_numpy(dtype=object) for h in columns), strict=True),
                                    start=style.header_row + 1):  # fmt: skip
        for column, (value, (kind, cell)) in enumerate(zip(row, kinds, strict=True)):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if kind in {"date", "time"}:
                sheet.write_datetime(row_index, column, pd.Timestamp(value).to_pydatetime(), cell)
            elif kind == "number":
                sheet.write_number(row_index, column, float(value))
            else:
                sheet.write_string(row_index, column, str(value))
    sheet.write_string(row_index + 1, 0, style.totals_label)
    sheet.write_number(row_index + 1, 1, len(frame))
    workbook.close()


def _write_csv(frame: pd.DataFrame, profile: RegionProfile, dataset: str, path: Path, style: CsvStyle) -> None:
    out = pd.DataFrame(index=frame.index)
    for header, field in profile.columns[dataset].items():
        column = frame[field]
        labels = profile.values.get(field)
        if labels:
            column = column.map(lambda value, labels=labels: labels.get(value, value))
        elif pd.api.types.is_datetime64_any_dtype(column):
            has_time = (column.dt.hour + column.dt.minute + column.dt.second).fillna(0).any()
            column = column.dt.strftime(style.datetime_format if has_time else style.date_format)
        elif field == "nip" and style.spaced_nip:
            column = _spaced(column)
        elif field == "cost_idr" and style.decimal_comma:
            column = _decimal_comma(column)
        out[header] = column
    out.to_csv(path, index=False, sep=style.delimiter, lineterminator=style.line_end, encoding=style.encoding)
