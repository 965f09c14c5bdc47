"""A marts-gate error that is one region's holds back that region only: the others publish, and the held region
keeps serving what the last good version published of it, until its data passes again."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from asn_platform.core.settings import SOURCES_DIR, Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.defects import DefectRates
from asn_platform.generator.profiles import LANGSA, SAMPLE_PROFILES, SORONG
from asn_platform.generator.sample import SAMPLE_AS_OF
from asn_platform.local.run import PipelineFailed, run_dags
from asn_platform.reports.summary import render
from asn_platform.transform.manifest import ensure_manifest

DROPPED_UNIT = "SRG-BKPSDM"


def _units_delivery(settings: Settings, day: date, *, without: str | None) -> None:
    """Sorong's unit list delivered again on `day`, as delivered first, less the unit `without`."""
    first = sorted((settings.landing_dir / "sorong" / "units").glob("*/units_*.csv"))[0]
    lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not (without and f",{without}," in line)]
    folder = settings.landing_dir / "sorong" / "units" / day.isoformat()
    folder.mkdir(parents=True)
    (folder / f"units_{day:%Y%m%d}.csv").write_text("".join(kept), encoding="utf-8")


def _published(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    with connect(settings.analytics_path, read_only=True, settings=settings) as analytics:
        return analytics.execute(sql).fetchall()


SORONG_STAFF = """SELECT count(*), sum(hash(employee_key, unit_code, status)) FROM core.dim_employee
                  WHERE region = 'sorong'"""


@pytest.mark.slow  # the regional DAGs and the warehouse DAG, in-process, three times
def test_a_region_failing_the_marts_gate_is_held_back_and_keeps_serving_its_last_good_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import isolated_settings

    sources = tmp_path / "sources"  # the two regions' registry files only
    sources.mkdir()
    for region in ("langsa", "sorong"):
        shutil.copy(SOURCES_DIR / f"{region}.yml", sources / f"{region}.yml")
    monkeypatch.setenv("ASN_SOURCES_DIR", str(sources))
    settings = isolated_settings(tmp_path, monkeypatch, as_of=SAMPLE_AS_OF)
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA, SORONG))
    ensure_manifest(settings)
    run_dags(settings, lambda line: None)
    good_sorong = _published(settings, SORONG_STAFF)
    assert good_sorong[0][0] > 0
    assert _published(settings, f"SELECT count(*) FROM core.dim_unit WHERE unit_code = '{DROPPED_UNIT}'") == [(1,)]

    # Sorong's next unit list lacks a unit its staff still work in: the marts' unit references fail for Sorong only.
    _units_delivery(settings, date(2026, 11, 2), without=DROPPED_UNIT)
    run_dags(settings, lambda line: None)  # raises if a DAG fails: the warehouse DAG builds and publishes
    assert _published(settings, "SELECT DISTINCT region FROM core.dim_region ORDER BY 1") == [("langsa",), ("sorong",)]
    assert _published(settings, SORONG_STAFF) == good_sorong  # the last good version's rows
    assert _published(settings, f"SELECT count(*) FROM core.dim_unit WHERE unit_code = '{DROPPED_UNIT}'") == [(1,)]
    summary = render(settings)
    held = summary.split("Daerah yang ditahan oleh gerbang mutu mart", 1)[1].splitlines()[1]
    assert held.startswith("  sorong: unexpected_rows_expectation('every (region, unit_code) is in core.dim_unit')")
    assert "langsa" not in held

    # The unit is back on the next list: Sorong passes and publishes its own data again.
    _units_delivery(settings, date(2026, 11, 3), without=None)
    run_dags(settings, lambda line: None)
    assert "ditahan oleh gerbang mutu mart" not in render(settings)
    assert _published(settings, SORONG_STAFF) == good_sorong


@pytest.mark.slow  # the five regional DAGs and the warehouse DAG, in-process
def test_a_realistic_defects_sample_with_one_region_broken_publishes_the_other_four(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample with realistic defects: one region's unit list arrives empty (rejected), so none of its staff has
    a unit on a list. That region is held back at the marts gate; the other four are published."""
    from conftest import isolated_settings

    settings = isolated_settings(tmp_path, monkeypatch, as_of=SAMPLE_AS_OF)
    generate_sample(
        settings.landing_dir, settings.sample_seed, api_dir=settings.source_api_dir, defects=DefectRates.realistic()
    )
    ensure_manifest(settings)
    with pytest.raises(PipelineFailed) as failure:  # the regions with rejected deliveries say so
        run_dags(settings, lambda line: None)
    assert "asn_warehouse" not in str(failure.value)
    with connect(settings=settings, read_only=True) as build:
        broken = build.execute(
            "SELECT DISTINCT region FROM raw.load_audit WHERE dataset = 'units' AND status = 'rejected'"
        ).fetchall()
    assert len(broken) == 1, f"the sample's defects should break one region's unit list: {broken}"
    ((held,),) = broken
    published = {region for (region,) in _published(settings, "SELECT DISTINCT region FROM core.dim_employee")}
    assert published == {profile.region for profile in SAMPLE_PROFILES} - {held}
    summary = render(settings)
    assert summary.split("Daerah yang ditahan oleh gerbang mutu mart", 1)[1].splitlines()[1].startswith(f"  {held}: ")
