"""benchmarks/startup.py runs its probes in fresh processes and reports them (figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from asn_platform.core.settings import PROJECT_ROOT


def test_the_startup_benchmark_reports_each_probe_and_what_it_imported(tmp_path: Path) -> None:
    out = tmp_path / "startup.json"
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "startup.py"), "--runs", "2", "--json", str(out),
         "--only", "ingest", "raw_gate", "publish", "--work", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(out.read_text())
    probes = {row["probe"]: row for row in report["probes"]}
    assert list(probes) == ["ingest", "raw_gate", "publish"]
    for row in probes.values():
        assert len(row["runs"]) == 2
        assert row["wall_s"] == min(run["wall_s"] for run in row["runs"]) > 0
        assert row["cpu_s"] > 0
        assert row["load_1min"] >= 0
        assert row["label"] in done.stdout  # the printed table
    # Loading deliveries and gating never import Great Expectations (expectation_types.json checks the suites).
    assert [row["great_expectations_imported"] for row in probes.values()] == [False, False, False]
