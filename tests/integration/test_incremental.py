"""fct_training is incremental by region: a later delivery rebuilds only its region, and the result is exactly what
`--full-refresh` builds from the same raw layer."""

from __future__ import annotations

from datetime import date

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA, SORONG
from asn_platform.orchestration.stages import build, ingest
from asn_platform.transform.dbt import run_dbt

FACT = "competency.fct_training"


MARK = "marked by the test"


def _mark_one_row_per_region(settings: Settings) -> dict[str, tuple[object, ...]]:
    """Overwrite one row's course title in each region (a rebuilt region loses its mark); returns each region's
    marked row key and original title, to put back."""
    marked = {}
    with connect(settings=settings) as connection:
        for region, key, course, start, title in connection.execute(
            f"SELECT region, arg_min(employee_key, employee_key), arg_min(course_code, employee_key), "
            f"arg_min(start_date, employee_key), arg_min(course_title, employee_key) FROM {FACT} GROUP BY region"
        ).fetchall():
            connection.execute(
                f"UPDATE {FACT} SET course_title = ? WHERE region = ? AND employee_key = ? AND course_code = ? "
                "AND start_date = ?",
                [MARK, region, key, course, start],
            )
            marked[region] = (key, course, start, title)
    return marked


def _marked_regions(settings: Settings) -> set[str]:
    with connect(settings=settings, read_only=True) as connection:
        rows = connection.execute(f"SELECT DISTINCT region FROM {FACT} WHERE course_title = ?", [MARK]).fetchall()
    return {region for (region,) in rows}


def _freshness(settings: Settings) -> dict[str, object]:
    with connect(settings=settings, read_only=True) as connection:
        rows = connection.execute(
            f"SELECT region, max(source_loaded_at), count(*) FROM {FACT} GROUP BY region ORDER BY region"
        ).fetchall()
    return {region: (loaded_at, count) for region, loaded_at, count in rows}


@pytest.mark.slow  # two regions built, then an incremental build and a full refresh
def test_a_later_delivery_rebuilds_its_region_only_and_matches_a_full_refresh(settings: Settings) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA, SORONG))
    for region in ("langsa", "sorong"):
        ingest(region, settings)
    build(settings)
    first = _freshness(settings)

    marked = _mark_one_row_per_region(settings)
    run_dbt(["run", "--select", "fct_training"], settings, echo=False)
    assert _marked_regions(settings) == {"langsa", "sorong"}  # nothing new: nothing rebuilt

    # A week later Langsa delivers again (its full extracts replace the earlier ones); Sorong sends nothing.
    generate_sample(settings.landing_dir, settings.sample_seed + 1, as_of=date(2026, 11, 8), profiles=(LANGSA,))
    assert ingest("langsa", settings).loaded >= 2
    run_dbt(["run", "--select", "fct_training"], settings, echo=False)
    second = _freshness(settings)
    assert second["sorong"] == first["sorong"]  # untouched
    assert second["langsa"][0] > first["langsa"][0]
    assert _marked_regions(settings) == {"sorong"}  # only Langsa was rebuilt
    key, course, start, title = marked["sorong"]
    with connect(settings=settings) as connection:
        connection.execute(
            f"UPDATE {FACT} SET course_title = ? WHERE region = 'sorong' AND employee_key = ? AND course_code = ? "
            "AND start_date = ?",
            [title, key, course, start],
        )

    with connect(settings=settings, read_only=True) as connection:
        incremental = connection.execute(f"SELECT * EXCLUDE (topics), topics::VARCHAR FROM {FACT}").fetchall()
    run_dbt(["run", "--select", "fct_training", "--full-refresh"], settings, echo=False)
    with connect(settings=settings, read_only=True) as connection:
        refreshed = connection.execute(f"SELECT * EXCLUDE (topics), topics::VARCHAR FROM {FACT}").fetchall()
    assert len(refreshed) == len(incremental) == second["langsa"][1] + second["sorong"][1]
    assert sorted(map(repr, incremental)) == sorted(map(repr, refreshed))
