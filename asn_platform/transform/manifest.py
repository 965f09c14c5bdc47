"""dbt's manifest: written by `dbt parse` before anything is loaded, read by the DAG files (cosmos renders the
warehouse DAG from it) and checked for the order of the project's layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from asn_platform.core.settings import DBT_PROJECT_DIR, Settings
from asn_platform.transform.dbt import run_dbt

# The warehouse DAG is rendered from dbt's manifest (cosmos LoadMode.DBT_MANIFEST): parsing a DAG file must not run
# dbt. The manifest describes the code, not the data, so it lives in the project (ignored by git), not the data dir.
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
# What a manifest is built from: a newer file among these makes it stale.
_MANIFEST_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "snapshots")


class ManifestMissing(RuntimeError):
    """The DAG file needs dbt's manifest and it is not there; the message names the command that writes it."""


def manifest_is_stale(manifest: Path = MANIFEST_PATH) -> bool:
    """True when the manifest is missing or older than any file of the dbt project it describes."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for name in _MANIFEST_INPUTS:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        if any(file.is_file() and file.stat().st_mtime > built for file in files):
            return True
    return False


def ensure_manifest(settings: Settings, *, echo: bool = False) -> Path:
    """Write dbt_project/target/manifest.json with `dbt parse` (through run_dbt) unless it is up to date.

    `dbt parse` needs no database and no loaded seeds (only compiling does), so this runs before anything is loaded:
    `make run`, `make test` and the tests call it before Airflow parses the DAGs."""
    if manifest_is_stale():
        run_dbt(["parse", "--target-path", str(MANIFEST_PATH.parent)], settings, echo=echo)
    return MANIFEST_PATH


def require_manifest() -> Path:
    """The manifest for a DAG file: absent, the DAG fails to import with the command that writes it (a DAG file does
    not run dbt while the scheduler parses it). A stale one still renders: dbt itself runs the current code."""
    if not MANIFEST_PATH.exists():
        raise ManifestMissing(
            f"{MANIFEST_PATH} is missing: run `.venv/bin/python -m asn_platform manifest` (or `make manifest`) "
            "before Airflow parses the DAGs"
        )
    return MANIFEST_PATH


# The project's layers in build order, each a dbt selector: seeds first (a macro reads one when models compile).
DBT_LAYERS = {
    "seeds": "resource_type:seed",
    "staging": "path:models/staging",
    "intermediate": "path:models/intermediate",
    "marts": "path:models/marts",
}


def check_layer_order(manifest: Path) -> None:
    """Raise if a node depends on a node of a later layer, or if a model or seed belongs to no layer: the layered
    DAG would then build it out of order, or not at all."""
    nodes = json.loads(manifest.read_text())["nodes"]

    # Each layer's position, by what its selector selects: the seeds, or the models under a folder.
    folders = {
        tuple(Path(selector.removeprefix("path:")).parts): position
        for position, selector in enumerate(DBT_LAYERS.values())
        if selector.startswith("path:")
    }

    def layer(node: dict[str, Any]) -> int | None:
        if node["resource_type"] == "seed":
            return list(DBT_LAYERS.values()).index("resource_type:seed")
        return folders.get(tuple(Path(node["original_file_path"]).parts[:2]))

    for unique_id, node in nodes.items():
        if node["resource_type"] not in {"model", "seed"}:
            continue
        own = layer(node)
        if own is None:
            raise ValueError(f"{unique_id} ({node['original_file_path']}) is in no layer of DBT_LAYERS")
        for parent in node.get("depends_on", {}).get("nodes", []):
            parent_layer = layer(nodes[parent]) if parent in nodes else 0
            if parent_layer is not None and parent_layer > own:
                raise ValueError(f"{unique_id} depends on {parent}, a later layer: DBT_LAYERS would build it first")
