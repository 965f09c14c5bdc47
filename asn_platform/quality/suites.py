"""Expectation suites as code: YAML files in `expectations/<stage>/`, turned into Great Expectations suites.

A suite file names the table it guards, the key columns that identify a failing row, and its expectations, each with
a severity: `error` blocks the stage, `warning` is recorded and shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from asn_platform.core.settings import EXPECTATIONS_DIR
from asn_platform.quality.expectation_types import (
    QUERY_EXPECTATION,
    TABLE_EXPECTATIONS,
    check_arguments,
    row_level_types,
)

Severity = Literal["error", "warning"]
# libyaml's parser where PyYAML has it (the same documents, ~10 times faster than the pure-Python one).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The stages a suite can guard (its folder in expectations/), in pipeline order, with what each validates.
STAGES = {
    "delivery": "Deliveries, before they load",
    "raw": "The raw layer, before dbt reads it",
    "marts": "Marts, before they are published",
}


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and the expectation."""


@dataclass(frozen=True)
class ExpectationSpec:
    type: str
    kwargs: dict[str, Any]
    severity: Severity
    index: int

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")

    @property
    def columns(self) -> list[str]:
        """Every column the expectation names (column, column_A/column_B, column_list), in that order."""
        named = [self.kwargs[key] for key in ("column", "column_A", "column_B") if key in self.kwargs]
        return [*named, *self.kwargs.get("column_list", [])]

    @property
    def is_table_level(self) -> bool:
        return self.type in TABLE_EXPECTATIONS


@dataclass(frozen=True)
class Suite:
    name: str
    stage: str
    table: str | None
    key_columns: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    path: Path
    description: str = ""
    row_level: tuple[ExpectationSpec, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "row_level", tuple(e for e in self.expectations if not e.is_table_level))


def _check_gx_kwargs(kind: str, kwargs: dict[str, Any], where: str) -> None:
    """Build the expectation in Great Expectations, so a misspelt or missing argument is reported with the file, not
    mid-run: for the types the committed table cannot settle (expectation_types.check_arguments), which run in GX."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    try:
        ExpectationConfiguration(type=kind, kwargs=kwargs).to_domain_obj()
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        detail = "; ".join(
            f"{'.'.join(str(p) for p in issue['loc'])}: {issue['msg']}" for issue in getattr(error, "errors", list)()
        )
        raise SuiteError(f"{where}: {kind} has bad arguments {sorted(kwargs)}: {detail or first_line}") from None


def _check_kwargs(kind: str, kwargs: dict[str, Any], where: str) -> None:
    """The arguments as Great Expectations would check them: against the table generated from its registry for the
    types the runner evaluates itself (no GX import: seconds per process), by GX itself for any other."""
    problems = check_arguments(kind, kwargs)
    if problems is None:
        _check_gx_kwargs(kind, kwargs, where)
    elif problems:
        raise SuiteError(f"{where}: {kind} has bad arguments {sorted(kwargs)}: {'; '.join(problems)}")


def load_suite(path: Path) -> Suite:
    """The suite in `path`, checked; read again only when the file changes (ingestion asks once per delivery)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise SuiteError(f"{path}: cannot be read: {error.strerror}") from None
    return _load_suite(path, stamp)


@lru_cache(maxsize=256)
def _load_suite(path: Path, _stamp: int) -> Suite:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise SuiteError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise SuiteError(f"{path}: a suite needs a mapping with an 'expectations' list")
    unknown_keys = set(document) - {"suite", "table", "key_columns", "expectations", "description"}
    if unknown_keys:
        raise SuiteError(f"{path}: unknown keys {sorted(unknown_keys)}")
    map_types = row_level_types()
    specs = []
    for index, entry in enumerate(document["expectations"]):
        where = f"{path}: expectation #{index + 1}"
        if not isinstance(entry, dict) or "type" not in entry:
            raise SuiteError(f"{where}: needs a 'type'")
        kind = entry["type"]
        if kind not in TABLE_EXPECTATIONS and kind not in map_types:
            raise SuiteError(
                f"{where}: {kind!r} is neither a row-level (map) expectation nor one the runner evaluates in SQL "
                f"({', '.join(sorted(TABLE_EXPECTATIONS))})"
            )
        severity = entry.get("severity", "error")
        if severity not in ("error", "warning"):
            raise SuiteError(f"{where}: severity must be 'error' or 'warning', not {severity!r}")
        kwargs = dict(entry.get("kwargs") or {})
        _check_kwargs(kind, kwargs, where)
        if kind == QUERY_EXPECTATION and not kwargs.get("description"):
            # The description is what a failure message and the Data Docs say the rule is.
            raise SuiteError(f"{where}: {kind} needs a 'description' saying what its rows break")
        specs.append(ExpectationSpec(type=kind, kwargs=kwargs, severity=severity, index=index))
    return Suite(
        name=document.get("suite") or path.stem,
        stage=path.parent.name,
        table=document.get("table"),
        key_columns=tuple(document.get("key_columns") or ()),
        expectations=tuple(specs),
        path=path,
        description=document.get("description", ""),
    )


def suites_for_stage(stage: str, root: Path = EXPECTATIONS_DIR) -> list[Suite]:
    return [load_suite(path) for path in sorted((root / stage).glob("*.yml"))]


def suite_tables(stage: str, root: Path = EXPECTATIONS_DIR) -> set[str]:
    """The tables the suites of `stage` guard, read from their `table` keys only: for publishing, which must know
    what is gated, not check every expectation's arguments again."""
    tables = set()
    for path in sorted((root / stage).glob("*.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        if isinstance(document, dict) and document.get("table"):
            tables.add(str(document["table"]))
    return tables
