"""The arguments of the expectation types the runner evaluates itself, as Great Expectations declares them.

Loading a suite checks every expectation's arguments, so a misspelt or ill-typed one is reported with its file
before anything runs. Asking Great Expectations (building the expectation) costs its import, ~3.4 s in every
process, although the runner evaluates these types in DuckDB SQL without it. So the arguments GX declares for them
(each field's type, whether it is required, its validators) are a table generated from GX's registry and committed
beside this module, `expectation_types.json`, and `check_arguments` holds a suite's arguments to it. The check is at
least as strict as GX's: it refuses what GX refuses, and also the values GX would silently coerce (a quoted number,
`1` for true, `1.5` for a row count). Anything the table cannot settle (a type that is not in it, a row condition, a
field validator it does not know) is left to GX, which is then loaded: such types run in GX anyway.

`tests/unit/test_quality.py` regenerates the table from the installed Great Expectations and compares it with the
committed file, and holds `check_arguments` to GX's own verdict, so neither can drift from GX. After upgrading GX:

    .venv/bin/python -m asn_platform.quality.expectation_types --write
"""

from __future__ import annotations

import argparse
import json
import string
import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

# Great Expectations' query expectation: a SQL query (`{batch}` stands for the suite's table) that returns the rows
# breaking a rule; it passes when there are none. Reconciliation, cross-table totals and freshness are written so.
QUERY_EXPECTATION = "unexpected_rows_expectation"
# Expectations that need the whole table at once; the runner evaluates them in DuckDB SQL instead of per chunk.
TABLE_EXPECTATIONS = frozenset(
    {
        "expect_table_row_count_to_be_between",
        "expect_table_columns_to_match_set",
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        QUERY_EXPECTATION,
    }
)
# Row-level (map) expectations the runner translates to DuckDB SQL (runner.row_conditions); any other row-level
# type runs in Great Expectations on pandas chunks.
SQL_ROW_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
# The types whose arguments the table holds: those the runner evaluates without Great Expectations.
CHECKED_TYPES = SQL_ROW_EXPECTATIONS | TABLE_EXPECTATIONS

TABLE_PATH = Path(__file__).with_name("expectation_types.json")


class NeedsGreatExpectations(Exception):
    """The table cannot settle these arguments; Great Expectations has to check them."""


# --- the check, without Great Expectations --------------------------------------------------------------------------


@cache
def _table() -> dict[str, Any]:
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def row_level_types() -> frozenset[str]:
    """Every expectation type Great Expectations evaluates row by row (its map expectations), from the table."""
    return frozenset(_table()["row_level"])


def _problem(value: Any, kind: dict[str, Any]) -> str | None:  # noqa: PLR0911, PLR0912 - one branch per kind
    """Why `value` is not of `kind` (a type as the table writes it), or None if it is. No coercion: a value GX would
    convert (the text "0.5" for a number) is refused."""
    name = kind["type"]
    if name == "any":
        return None
    if name == "none":
        return None if value is None else "not null"
    if name == "union":
        problems = []
        for option in kind["of"]:
            if option["type"] == "model":
                continue
            problem = _problem(value, option)
            if problem is None:
                return None
            problems.append(problem)
        if any(option["type"] == "model" for option in kind["of"]):
            raise NeedsGreatExpectations(kind)  # it may be one of GX's own objects
        return " or ".join(dict.fromkeys(problems))
    if name == "model":
        raise NeedsGreatExpectations(kind["name"])
    if name == "str":
        if not isinstance(value, str):
            return "not text"
        return f"shorter than {kind['min_length']} characters" if len(value) < kind.get("min_length", 0) else None
    if name == "bool":
        return None if isinstance(value, bool) else "not true or false"
    if name in {"int", "float"}:
        numeric = (int,) if name == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            return "not an integer" if name == "int" else "not a number"
        if "ge" in kind and not value >= kind["ge"]:
            return f"not at least {kind['ge']}"
        if "le" in kind and not value <= kind["le"]:
            return f"not at most {kind['le']}"
        return None
    if name == "dict":
        return None if isinstance(value, dict) else "not a mapping"
    if name in {"list", "set"}:
        if not isinstance(value, list | tuple | set | frozenset):
            return "not a list"
        for position, item in enumerate(value):
            if problem := _problem(item, kind.get("items", {"type": "any"})):
                return f"item {position + 1} {problem}"
        return None
    if name == "literal":
        return None if any(value == v and type(value) is type(v) for v in kind["values"]) else _not_one_of(kind)
    if name == "enum":
        return None if isinstance(value, str) and value in kind["values"] else _not_one_of(kind)
    if name in {"date", "datetime"}:
        return None if _is_moment(value, name) else f"not a {name}"
    raise NeedsGreatExpectations(name)


