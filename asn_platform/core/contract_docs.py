"""Renders the data contract as Markdown: `python -m asn_platform contract --write` updates docs/data-contract.md."""

from __future__ import annotations

from asn_platform.core.contract import DATASETS, Dataset, Field
from asn_platform.core.settings import PROJECT_ROOT

DOC_PATH = PROJECT_ROOT / "docs" / "data-contract.md"


def _rule(field: Field) -> str:
    parts = []
    if field.allowed:
        values = ", ".join(f"`{value}`" for value in field.allowed)
        parts.append(
            f"one or more of {values}, separated by `{field.separator}`" if field.separator else f"one of {values}"
        )
    if field.pattern:
        parts.append(f"matches `{field.pattern}`")
    if field.minimum is not None or field.maximum is not None:
        low = "" if field.minimum is None else f"{field.minimum} ≤ "
        high = "" if field.maximum is None else f" ≤ {field.maximum}"
        parts.append(f"{low}value{high}")
    if field.format:
        parts.append(field.format)
    return "; ".join(parts).replace("|", "\\|")


def _origin(dataset: Dataset) -> str:
    if dataset.national:
        return f" A national catalogue kept as the dbt seed `dbt_project/seeds/{dataset.name}.csv`."
    if dataset.reference:
        return (
            f" Each region sends its own list, by default in the platform's template: a UTF-8 CSV "
            f"`{dataset.name}_<YYYYMMDD>.csv` with these field names as headers."
        )
    return ""


def _dataset(dataset: Dataset) -> list[str]:
    lines = [
        f"## `{dataset.name}`" + (" (reference data)" if dataset.reference else ""),
        "",
        dataset.description + _origin(dataset),
        "",
        f"Key: {', '.join(f'`{column}`' for column in dataset.key)}.",
        "",
        "| field | type | required | allowed values / format | meaning | Indonesian term | personal data |",
        "|---|---|---|---|---|---|---|",
    ]
    for field in dataset.fields:
        lines.append(
            f"| `{field.name}` | {field.sql_type} | {'yes' if field.required else 'no'} | {_rule(field)} | "
            f"{field.meaning} | {field.term} | {field.personal_data.value} |"
        )
    return [*lines, ""]


def render() -> str:
    lines = [
        "# Data contract",
        "",
        "What every region's delivery must contain once its own columns and values are mapped to the project's names",
        "(the mapping lives in `ingestion/sources/<region>.yml`). Rendered from `asn_platform/core/contract.py` by",
        "`python -m asn_platform contract --write`; do not edit by hand.",
        "",
        "Personal-data classes follow UU 27/2022 (PDP): a *direct identifier* never reaches the published analytics",
        "warehouse; a *quasi-identifier* identifies a person in combination; *free text* may hold identifiers and is",
        "masked before publishing.",
        "",
    ]
    for dataset in DATASETS.values():
        lines += _dataset(dataset)
    return "\n".join(lines)
