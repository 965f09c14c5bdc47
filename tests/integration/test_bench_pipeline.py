"""The whole-pipeline benchmark runs end to end on the sample scale and reports what it promises (figures are not
asserted: timings on a shared machine mean nothing to a test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asn_platform.core.settings import PROJECT_ROOT

# A benchmark smoke run: the whole pipeline benchmark on the sample, minutes (left out of make test-fast).
pytestmark = pytest.mark.slow

STAGES = {"generate", "fetch", "ingest", "delivery_dq", "raw_gate", "dbt_build", "marts_gate", "publish", "reports"}
INCREMENTAL = {"incremental_generate", "ingest", "raw_gate", "dbt_build", "marts_gate", "publish"}


def test_pipeline_benchmark_reports_every_stage_beside_the_floor(tmp_path: Path) -> None:
    out, data = tmp_path / "pipeline.json", tmp_path / "data"
    script = PROJECT_ROOT / "benchmarks" / "pipeline.py"
    done = subprocess.run(
        [sys.executable, str(script), "--scale", "sample", "--data", str(data), "--json", str(out)],
        capture_output=True, text=True, timeout=1500, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("ASN_")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    stages = {row["stage"]: row for row in report["stages"]}
    assert set(stages) == STAGES
    # Generated in this run (the folder was empty), so every stage did work and was timed.
    assert all(row["wall_s"] > 0 and row["rows"] > 0 and row["peak_rss_mb"] > 0 for row in stages.values())
    assert {name for name, row in stages.items() if row["ratio_to_floor"]} == {"ingest", "dbt_build", "publish"}
    assert report["floor_s"] > 0
    assert report["ratio_pipeline_to_floor"] > 0
    # Every mart dbt builds equals the hand-written floor's (columns, rows, checksums), the restricted tier's too.
    assert report["mismatches"] == 0
    tables = {row["table"] for row in report["marts"]}
    assert {"service_quality.survey_suggestions", "restricted.employee_identity"} <= tables
    assert all(row["rows"] > 0 for row in report["marts"] if row["table"] != "placement.movements")
    incremental = {row["stage"]: row for row in report["incremental"]["stages"]}
    assert set(incremental) == INCREMENTAL
    assert all(row["wall_s"] > 0 for row in incremental.values())
    assert report["incremental"]["share_of_full"] > 0
    assert set(report["targets"]) == {
        "ingestion_vs_read_csv",
        "pipeline_vs_floor",
        "incremental_vs_full",
        "peak_memory",
    }
    assert all(isinstance(target["met"], bool) for target in report["targets"].values())
    machine = report["machine"]
    assert machine["cores"]
    assert machine["memory_gib"]
    assert machine["duckdb"]
    assert machine["airflow"]
    assert "whole pipeline" in done.stdout
    assert "target pipeline_vs_floor" in done.stdout
    # The deliveries stay for the next run; what the run wrote is beside them.
    assert (data / "landing").is_dir()
    assert (data / "pipeline-run" / "published").is_dir()
