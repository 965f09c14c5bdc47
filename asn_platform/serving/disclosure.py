"""k-anonymity of the pseudonymous tier (UU 27/2022 on personal data protection; docs/architecture.md, Privacy).

A per-person mart declares its quasi-identifiers (what singles a person out in combination: unit, gender, age band,
golongan, ...) in its yml's `meta: {quasi_identifiers: [...]}`; the build generalises them and suppresses those of
the few people a combination would single out (dbt_project/macros/k_anonymous.sql). Publishing measures k again on
the written file: the smallest number of people (distinct `employee_key`, else rows) sharing one combination of a
mart's quasi-identifiers within a region. A mart below `k_anonymity_min` (the platform_parameters seed) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from asn_platform.core.settings import DBT_PROJECT_DIR
from asn_platform.core.warehouse import qualified, quote_identifier

MARTS_DIR = DBT_PROJECT_DIR / "models" / "marts"
K_PARAMETER = "k_anonymity_min"
SEED_SCHEMA = "reference"  # the seeds' schema (dbt_project.yml), where platform_parameters is
PERSON = "employee_key"
SUPPRESSED = "qi_suppressed"


@dataclass(frozen=True)
class KAnonymity:
    quasi_identifiers: tuple[str, ...]
    k: int | None  # None for an empty mart: no class, nobody to single out
    suppressed_rows: int  # rows whose quasi-identifiers the build suppressed (`qi_suppressed`)

    def as_manifest(self) -> dict[str, object]:
        return {"quasi_identifiers": list(self.quasi_identifiers), "k": self.k, "suppressed_rows": self.suppressed_rows}


def declared_quasi_identifiers(marts_dir: Path = MARTS_DIR) -> dict[str, tuple[str, ...]]:
    """`schema.table` -> the quasi-identifiers its yml declares (`config.meta` or `meta`), for the marts that do.
    The folder under models/marts is the schema (dbt_project.yml)."""
    declared: dict[str, tuple[str, ...]] = {}
    for path in sorted(marts_dir.glob("*/_*__models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            meta = {**model.get("meta", {}), **model.get("config", {}).get("meta", {})}
            if meta.get("quasi_identifiers"):
                declared[f"{path.parent.name}.{model['name']}"] = tuple(meta["quasi_identifiers"])
    return declared


def k_minimum(connection: duckdb.DuckDBPyConnection, database: str) -> int:
    """k_anonymity_min from the build's platform_parameters seed: the value the build suppressed with."""
    row = connection.execute(
        f"SELECT value FROM {database}.{SEED_SCHEMA}.platform_parameters WHERE parameter = ?", [K_PARAMETER]
    ).fetchone()
    if row is None:
        raise LookupError(f"the platform_parameters seed has no {K_PARAMETER}: the build cannot be audited for it")
    return int(float(row[0]))


def measure(
    connection: duckdb.DuckDBPyConnection, database: str, declared: dict[str, tuple[str, ...]], tables: list[str]
) -> dict[str, KAnonymity]:
    """k of every mart of `tables` that declares quasi-identifiers, measured in `database` (one scan each)."""
    measured = {}
    for table in tables:
        if table not in declared:
            continue
        schema, name = table.split(".", 1)
        columns = {
            column
            for (column,) in connection.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                "AND table_name = ?",
                [database, schema, name],
            ).fetchall()
        }
        missing = [column for column in declared[table] if column not in columns]
        if missing:
            raise ValueError(f"{table} declares quasi-identifiers it does not have: {missing}")
        people = f"count(DISTINCT {PERSON})" if PERSON in columns else "count(*)"
        suppressed = f"count_if({SUPPRESSED})" if SUPPRESSED in columns else "0"
        group = ", ".join(quote_identifier(column) for column in ("region", *declared[table]))
        k, suppressed_rows = connection.execute(
            f"SELECT min(people), coalesce(sum(suppressed), 0) FROM (SELECT {people} AS people, "
            f"{suppressed} AS suppressed FROM {database}.{qualified(table)} GROUP BY {group})"
        ).fetchone()
        measured[table] = KAnonymity(declared[table], k, int(suppressed_rows))
    return measured


def violations(measured: dict[str, KAnonymity], k_min: int) -> list[str]:
    """What the audit refuses: each mart whose k is below k_min, with its quasi-identifiers."""
    return [
        f"{table}: k = {result.k} on its quasi-identifiers {list(result.quasi_identifiers)} (per region; "
        f"at least {k_min} people must share each combination)"
        for table, result in measured.items()
        if result.k is not None and result.k < k_min
    ]
