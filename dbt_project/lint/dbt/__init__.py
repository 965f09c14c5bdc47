"""Stand-ins for dbt's cross-database macros (`dbt.datediff`, ...) when sqlfluff renders models with its jinja
templater, which has no adapter: each returns plain DuckDB SQL of the same shape, enough to lint the model.
dbt itself compiles the real macros."""

from __future__ import annotations


def datediff(first: str, second: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first}, {second})"


def dateadd(datepart: str, interval: object, from_date: str) -> str:
    return f"({from_date} + interval {interval} {datepart})"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def concat(fields: list[str]) -> str:
    return "(" + " || ".join(fields) + ")"


def date_spine(datepart: str, start_date: str, end_date: str) -> str:
    return f"select range as date_{datepart} from range({start_date}, {end_date}, interval 1 {datepart})"


def safe_cast(field: str, type_name: str) -> str:
    return f"try_cast({field} as {type_name})"


def type_string() -> str:
    return "varchar"
