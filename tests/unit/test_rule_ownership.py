"""Each data-quality rule is checked once, by the owner docs/data-quality.md gives it, and none is lost.

The decision table ("Who owns each rule") lists every rule: each dbt data test and not-null constraint of the dbt
project's .yml files, and each expectation of expectations/raw and expectations/marts. This test reads all of them
from the files, in one notation, and holds the table to them: every rule in a file is in the table, every rule of the
table is in exactly one place, and that place is its owner. A rule dbt used to check that another rule now covers is
in the second table ("Rules folded into another"): it must be in no file, and the rule named instead must be in the
first table. Rules the delivery owns are looked up in each dataset's delivery suite (its YAML and the contract).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from asn_platform.core.contract import DATASETS
from asn_platform.core.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT
from asn_platform.quality import load_suite
from asn_platform.quality.suites import QUERY_EXPECTATION, ExpectationSpec

DOC = PROJECT_ROOT / "docs" / "data-quality.md"
OWNERS = ("dbt", "dbt constraint", "delivery", "raw gate", "marts gate")
# Kinds written `kind: a, b` in the table: one rule per column (or column pair).
PER_COLUMN = ("not_null", "in_set", "between", "regex", "length", "pair")
# A relationship the gate checks is a query expectation described in this form.
RELATIONSHIP = re.compile(r"^every (?P<columns>\(.+\)|\w+) is in (?P<target>[\w.]+)$")
Rule = tuple[str, str]  # (table, rule)


# --- the rules in the files ------------------------------------------------------------------------------------------


def _dbt_schema(path: Path) -> str:
    """The schema dbt_project.yml gives the models under `path` (seeds: reference)."""
    parts = path.relative_to(DBT_PROJECT_DIR).parts
    if parts[0] == "seeds":
        return "reference"
    return parts[2] if parts[1] == "marts" else parts[1]


def _relations() -> dict[str, str]:
    """Every model and seed of the dbt project: name -> schema.name."""
    relations = {}
    for path in [*DBT_PROJECT_DIR.glob("models/**/*.sql"), *DBT_PROJECT_DIR.glob("seeds/*.csv")]:
        relations[path.stem] = f"{_dbt_schema(path)}.{path.stem}"
    return relations


def _ref(text: str, relations: dict[str, str]) -> str:
    """The relation of the first `ref(...)` in `text` (a singular test is filed under the first model it reads)."""
    return relations[re.findall(r"ref\('(\w+)'\)", text)[0]]


def _dbt_rule(test: object, column: str | None, relations: dict[str, str]) -> str:
    name, spec = (test, {}) if isinstance(test, str) else next(iter(test.items()))  # type: ignore[union-attr]
    arguments = (spec or {}).get("arguments", {})
    warn = " (warn)" if (spec or {}).get("config", {}).get("severity") == "warn" else ""
    if name == "not_null":
        return f"not_null: {column}{warn}"
    if name == "unique":
        return f"unique({column}){warn}"
    if name == "accepted_values":
        return f"in_set: {column}{warn}"
    if name == "unique_combination_of_columns":
        return f"unique({', '.join(arguments['columns'])}){warn}"
    if name == "relationships":
        return f"relationship({column} → {_ref(arguments['to'], relations)}.{arguments['field']}){warn}"
    if name == "relationships_by_columns":
        return f"relationship(({', '.join(arguments['columns'])}) → {_ref(arguments['to'], relations)}){warn}"
    raise AssertionError(f"a dbt test this notation does not know: {name}")


def dbt_rules() -> dict[Rule, list[str]]:
    """(table, rule) -> the places dbt checks it: "dbt" (a data test) or "dbt constraint" (a not-null constraint)."""
    relations = _relations()
    found: dict[Rule, list[str]] = defaultdict(list)
    disabled = set()
    for path in sorted([*DBT_PROJECT_DIR.glob("models/**/*.yml"), *DBT_PROJECT_DIR.glob("seeds/*.yml")]):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for singular in document.get("data_tests") or []:
            if singular.get("config", {}).get("enabled") is False:
                disabled.add(singular["name"])
        for node in [*(document.get("models") or []), *(document.get("seeds") or [])]:
            table = relations[node["name"]]
            for test in node.get("data_tests") or node.get("tests") or []:
                found[(table, _dbt_rule(test, None, relations))].append("dbt")
            for column in node.get("columns") or []:
                for test in column.get("data_tests") or column.get("tests") or []:
                    found[(table, _dbt_rule(test, column["name"], relations))].append("dbt")
                for constraint in column.get("constraints") or []:
                    if constraint["type"] == "not_null":
                        found[(table, f"not_null: {column['name']}")].append("dbt constraint")
    for path in sorted(DBT_PROJECT_DIR.glob("tests/singular/*.sql")):
        if path.stem not in disabled:
            found[(_ref(path.read_text(encoding="utf-8"), relations), f"singular: {path.stem}")].append("dbt")
    return found


def gate_rule(spec: ExpectationSpec) -> str:
    """An expectation in the table's notation."""
    kwargs = spec.kwargs
    per_column = {
        "expect_column_values_to_not_be_null": "not_null",
        "expect_column_values_to_be_in_set": "in_set",
        "expect_column_values_to_be_between": "between",
        "expect_column_values_to_match_regex": "regex",
        "expect_column_value_lengths_to_equal": "length",
    }
    whole_table = {"expect_table_row_count_to_be_between": "row_count", "expect_table_columns_to_match_set": "columns"}
    if spec.type in per_column:
        rule = f"{per_column[spec.type]}: {kwargs['column']}"
    elif spec.type == "expect_column_pair_values_a_to_be_greater_than_b":
        rule = f"pair: {kwargs['column_A']} {'>=' if kwargs.get('or_equal') else '>'} {kwargs['column_B']}"
    elif spec.type in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        rule = f"unique({', '.join(spec.columns)})"
    elif spec.type in whole_table:
        rule = whole_table[spec.type]
    elif spec.type == QUERY_EXPECTATION:
        relationship = RELATIONSHIP.match(kwargs["description"])
        rule = (
            f"relationship({relationship['columns']} → {relationship['target']})"
            if relationship
            else f"query: {kwargs['description']}"
        )
    else:
        raise AssertionError(f"an expectation type this notation does not know: {spec.type}")
    return rule + (" (warn)" if spec.severity == "warning" else "")


