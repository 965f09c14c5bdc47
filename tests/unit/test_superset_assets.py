"""The committed Superset assets are what bi/superset/generate_assets.py writes from the marts' ymls now: a mart whose
columns change in dbt fails here, without Superset, until the assets are generated again (and the charts that read
the column follow: tests/integration/test_superset_dashboards.py runs them in a real Superset)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import yaml

from asn_platform.core.settings import MART_SCHEMAS, PROJECT_ROOT

GENERATOR = PROJECT_ROOT / "bi" / "superset" / "generate_assets.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_assets", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_committed_assets_are_the_generated_ones() -> None:
    generator = _generator()
    committed = {
        path.relative_to(generator.ASSETS).as_posix(): yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(Path(generator.ASSETS).rglob("*.yaml"))
    }
    generated = generator.assets()
    assert sorted(committed) == sorted(generated), "run .venv/bin/python bi/superset/generate_assets.py"
    for name, content in generated.items():
        assert committed[name] == content, f"{name} is stale: run .venv/bin/python bi/superset/generate_assets.py"


def test_a_dataset_per_published_mart_and_three_dashboards() -> None:
    generator = _generator()
    assert generator.SCHEMAS == MART_SCHEMAS
    files = generator.assets()
    datasets = {
        f"{content['schema']}.{content['table_name']}" for name, content in files.items() if "datasets/" in name
    }
    marts = {
        f"{path.parent.name}.{path.stem}"
        for schema in MART_SCHEMAS
        for path in (PROJECT_ROOT / "dbt_project" / "models" / "marts" / schema).glob("*.sql")
    }
    assert datasets == marts
    dashboards = [content for name, content in files.items() if name.startswith("dashboards/")]
    assert sorted(board["dashboard_title"] for board in dashboards) == [
        "Kualitas Pelayanan Publik",
        "Pelatihan dan Kompetensi ASN",
        "Penempatan dan Merit",
    ]


def test_each_dashboards_exposure_depends_on_the_marts_its_charts_read() -> None:
    generator = _generator()
    path = PROJECT_ROOT / "dbt_project" / "models" / "_superset__exposures.yml"
    exposures = {exposure["label"]: exposure for exposure in yaml.safe_load(path.read_text())["exposures"]}
    assert sorted(exposures) == sorted(board.title for board in generator.DASHBOARDS)
    for board in generator.DASHBOARDS:
        exposure = exposures[board.title]
        assert exposure["type"] == "dashboard"
        assert exposure["url"].endswith(f"/superset/dashboard/{board.slug}/")
        read = {chart.dataset.split(".")[1] for chart in board.charts}
        assert {reference.removeprefix("ref('").removesuffix("')") for reference in exposure["depends_on"]} == read
