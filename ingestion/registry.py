"""The source registry: one YAML file per region in `ingestion/sources/` says how that region delivers each dataset.

Onboarding a region is one new file; it is validated on load and errors name the file and the key.
"""

from __future__ import annotations

import copy
import re
from fnmatch import fnmatch
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from asn_platform.core.contract import DATASETS, REGIONAL_DATASETS

SCHEDULE_PRESETS = frozenset({"@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"})
CRON_FIELD = re.compile(r"[0-9A-Za-z*/,?-]+")


class RegistryError(ValueError):
    """A source file that cannot be used, or a region or dataset nobody configured."""


class ApiTransport(BaseModel):
    """A dataset the region serves over HTTP: fetched page by page into the landing area, then loaded like a file."""

    model_config = ConfigDict(extra="forbid")

    connection_id: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Airflow connection (AIRFLOW_CONN_<ID>): the API's host and port, its bearer token as password",
    )
    endpoint: str = Field(pattern=r"^/", description="path of the paginated collection, e.g. /v1/complaints")
    page_size: int = Field(500, ge=1, le=10_000)
    timeout_s: float = Field(30, gt=0)
    max_attempts: int = Field(6, ge=1, description="per page, for 429, 5xx, timeouts and dropped connections")
    # A cursor that never repeats but never ends would page forever: a fetch stops, failing with what it saw, after
    # this many pages or seconds (below the fetch task's 30-minute limit, so the error is this one, not a timeout).
    max_pages: int = Field(10_000, ge=1, description="pages one fetch may take before it is stopped as endless")
    max_fetch_s: float = Field(1_500, gt=0, description="seconds one fetch may take before it is stopped")


class DatasetSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx", "jsonl"]
    file_pattern: str = Field(description="glob for the delivery's file inside landing/<region>/<dataset>/<date>/")
    transport: Literal["files", "api"] = "files"
    api: ApiTransport | None = None
    compression: Literal["none", "gzip"] = "none"
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
    # full: every delivery is a whole snapshot. delta: a full extract (files matching `full_file_pattern`), then
    # deliveries of changed rows only, applied on top of it in delivery order.
    # Records failing their checks go to quarantine and the rest loads; beyond this share the delivery is rejected.
    max_quarantine_share: float = Field(0.5, ge=0, le=1)
    # A full extract with fewer records than this share of the previous one looks cut off, not shrunk: rejected.
    min_rows_vs_previous: float = Field(0.5, ge=0, le=1)
    load_mode: Literal["full", "delta"] = "full"
    # How old the latest delivery may be before the freshness check warns; None: the region's freshness_days.
    freshness_days: int | None = Field(None, ge=1)
    full_file_pattern: str | None = None
    columns: dict[str, str] = Field(
        description="contract field -> the region's column header (JSON: key path, dots for nested objects)"
    )
    values: dict[str, dict[str, str]] = Field(default_factory=dict, description="contract field -> {source: contract}")
    ignore_columns: list[str] = Field(
        default_factory=list, description="delivered columns (JSON: top-level keys) known and deliberately not loaded"
    )

    @model_validator(mode="after")
    def _consistent(self) -> DatasetSource:
        if (self.transport == "api") != (self.api is not None):
            raise ValueError("transport 'api' needs an 'api' section, and only it may have one")
        if self.transport == "api" and self.format != "jsonl":
            raise ValueError("an API dataset is landed as JSON Lines: format must be 'jsonl'")
        if (self.load_mode == "delta") != (self.full_file_pattern is not None):
            raise ValueError("load_mode 'delta' needs 'full_file_pattern' (which files are full extracts), and only it")
        if self.format == "xlsx" and self.compression != "none":
            raise ValueError("an xlsx workbook is already compressed: compression must be 'none'")
        return self

    def delivery_kind(self, file_name: str) -> str:
        """'full' or 'delta' for a delivered file."""
        if self.load_mode == "full" or fnmatch(file_name, self.full_file_pattern or ""):
            return "full"
        return "delta"


def reference_template(dataset: str) -> DatasetSource:
    """The platform's own template for a region's reference lists (its units, its services): a UTF-8 CSV with the
    contract's field names as headers, `<dataset>_<YYYYMMDD>.csv`. A region whose lists come otherwise says so in
    its YAML like for any dataset."""
    fields = DATASETS[dataset].field_names
    # A list of units or services changes a few times a year: a year-old one is not stale.
    return DatasetSource(
        format="csv", file_pattern=f"{dataset}_*.csv", columns={name: name for name in fields}, freshness_days=366
    )


