"""`kill -9` at named points of loading and building: the next run finishes the work, and nothing is lost or
doubled. Loading dies at the points of asn_platform/core/faults.py (`ASN_KILL_AT`) in a child process; the dbt
build is killed when its log says a given model is done."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from asn_platform.core.faults import KILL_AT
from asn_platform.core.settings import DBT_PROJECT_DIR, Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA
from asn_platform.generator.sample import SAMPLE_AS_OF
from asn_platform.orchestration.stages import build
from asn_platform.transform.dbt import DBT_EXECUTABLE, PIPELINE_EXCLUDES, dbt_environment
from ingestion.service import load_pending

LOAD_IN_CHILD = """
from asn_platform.core.settings import Settings
from ingestion.service import load_pending
load_pending(Settings.from_env(), "langsa")
"""
RAW_TABLES = ("personnel", "training", "survey_responses", "complaints", "units", "services", "quarantine")


def _raw_state(settings: Settings) -> dict[str, object]:
    """What a load leaves: each raw table's rows (a content checksum beside the count) and each delivery's loads."""
    with connect(settings=settings, read_only=True) as connection:
        state: dict[str, object] = {
            table: connection.execute(
                f"SELECT count(*), sum(hash(COLUMNS(lambda c: c NOT IN ('_load_id', '_loaded_at', 'load_id', "
                f"'quarantined_at', '_ended_load_id')))) FROM raw.{table}"
            ).fetchone()
            for table in RAW_TABLES
        }
        state["loads"] = connection.execute(
            "SELECT delivery_id, status, count(*) FROM raw.load_audit GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    return state


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Langsa's sample loaded once without a fault."""
    monkeypatch = pytest.MonkeyPatch()
    try:
        from conftest import isolated_settings

        settings = isolated_settings(tmp_path_factory.mktemp("clean-load"), monkeypatch, as_of=SAMPLE_AS_OF)
        generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
        load_pending(settings, "langsa")
        return _raw_state(settings)
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("point", ["load:archived", "load:applied", "load:committed"])
def test_a_load_killed_at_any_point_is_finished_by_the_next_run(
    reference: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    from conftest import isolated_settings

    settings = isolated_settings(tmp_path, monkeypatch, as_of=SAMPLE_AS_OF)
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
    child = subprocess.run(
        [sys.executable, "-c", LOAD_IN_CHILD],
        env=os.environ | {KILL_AT: point},
        capture_output=True,
        text=True,
        check=False,  # a kill is the expected end
        timeout=600,
    )
    assert child.returncode == -signal.SIGKILL, f"not killed at {point}: {child.returncode}\n{child.stderr[-2000:]}"
    load_pending(settings, "langsa")
    assert _raw_state(settings) == reference
    assert not list((settings.warehouse_dir / "ingest_work").glob("*"))  # no scratch file left behind


MARTS_STATE = """SELECT table_schema || '.' || table_name FROM information_schema.tables
                 WHERE table_schema IN ('core', 'competency', 'placement', 'service_quality', 'restricted')
                   AND table_type = 'BASE TABLE' ORDER BY 1"""


def _marts(settings: Settings) -> dict[str, tuple[int, int]]:
    with connect(settings=settings, read_only=True) as connection:
        tables = [table for (table,) in connection.execute(MARTS_STATE).fetchall()]
        return {table: connection.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {table}").fetchone()
                for table in tables}  # fmt: skip


@pytest.mark.slow  # three dbt builds
def test_a_build_killed_after_the_largest_fact_is_finished_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt killed right after `training_records` is written (the incremental models after it not yet): the next
    build gives the marts a build without the kill gives."""
    from conftest import isolated_settings

    settings = isolated_settings(tmp_path / "killed", monkeypatch, as_of=SAMPLE_AS_OF)
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
    load_pending(settings, "langsa")
    clean = settings.model_copy(update={"warehouse_dir": tmp_path / "clean-warehouse"})
    shutil.copytree(settings.warehouse_dir, clean.warehouse_dir)

    dbt = subprocess.Popen(
        [str(DBT_EXECUTABLE), "build", *PIPELINE_EXCLUDES],
        env=dbt_environment(settings),
        cwd=DBT_PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert dbt.stdout is not None
    for line in dbt.stdout:
        if "OK created" in line and "training_records" in line:
            dbt.send_signal(signal.SIGKILL)
            break
    assert dbt.wait(timeout=600) == -signal.SIGKILL, "the build ended before training_records was written"

    build(settings)
    build(clean)
    assert _marts(settings) == _marts(clean)
