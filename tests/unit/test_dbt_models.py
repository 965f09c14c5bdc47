"""The dbt project keeps its conventions: one yml per folder, every mart contracted and documented column by column,
staging and intermediate models named for their source."""

from __future__ import annotations

from pathlib import Path

import yaml

from asn_platform.core.settings import DBT_PROJECT_DIR

MODELS = DBT_PROJECT_DIR / "models"


def _documented(folder: Path) -> dict[str, dict]:
    ymls = list(folder.glob("_*.yml"))
    entries = {}
    for path in ymls:
        entries |= {model["name"]: model for model in (yaml.safe_load(path.read_text()) or {}).get("models", [])}
    return entries


def test_every_model_folder_has_one_models_yml_naming_each_model() -> None:
    for folder in sorted({path.parent for path in MODELS.rglob("*.sql")}):
        models_ymls = [path for path in folder.glob("_*.yml") if not path.name.endswith("__sources.yml")]
        assert len(models_ymls) == 1, f"{folder}: {models_ymls}"
        assert set(_documented(folder)) == {path.stem for path in folder.glob("*.sql")}, folder


def test_every_mart_is_contracted_with_its_grain_and_every_column_described() -> None:
    marts = sorted((MODELS / "marts").rglob("*.sql"))
    assert len(marts) == 18
    for path in marts:
        model = _documented(path.parent)[path.stem]
        assert model.get("config", {}).get("contract", {}).get("enforced") is True, path.stem
        assert "Grain:" in model["description"], path.stem
        undescribed = [c["name"] for c in model["columns"] if not c.get("description") or not c.get("data_type")]
        assert undescribed == [], f"{path.stem}: {undescribed}"


def test_models_follow_the_layer_naming() -> None:
    for path in (MODELS / "staging").rglob("*.sql"):
        assert path.stem.startswith(f"stg_{path.parent.name}__"), path
    for path in (MODELS / "intermediate").rglob("*.sql"):
        assert path.stem.startswith("int_"), path