def _not_one_of(kind: dict[str, Any]) -> str:
    return f"not one of {', '.join(map(repr, kind['values']))}"


def _is_moment(value: Any, name: str) -> bool:
    """A date (YAML reads 2026-11-01 as one) or a datetime, or its ISO text; a datetime's text needs its time."""
    if isinstance(value, datetime):
        return True
    if isinstance(value, date):
        return name == "date"
    if not isinstance(value, str):
        return False
    try:
        if name == "date":
            date.fromisoformat(value)
        elif len(value) < 16 or value[10] not in "T ":
            return False
        else:
            datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _validate_result_format(kwargs: dict[str, Any]) -> list[str]:
    result_format = kwargs.get("result_format")
    if isinstance(result_format, dict) and "result_format" not in result_format:
        return ["result_format: a mapping needs the key 'result_format'"]
    return []


def _validate_row_condition(kwargs: dict[str, Any]) -> list[str]:
    if kwargs.get("row_condition") is not None:
        raise NeedsGreatExpectations("row_condition")  # GX's own grammar and limits
    return []


def _min_or_max(kwargs: dict[str, Any]) -> list[str]:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is None and high is None:
        return ["min_value and max_value cannot both be None"]
    return ["values cannot be empty strings"] if low == {} or high == {} else []


def _row_count_bounds(kwargs: dict[str, Any]) -> list[str]:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    problems = []
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        problems.append(f"min_value ({low}) must be less than or equal to max_value ({high})")
    problems += [f"{key} dict must contain key $PARAMETER"
                 for key, value in (("min_value", low), ("max_value", high))
                 if isinstance(value, dict) and "$PARAMETER" not in value]  # fmt: skip
    return problems


def _two_columns(kwargs: dict[str, Any]) -> list[str]:
    columns = kwargs.get("column_list")
    if isinstance(columns, list | tuple) and len(columns) < 2:
        return ["column_list must contain at least two columns."]
    return []


def _query_braces(kwargs: dict[str, Any]) -> list[str]:
    query = kwargs.get("unexpected_rows_query")
    if isinstance(query, str):
        try:
            list(string.Formatter().parse(query))
        except ValueError as error:
            return [f"unexpected_rows_query contains an unpaired or malformed brace: {error}"]
    return []


# Great Expectations' validators, by qualified name, with the digest of the source each rule here was written from
# (the table lists both per type). A validator the table lists that is not here, or whose source has changed since,
# sends the expectation to GX (and the table's unit test fails until this is brought up to date).
VALIDATORS: dict[str, tuple[str, Callable[[dict[str, Any]], list[str]]]] = {
    "Expectation._validate_result_format": ("9c7c0840b93b126e", _validate_result_format),
    "BatchExpectation._validate_row_condition": ("a990407823181011", _validate_row_condition),
    # Rewrites a text row condition into GX's objects (with warnings); nothing to refuse beyond the field's type.
    "Expectation._transform_legacy_row_condition": ("2a7f960c7b239f04", lambda kwargs: []),
    "ExpectColumnValuesToBeBetween.check_min_val_or_max_val": ("3521a514823653a1", _min_or_max),
    "ExpectTableRowCountToBeBetween._root_validate": ("4c8b1e1396571f12", _row_count_bounds),
    "MulticolumnMapExpectation._validate_column_list": ("ff0efbc05561c4a0", _two_columns),
    "UnexpectedRowsExpectation._validate_query": ("6a7e425e2036c6f0", _query_braces),
}


