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
    assert len(marts) == 22
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


def test_marts_follow_one_naming_rule() -> None:
    """core holds the conformed dimensions, `dim_<entity>`; every other mart is named for what one of its rows is,
    `<entity>[_<grain>]`, with no dimensional-modelling prefix (docs/architecture.md)."""
    import re

    for path in (MODELS / "marts").rglob("*.sql"):
        area, name = path.parent.name, path.stem
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name), name
        if area == "core":
            assert name.startswith("dim_"), name
        else:
            assert not re.match(r"(dim|fct|fact|agg|mart|rpt)_", name), name


def test_marts_are_grouped_by_area_and_only_the_restricted_tier_is_private() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["models"]["asn"]["marts"]
    groups = {group["name"] for group in yaml.safe_load((MODELS / "_groups.yml").read_text())["groups"]}
    areas = {path.name for path in (MODELS / "marts").iterdir() if path.is_dir()}
    assert groups == areas
    assert project["+access"] == "public"
    assert {area: project[area]["+group"] for area in areas} == {area: area for area in areas}
    assert {area for area in areas if project[area].get("+access", "public") != "public"} == {"restricted"}
    assert project["restricted"]["+access"] == "private"


def test_each_report_exposure_lists_the_marts_its_code_reads() -> None:
    """The exposures say which marts a page reads, so dbt's lineage shows what a change to a mart would break."""
    import re

    from asn_platform.core.settings import MART_SCHEMAS, PROJECT_ROOT

    exposures = yaml.safe_load((MODELS / "_reports__exposures.yml").read_text())["exposures"]
    code = {"workforce_report": "asn_platform/reports/workforce.py", "run_summary": "asn_platform/reports/summary.py"}
    assert {exposure["name"] for exposure in exposures} == set(code)
    mart_names = {path.stem for path in (MODELS / "marts").rglob("*.sql")}
    reference = re.compile(rf"\b(?:{'|'.join(MART_SCHEMAS)})\.([a-z_]+)\b")
    for exposure in exposures:
        source = (PROJECT_ROOT / code[exposure["name"]]).read_text()
        read = {name for name in reference.findall(source) if name in mart_names}
        listed = {ref.removeprefix("ref('").removesuffix("')") for ref in exposure["depends_on"]}
        assert listed == read, exposure["name"]