class Contact(BaseModel):
    """Whom to ask about a region's deliveries: an office or a role, never a person's private details."""

    model_config = ConfigDict(extra="forbid")

    name: str
    # What to contact them about, e.g. "the SIMPEG extract" or "the SKM survey API".
    about: str
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{6,}$")


class RegionSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    province: str
    # The region's local time (WIB Asia/Jakarta, WITA Asia/Makassar, WIT Asia/Jayapura): dates a fetch lands under.
    timezone: str = "Asia/Jakarta"
    # When the region's ingestion DAG looks for deliveries, in its own time zone: a cron line or an Airflow preset.
    schedule: str = "@daily"
    # How long a scheduled run waits for a new delivery before it gives up for the day (skipped, not failed).
    delivery_wait_hours: float = Field(6, gt=0, le=24)
    # How old a dataset's latest delivery may be (the data-quality freshness check), unless the dataset says.
    freshness_days: int = Field(35, ge=1)
    # Shown on the region's DAG page (its doc_md), for whoever finds a delivery late or rejected.
    contacts: list[Contact] = []
    datasets: dict[str, DatasetSource]

    @field_validator("schedule")
    @classmethod
    def _cron_or_preset(cls, schedule: str) -> str:
        fields = schedule.split()
        if schedule in SCHEDULE_PRESETS or (len(fields) == 5 and all(CRON_FIELD.fullmatch(f) for f in fields)):
            return schedule
        raise ValueError(
            f"schedule {schedule!r} is neither a five-field cron line (e.g. '0 7 * * 1-5') nor one of "
            f"{sorted(SCHEDULE_PRESETS)}"
        )

    def freshness(self, dataset: str) -> int:
        return self.datasets[dataset].freshness_days or self.freshness_days

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, timezone: str) -> str:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {timezone!r} (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"
            ) from None
        return timezone

    @model_validator(mode="after")
    def _reference_lists(self) -> RegionSource:
        for name in REGIONAL_DATASETS:
            if DATASETS[name].reference and name not in self.datasets:
                self.datasets[name] = reference_template(name)
        return self

    @field_validator("datasets")
    @classmethod
    def _known_datasets(cls, datasets: dict[str, DatasetSource]) -> dict[str, DatasetSource]:
        for dataset, source in datasets.items():
            if dataset not in REGIONAL_DATASETS:
                raise ValueError(f"unknown dataset {dataset!r}; regions deliver {sorted(REGIONAL_DATASETS)}")
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


def _read_document(path: Path) -> dict[str, object]:
    """The file's YAML mapping, a fresh copy each time (`_resolve_extends` edits it). A base that hundreds of
    regions extend is parsed once while it is unchanged."""
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such source file") from None
    return copy.deepcopy(_parsed(path, stamp))


@lru_cache(maxsize=1024)
def _parsed(path: Path, _stamp: int) -> dict[str, object]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RegistryError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise RegistryError(f"{path}: expected a mapping of keys (region, name, province, datasets)")
    return document


def _resolve_extends(path: Path, document: dict[str, object], seen: tuple[Path, ...] = ()) -> dict[str, object]:
    """A region whose systems export exactly like another's (the same vendor's SIMPEG, say) writes
    `extends: <region>` and only what differs: its own region, name and province, and per dataset the keys that
    differ (a dataset's keys replace the base's keys of that dataset one by one). The base is the file of that name
    beside it; it may extend another in turn."""
    base_name = document.pop("extends", None)
    if base_name is None:
        return document
    if not isinstance(base_name, str) or not base_name:
        raise RegistryError(f"{path}: extends: must name a region (the file name without .yml), got {base_name!r}")
    base_path = path.parent / f"{base_name}.yml"
    if base_path in (*seen, path):
        chain = " -> ".join(p.stem for p in (*seen, path, base_path))
        raise RegistryError(f"{(*seen, path)[0]}: extends: a cycle ({chain})")
    if not base_path.is_file():
        raise RegistryError(f"{path}: extends: no region {base_name!r} ({base_path} does not exist)")
    base = _resolve_extends(base_path, _read_document(base_path), (*seen, path))
    merged = {key: value for key, value in base.items() if key not in ("region", "name", "province")} | {
        key: value for key, value in document.items() if key != "datasets"
    }
    base_datasets = base.get("datasets") or {}
    own_datasets = document.get("datasets") or {}
    if not isinstance(base_datasets, dict) or not isinstance(own_datasets, dict):
        raise RegistryError(f"{path}: datasets: expected a mapping of dataset names (here and in {base_path})")
    datasets = dict(base_datasets)
    for name, own in own_datasets.items():
        inherited = datasets.get(name)
        datasets[name] = (inherited if isinstance(inherited, dict) else {}) | own if isinstance(own, dict) else own
    merged["datasets"] = datasets
    return merged