def check_arguments(kind: str, kwargs: dict[str, Any]) -> list[str] | None:
    """What is wrong with `kwargs` for the expectation type `kind` (empty: nothing), checked against the committed
    table as Great Expectations would check them, without importing it; None when only GX can tell (a type not in
    the table, a row condition, a validator not known here)."""
    table = _table()
    entry = table["types"].get(kind)
    if entry is None:
        return None
    fields = table["common_fields"] | entry["fields"]
    problems = [f"{name}: field required" for name, field in fields.items() if field["required"] and name not in kwargs]
    unknown = sorted(str(name) for name in kwargs if name not in fields)
    if unknown:
        problems.append(f"{', '.join(unknown)}: not an argument of {kind} (it takes {', '.join(sorted(fields))})")
    try:
        for name, value in kwargs.items():
            field = fields.get(name)
            if field is None or (value is None and field["nullable"]):
                continue
            if problem := "none is not an allowed value" if value is None else _problem(value, field["type"]):
                problems.append(f"{name}: {problem}")
        for validator, digest in entry["validators"].items():
            known, rule = VALIDATORS.get(validator, (None, None))
            if rule is None or known != digest:
                return None
            problems += rule(kwargs)
    except NeedsGreatExpectations:
        return None
    return problems


# --- the table, generated from Great Expectations' registry -------------------------------------------------------


def _describe(annotation: Any) -> dict[str, Any]:  # noqa: PLR0911, PLR0912 - one branch per kind of annotation
    """A field's type annotation (pydantic v1, as GX declares it) as the table writes it."""
    import collections.abc
    import enum
    import types
    import typing

    from great_expectations.compatibility import pydantic

    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _describe(arguments[0])
    if origin in {typing.Union, types.UnionType}:
        return {"type": "union", "of": [_describe(argument) for argument in arguments]}
    if origin is typing.Literal:
        return {"type": "literal", "values": list(arguments)}
    if origin in {list, collections.abc.Sequence, set, frozenset, tuple}:
        items = _describe(arguments[0]) if arguments else {"type": "any"}
        return {"type": "set" if origin in {set, frozenset} else "list", "items": items}
    if annotation is typing.Any:
        return {"type": "any"}
    if annotation is type(None):
        return {"type": "none"}
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return {"type": "enum", "values": [member.value for member in annotation]}
        if issubclass(annotation, pydantic.BaseModel) or annotation.__module__.startswith("great_expectations."):
            # One of GX's own objects (a row condition, a window, rendered content): only GX can check it.
            return {"type": "model", "name": annotation.__name__}
        if issubclass(annotation, bool):
            return {"type": "bool"}
        if issubclass(annotation, str):
            described: dict[str, Any] = {"type": "str"}
            if getattr(annotation, "min_length", None):
                described["min_length"] = annotation.min_length
            return described
        for plain in (int, float):  # pydantic's constrained numbers are subclasses with bounds
            if issubclass(annotation, plain):
                described = {"type": plain.__name__}
                for bound in ("ge", "le", "gt", "lt", "multiple_of"):
                    if getattr(annotation, bound, None) is not None:
                        if bound not in {"ge", "le"}:
                            raise ValueError(f"{annotation}: bound {bound} is not checked by check_arguments")
                        described[bound] = getattr(annotation, bound)
                return described
        for plain in (datetime, date, dict, list, set):  # datetime before date: it is one
            if issubclass(annotation, plain):
                return {"type": plain.__name__}
    raise ValueError(f"{annotation!r}: no way to describe this type in the table; teach _describe and _problem it")