def gate_rules() -> dict[Rule, list[str]]:
    found: dict[Rule, list[str]] = defaultdict(list)
    for stage in ("raw", "marts"):
        for path in sorted((EXPECTATIONS_DIR / stage).glob("*.yml")):
            suite = load_suite(path)
            for spec in suite.expectations:
                found[(str(suite.table), gate_rule(spec))].append(f"{stage} gate")
    return found


def delivery_rules(table: str) -> set[str]:
    """The rules each delivery of the dataset a staging model reads is checked against before it loads."""
    from ingestion.load import delivery_suite

    dataset = table.rsplit("__", maxsplit=1)[-1]  # staging.stg_<system>__<dataset>
    return {gate_rule(spec) for spec in delivery_suite(DATASETS[dataset]).expectations}


# --- the decision table ----------------------------------------------------------------------------------------------


def _section_rows(heading: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    assert f"\n{heading}\n" in text, f"{DOC.name} has no section {heading!r}"
    section = text.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]  # past header and rule


def _expand(item: str) -> list[str]:
    kind, _, rest = item.partition(": ")
    if kind in PER_COLUMN:
        return [f"{kind}: {column.strip()}" for column in rest.split(", ")]
    return [item]


def decided() -> dict[Rule, str]:
    """(table, rule) -> owner, from the decision table; each rule once."""
    owners: dict[Rule, str] = {}
    for cell, rules, owner, _why in _section_rows("### Who owns each rule"):
        assert owner in OWNERS, f"{cell}: unknown owner {owner!r}"
        table = cell.strip("`")
        for item in re.findall(r"`([^`]+)`", rules):
            for rule in _expand(item):
                assert (table, rule) not in owners, f"{table} {rule} is in the table twice"
                owners[(table, rule)] = owner
    return owners


def folded() -> list[tuple[Rule, list[Rule]]]:
    rows = []
    for table, rule, instead in _section_rows("### Rules folded into another"):
        now = [(where, what) for where, what in re.findall(r"`([\w.]+)`: `([^`]+)`", instead)]
        assert now, f"{table} {rule}: names no rule that checks it now"
        rows.append(((table.strip("`"), rule.strip("`")), now))
    return rows


# --- the tests -------------------------------------------------------------------------------------------------------


def test_every_rule_in_the_files_is_in_the_decision_table() -> None:
    owners = decided()
    missing = sorted((set(dbt_rules()) | set(gate_rules())) - set(owners))
    assert not missing, f"rules in the files that docs/data-quality.md does not give an owner: {missing}"


@pytest.mark.parametrize("owner", OWNERS)
def test_every_rule_is_checked_once_by_its_owner(owner: str) -> None:
    places: dict[Rule, list[str]] = defaultdict(list)
    for found in (dbt_rules(), gate_rules()):
        for rule, where in found.items():
            places[rule] += where
    wrong = {}
    for rule, decided_owner in decided().items():
        if decided_owner != owner:
            continue
        where = places.get(rule, [])
        if owner == "delivery":
            if where or rule[1] not in delivery_rules(rule[0]):
                wrong[rule] = where or ["not in the delivery suite"]
        elif where != [owner]:
            wrong[rule] = where or ["nowhere: lost"]
    assert not wrong, f"rules the {owner} owns that are not checked exactly once, there: {wrong}"


def test_folded_rules_are_checked_by_the_rule_named_instead() -> None:
    owners = decided()
    places = set(dbt_rules()) | set(gate_rules())
    for rule, instead in folded():
        assert rule not in places, f"{rule} is still checked itself"
        assert rule not in owners, f"{rule} is folded and in the decision table"
        for now in instead:
            assert now in owners, f"{rule} is folded into {now}, which the decision table does not list"


def test_published_marts_have_no_dbt_data_test() -> None:
    """The principle: what is published is the marts gate's (constraints stay: they cost nothing at build time)."""
    marts = {str(load_suite(path).table) for path in (EXPECTATIONS_DIR / "marts").glob("*.yml")}
    tested = sorted(rule for rule, where in dbt_rules().items() if rule[0] in marts and "dbt" in where)
    assert not tested, f"dbt data tests on published marts (the marts gate owns these): {tested}"