def load_region(path: Path) -> RegionSource:
    document = _resolve_extends(path, _read_document(path))
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


def load_registry(sources_dir: Path) -> dict[str, RegionSource]:
    """Every region in `sources_dir` (the ASN_SOURCES_DIR setting, by default ingestion/sources/) whose file is
    sound. A broken file (bad YAML, an unknown key, a bad value, an API connection shared with another region) holds
    back its own region only: `registry_problems` says which and why, and the other regions load."""
    return _registry(sources_dir, _stamp(sources_dir))[0]


def registry_problems(sources_dir: Path) -> dict[str, str]:
    """The regions held back by their registry file, each with what is wrong (file, key, value)."""
    return _registry(sources_dir, _stamp(sources_dir))[1]


# Each registry file's name, modification time and size.
FileStamps = tuple[tuple[str, int, int], ...]


def _stamp(sources_dir: Path) -> FileStamps:
    """The files as they are now: a file mended, added or removed is read again, in a process that lives on."""
    if not sources_dir.is_dir():
        return ()
    return tuple(
        (path.name, stat.st_mtime_ns, stat.st_size)
        for path in sorted(sources_dir.glob("*.yml"))
        for stat in [path.stat()]
    )


@cache
def _registry(
    sources_dir: Path, _files: tuple[tuple[str, int, int], ...]
) -> tuple[dict[str, RegionSource], dict[str, str]]:
    if not sources_dir.is_dir():
        raise RegistryError(f"{sources_dir}: no such sources directory")
    registry: dict[str, RegionSource] = {}
    problems: dict[str, str] = {}
    for path in sorted(sources_dir.glob("*.yml")):
        try:
            registry[path.stem] = load_region(path)
        except RegistryError as error:
            problems[path.stem] = str(error)
    for region, problem in _shared_connections(sources_dir, registry).items():
        problems[region] = problem
        del registry[region]
    return registry, dict(sorted(problems.items()))


def _shared_connections(sources_dir: Path, registry: dict[str, RegionSource]) -> dict[str, str]:
    """Each region's API is its own server: two regions under one connection would both land whatever it serves
    (seen in the national benchmark, where 74 regions extending banjarbaru fetched one region's survey). Every
    region sharing a connection is held back, with the reason."""
    regions_of: dict[str, set[str]] = {}
    for region, source in registry.items():
        for config in source.datasets.values():
            if config.api is not None:
                regions_of.setdefault(config.api.connection_id, set()).add(region)
    problems = {}
    for connection, regions in sorted(regions_of.items()):
        if len(regions) > 1:
            problem = (
                f"{sources_dir}: regions {sorted(regions)} share the API connection {connection!r}; give each region "
                "its own `api.connection_id` (a region that `extends` another inherits the other's)"
            )
            problems |= dict.fromkeys(regions, problem)
    return problems


def region_source(region: str, sources_dir: Path) -> RegionSource:
    registry, problems = _registry(sources_dir, _stamp(sources_dir))
    if region in problems:
        raise RegistryError(f"region {region!r} is held back by its registry file: {problems[region]}")
    if region not in registry:
        raise RegistryError(f"unknown region {region!r}; configured regions: {sorted(registry)}")
    return registry[region]


SCHEDULE_COLUMNS = ("region", "name", "province", "timezone", "schedule", "dataset", "format", "transport",
                    "load_mode", "freshness_days")  # fmt: skip


def delivery_schedule(registry: dict[str, RegionSource]) -> list[tuple[object, ...]]:
    """One row per region and dataset, in SCHEDULE_COLUMNS' order: what the freshness check holds deliveries to."""
    rows: list[tuple[object, ...]] = []
    for source in registry.values():
        region = (source.region, source.name, source.province, source.timezone, source.schedule)
        for dataset, config in sorted(source.datasets.items()):
            rows.append(
                (*region, dataset, config.format, config.transport, config.load_mode, source.freshness(dataset))
            )
    return rows
