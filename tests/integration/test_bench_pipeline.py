"""The whole-pipeline benchmark runs end to end on the sample scale, with a few daily deliveries after the full load,
and reports what it promises (figures are not asserted: timings on a shared machine mean nothing to a test)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asn_platform.core.settings import PROJECT_ROOT

# A benchmark smoke run: the whole pipeline benchmark on the sample, minutes (left out of make test-fast).
pytestmark = pytest.mark.slow

SCRIPT = PROJECT_ROOT / "benchmarks" / "pipeline.py"
STAGES = {"generate", "fetch", "ingest", "delivery_dq", "raw_gate", "dbt_build", "marts_gate", "publish", "reports"}
DAY = {"generate_day", "ingest", "raw_gate", "dbt_build", "marts_gate", "publish"}
DAYS = 2
CHANGED = {"personnel", "training", "survey_responses"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
    """The benchmark at the smallest scale with two days after the full run: its JSON, its output, its folder."""
    tmp_path = tmp_path_factory.mktemp("bench")
    out, data = tmp_path / "pipeline.json", tmp_path / "data"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "sample", "--data", str(data), "--json", str(out),
         "--days", str(DAYS)],
        capture_output=True, text=True, timeout=1800, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("ASN_")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout, data


def test_pipeline_benchmark_reports_every_stage_beside_the_floor(run: tuple[dict, str, Path]) -> None:
    report, stdout, data = run
    stages = {row["stage"]: row for row in report["stages"]}
    assert set(stages) == STAGES
    # Generated in this run (the folder was empty), so every stage did work and was timed.
    assert all(row["wall_s"] > 0 and row["rows"] > 0 and row["peak_rss_mb"] > 0 for row in stages.values())
    assert all(row["cpu_s"] > 0 for name, row in stages.items() if name != "delivery_dq")
    assert {name for name, row in stages.items() if row["ratio_to_floor"]} == {"ingest", "dbt_build", "publish"}
    assert all(stages[name]["cpu_ratio_to_floor"] > 0 for name in ("ingest", "dbt_build", "publish"))
    assert report["floor_s"] > 0
    assert report["floor_cpu_s"] > 0
    assert report["ratio_pipeline_to_floor"] > 0
    assert report["cpu_ratio_pipeline_to_floor"] > 0
    # Ingestion beside read_csv in CPU seconds as well as wall seconds.
    assert report["ingestion_vs_read_csv"]["cpu"] > 0
    assert report["ingestion_vs_read_csv"]["wall"] > 0
    # Every mart dbt builds equals the hand-written floor's (columns, rows, checksums), the restricted tier's too.
    assert report["mismatches"] == 0
    tables = {row["table"] for row in report["marts"]}
    assert {"service_quality.survey_suggestions", "restricted.employee_identity"} <= tables
    assert all(row["rows"] > 0 for row in report["marts"] if row["table"] != "placement.movements")
    incremental = {row["stage"]: row for row in report["incremental"]["stages"]}
    assert set(incremental) == DAY
    assert all(row["wall_s"] > 0 for row in incremental.values())
    assert report["incremental"]["share_of_full"] > 0
    assert report["incremental"]["cpu_share_of_full"] > 0
    assert set(report["targets"]) == {
        "ingestion_vs_read_csv",
        "pipeline_vs_floor",
        "incremental_vs_full",
        "peak_memory",
        "raw_growth_vs_changed",
        "last_days_vs_days_2_4",
    }
    assert all(isinstance(target["met"], bool) for target in report["targets"].values())
    machine = report["machine"]
    assert machine["cores"]
    assert machine["memory_gib"]
    assert machine["duckdb"]
    assert machine["airflow"]
    assert "whole pipeline" in stdout
    assert "target pipeline_vs_floor" in stdout
    assert "target last_days_vs_days_2_4" in stdout
    # The deliveries stay for the next run; what the run wrote is beside them.
    assert (data / "landing").is_dir()
    assert (data / "pipeline-run" / "published").is_dir()


def test_every_day_reports_its_stages_raw_layer_and_changes(run: tuple[dict, str, Path]) -> None:
    report, stdout, data = run
    days = report["days"]
    assert days["count"] == DAYS
    assert [row["day"] for row in days["rows"]] == list(range(1, DAYS + 1))
    previous = days["raw_after_full_run"]["rows"]
    assert previous > 0
    for row in days["rows"]:
        assert set(row["stages"]) == DAY
        assert all(s["wall_s"] > 0 and s["cpu_s"] > 0 and s["load_before"] >= 0 for s in row["stages"].values())
        assert row["wall_s"] > 0
        assert row["cpu_s"] > 0
        # The generator's own count of what it changed: something in every dataset it sends again.
        assert row["changed_rows"] > 0
        assert set(row["changes"]) == CHANGED
        assert all(c["new"] + c["changed"] + c["vanished"] > 0 for c in row["changes"].values())
        assert row["changed_rows"] < row["delivered_rows"]  # full-extract regions send their whole state
        # The raw layer after the day: every raw table counted, and it grew (new records are always there).
        assert {"personnel", "training", "survey_responses", "load_audit"} <= set(row["raw_tables"])
        assert row["raw_rows"] > previous
        assert row["raw_growth_per_changed"] > 0
        assert row["raw_mb"] > 0
        previous = row["raw_rows"]
    # The last day's marts are their floor's too.
    assert days["marts_last_day"]
    assert days["mismatches_last_day"] == 0
    # Each day's files are dropped once loaded (the last day's stay); the regions' state carries on.
    run_dir = data / "pipeline-run" / "days"
    assert sorted(p.name for p in run_dir.glob("day-*")) == [f"day-{DAYS:02d}"]
    assert len(list((run_dir / "state").glob("*/personnel.parquet"))) == 5
    assert "marts equal to the floor after the last day" in stdout


def test_the_saved_figures_make_the_doc_section(run: tuple[dict, str, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    report, _, data = run
    spec = importlib.util.spec_from_file_location("pipeline_benchmark", SCRIPT)
    assert spec
    assert spec.loader
    pipeline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pipeline)
    doc = tmp_path / "benchmarks.md"
    monkeypatch.setattr(pipeline, "DOC", doc)
    pipeline.append_doc(report, data / "pipeline.json")
    text = doc.read_text()
    assert f"--days {DAYS}" in text
    day_rows = [line for line in text.splitlines() if line.startswith(tuple(f"| {n} | " for n in range(1, DAYS + 1)))]
    assert len(day_rows) == DAYS
    assert "Target last_days_vs_days_2_4" in text
