"""The benchmark scripts run end to end at a tiny scale and report what they promise (figures are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asn_platform.core.settings import MART_SCHEMAS, PROJECT_ROOT
from asn_platform.serving.publish import RESTRICTED_SCHEMAS

# Benchmark smoke runs: whole benchmark scripts on small data, minutes each (left out of make test-fast).
pytestmark = pytest.mark.slow


def test_ingestion_benchmark_reports_every_format_beside_duckdb(tmp_path: Path) -> None:
    out = tmp_path / "ingestion.json"
    script = PROJECT_ROOT / "benchmarks" / "ingestion_throughput.py"
    done = subprocess.run(
        [sys.executable, str(script), "--scale", "0.002", "--out", str(tmp_path), "--json", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    rows = {row["format"]: row for row in report["formats"]}
    assert set(rows) == {"csv", "csv.gz", "jsonl", "xlsx", "all CSV", "all"}
    assert report["status"] == {"loaded": rows["all"]["files"]}  # every delivery loaded
    assert rows["all"]["rows"] == sum(rows[name]["rows"] for name in ("csv", "csv.gz", "jsonl", "xlsx"))
    assert all(row["floor_mb_s"] > 0 and row["ingest_mb_s"] > 0 for row in rows.values())
    # CPU seconds on both sides, each process's own around each file: the ratio the target is read on.
    assert all(row["floor_cpu_s"] > 0 and row["ingest_cpu_s"] > 0 and row["cpu_ratio"] > 0 for row in rows.values())
    assert isinstance(report["target"]["met"], bool)
    assert 0 < report["peak_rss_mb"]["ingest"] < 6_000
    assert "target ingestion >= 0.6x read_csv on CSV in CPU seconds" in done.stdout
    assert list(tmp_path.glob("asn-ingest-bench-*")) == []  # deleted unless --keep


def test_dbt_build_floor_benchmark_reports_figures_and_marts_equal_to_the_floor(tmp_path: Path) -> None:
    out = tmp_path / "floor.json"
    script = PROJECT_ROOT / "benchmarks" / "dbt_build_floor.py"
    done = subprocess.run(
        [sys.executable, str(script), "--scale", "0.002", "--out", str(tmp_path), "--json", str(out)],
        capture_output=True, text=True, timeout=900, check=False,
        env=os.environ | {"ASN_PSEUDONYM_KEY": "benchmark-smoke-key"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads(out.read_text())
    # The real assertion: every mart dbt builds equals the hand-written floor's (columns, rows, checksums).
    assert report["mismatches"] == 0
    assert {row["table"].split(".")[0] for row in report["marts"]} == {*MART_SCHEMAS, *RESTRICTED_SCHEMAS}
    assert all(not row["problems"] and row["rows"] > 0 for row in report["marts"])
    assert set(report["phases"]) == {"build", "run", "floor", "quality"}
    gates = report["phases"]["quality"]["stages"]
    assert set(gates) == {"raw", "marts"}
    assert gates["raw"]["errors"] == gates["marts"]["errors"] == []  # the generated data passes every gate
    assert gates["marts"]["checks"] > 100
    assert {suite["suite"] for suite in gates["raw"]["suites"]} >= {"raw.load_audit", "raw.personnel"}
    assert 0 < report["quality_share_of_build"] < 1
    assert all(phase["wall_s"] > 0 and phase["peak_rss_mb"] > 0 for phase in report["phases"].values())
    assert report["build_nodes"]
    assert report["floor_statements"]
    assert report["machine"]["duckdb"]
    assert "ratio dbt build / floor" in done.stdout
    assert "target dbt build within 2x of the floor" in done.stdout
    assert "target data-quality gates at most 25% of dbt build" in done.stdout
    assert f"mismatches: 0 of {len(report['marts'])} marts" in done.stdout
    assert list(tmp_path.glob("asn-dbt-floor-*")) == []  # deleted unless --keep
