"""Finding deliveries in the landing area, laid out as landing/<region>/<dataset>/<delivery date>/<file>."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from asn_platform.core.contract import DATASETS
from ingestion.registry import RegionSource, RegistryError

_DATE_FOLDER = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Delivery:
    region: str
    dataset: str
    delivery_date: date
    path: Path

    @property
    def delivery_id(self) -> str:
        """One delivery period of one dataset; a corrected re-delivery keeps the id and gets a new load."""
        return f"{self.region}/{self.dataset}/{self.delivery_date.isoformat()}"

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def inside_landing(path: Path, landing_dir: Path) -> Path:
    """The resolved path, refused if it lies outside the landing area (a symlink or `..` out of it)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(landing_dir.resolve()):
        raise RegistryError(f"{path}: outside the landing area {landing_dir}")
    return resolved


def find_deliveries(source: RegionSource, landing_dir: Path, dataset: str | None = None) -> list[Delivery]:
    """Every delivery of the region in the landing area, oldest first (the order they must be applied in)."""
    found = []
    # Reference lists first: the other datasets' units are checked against the region's current list.
    for name, config in sorted(source.datasets.items(), key=lambda item: (not DATASETS[item[0]].reference, item[0])):
        if dataset and name != dataset:
            continue
        dated = []
        for date_dir in (landing_dir / source.region / name).glob("*"):
            if not (date_dir.is_dir() and _DATE_FOLDER.fullmatch(date_dir.name)):
                continue  # not a delivery folder (e.g. an operator's notes)
            try:
                dated.append((date.fromisoformat(date_dir.name), date_dir))
            except ValueError:
                raise RegistryError(f"{date_dir}: not a real date (folders are named YYYY-MM-DD)") from None
        for delivery_date, date_dir in sorted(dated):
            for path in sorted(date_dir.glob(config.file_pattern)):
                found.append(Delivery(source.region, name, delivery_date, inside_landing(path, landing_dir)))
    return found
