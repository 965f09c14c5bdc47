"""The source registry: one YAML file per region in `ingestion/sources/` says how that region delivers each dataset.

Onboarding a region is one new file; it is validated on load and errors name the file and the key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from asn_platform.contract import DATASETS
from asn_platform.settings import SOURCES_DIR


class RegistryError(ValueError):
    """A source file that cannot be used, or a region or dataset nobody configured."""


class DatasetSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"]
    file_pattern: str = Field(description="glob for the delivery's file inside landing/<region>/<dataset>/<date>/")
    # Anything but UTF-8 is transcoded by the reader (DuckDB's other encodings need a downloaded extension).
    encoding: Literal["utf-8", "cp1252"] = "utf-8"
    delimiter: str = Field(",", min_length=1, max_length=1)
    decimal_mark: Literal[".", ","] = Field(".", description="',' for 1.250.000,00 (dots then group thousands)")
    date_format: str = "%Y-%m-%d"
    datetime_format: str = "%Y-%m-%d %H:%M:%S"
    # Workbooks: which sheet, the header's row (0-based; title blocks sit above it), and trailing totals rows,
    # which are dropped only if their first cell matches `footer_pattern` (otherwise the delivery is rejected).
    sheet: str | None = None
    header_row: int = Field(0, ge=0)
    footer_rows: int = Field(0, ge=0)
    footer_pattern: str | None = None
    load_mode: Literal["full"] = "full"
    columns: dict[str, str] = Field(description="contract field -> the region's column header")
    values: dict[str, dict[str, str]] = Field(default_factory=dict, description="contract field -> {source: contract}")


class RegionSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    province: str
    datasets: dict[str, DatasetSource]

    @field_validator("datasets")
    @classmethod
    def _known_datasets(cls, datasets: dict[str, DatasetSource]) -> dict[str, DatasetSource]:
        for dataset, source in datasets.items():
            if dataset not in DATASETS:
                raise ValueError(f"unknown dataset {dataset!r}; the contract has {sorted(DATASETS)}")
            contract = DATASETS[dataset]
            unknown = set(source.columns) - set(contract.field_names)
            if unknown:
                raise ValueError(f"{dataset}.columns maps fields the contract does not have: {sorted(unknown)}")
            missing = [f.name for f in contract.fields if f.required and f.name not in source.columns]
            if missing:
                raise ValueError(f"{dataset}.columns leaves required contract fields unmapped: {missing}")
            unmapped_values = set(source.values) - set(source.columns)
            if unmapped_values:
                raise ValueError(f"{dataset}.values names fields that are not mapped: {sorted(unmapped_values)}")
        return datasets

    def dataset(self, name: str) -> DatasetSource:
        if name not in self.datasets:
            raise RegistryError(f"region {self.region!r} delivers no dataset {name!r}; it has {sorted(self.datasets)}")
        return self.datasets[name]


def load_region(path: Path) -> RegionSource:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RegistryError(f"{path}: not valid YAML: {error}") from None
    try:
        source = RegionSource.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '(top)'}: {issue['msg']}" for issue in error.errors()
        )
        raise RegistryError(f"{path}: {problems}") from None
    if source.region != path.stem:
        raise RegistryError(f"{path}: region: {source.region!r} must match the file name {path.stem!r}")
    return source


@cache
def load_registry(sources_dir: Path = SOURCES_DIR) -> dict[str, RegionSource]:
    return {path.stem: load_region(path) for path in sorted(sources_dir.glob("*.yml"))}


def region_source(region: str, sources_dir: Path = SOURCES_DIR) -> RegionSource:
    registry = load_registry(sources_dir)
    if region not in registry:
        raise RegistryError(f"unknown region {region!r}; configured regions: {sorted(registry)}")
    return registry[region]