def _validators(implementation: Any) -> dict[str, str]:
    """GX's field and root validators of an expectation type: qualified name -> a digest of its source, so a GX
    release that changes what a validator checks changes the table (and VALIDATORS must be looked at again)."""
    import hashlib
    import inspect

    functions = [validator.func for validators in implementation.__validators__.values() for validator in validators]
    for item in (*implementation.__pre_root_validators__, *implementation.__post_root_validators__):
        functions.append(item[1] if isinstance(item, tuple) else item)
    return {
        function.__qualname__: hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]
        for function in sorted(functions, key=lambda function: function.__qualname__)
    }


def generate_table() -> dict[str, Any]:
    """The table, from the installed Great Expectations' registry (imports GX: seconds)."""
    from importlib import metadata

    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )
    from great_expectations.expectations.registry import (
        get_expectation_impl,
        list_registered_expectation_implementations,
    )

    map_bases = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
    registered = sorted(list_registered_expectation_implementations())
    missing = sorted(CHECKED_TYPES - set(registered))
    if missing:
        raise ValueError(f"not in Great Expectations' registry: {missing}")
    types = {}
    for name in sorted(CHECKED_TYPES):
        implementation = get_expectation_impl(name)
        fields = {
            field_name: {
                "required": bool(field.required),
                "nullable": bool(field.allow_none),
                "type": _describe(field.outer_type_),
            }
            for field_name, field in sorted(implementation.__fields__.items())
        }
        types[name] = {
            "row_level": issubclass(implementation, map_bases),
            "fields": fields,
            "validators": _validators(implementation),
        }
    # The fields every type has alike (id, meta, notes, result_format, ...) are written once.
    first, *others = (entry["fields"] for entry in types.values())
    common = {name: field for name, field in first.items() if all(other.get(name) == field for other in others)}
    for entry in types.values():
        entry["fields"] = {name: field for name, field in entry["fields"].items() if name not in common}
    return {
        "great_expectations": metadata.version("great_expectations"),
        "row_level": [name for name in registered if issubclass(get_expectation_impl(name), map_bases)],
        "common_fields": common,
        "types": types,
    }


def render_table(table: dict[str, Any]) -> str:
    """The table as JSON, one line per field (diffs after a GX upgrade show what changed)."""

    def fields(block: dict[str, Any], indent: str) -> str:
        lines = [
            f"{indent} {json.dumps(name)}: {json.dumps(field, sort_keys=True)}" for name, field in sorted(block.items())
        ]
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"

    types = [
        f'  {json.dumps(name)}: {{\n   "fields": {fields(entry["fields"], "   ")},\n'
        f'   "row_level": {json.dumps(entry["row_level"])},\n'
        f'   "validators": {json.dumps(entry["validators"], sort_keys=True)}\n  }}'
        for name, entry in sorted(table["types"].items())
    ]
    return (
        f'{{\n "common_fields": {fields(table["common_fields"], " ")},\n'
        f' "great_expectations": {json.dumps(table["great_expectations"])},\n'
        f' "row_level": {json.dumps(table["row_level"])},\n'
        f' "types": {{\n' + ",\n".join(types) + "\n }\n}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate expectation_types.json from Great Expectations.")
    parser.add_argument("--write", action="store_true", help=f"write {TABLE_PATH.name} (default: check it)")
    args = parser.parse_args(argv)
    rendered = render_table(generate_table())
    if args.write:
        TABLE_PATH.write_text(rendered, encoding="utf-8")
        print(f"==> wrote {TABLE_PATH}")
        return 0
    if TABLE_PATH.read_text(encoding="utf-8") != rendered:
        print(f"{TABLE_PATH} differs from Great Expectations' registry: run with --write", file=sys.stderr)
        return 1
    print(f"==> {TABLE_PATH} matches Great Expectations' registry")
    return 0


if __name__ == "__main__":
    sys.exit(main())
