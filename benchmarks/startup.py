"""Start-up cost of each pipeline stage's entry point: what a fresh process pays before its first row.

Each probe runs in a fresh process (as `benchmarks/pipeline.py` and the scheduler's task processes run a stage),
`--runs` times (default 3); the table shows the best run by wall time, its CPU seconds (user + system, of the
process and any child it waited for) and the 1-minute load average just before it (other people share the machine:
a high load makes every figure worse). Nothing is asserted; nothing touches the data folder (a scratch folder is used).

- ingest: `orchestration.stages` imported (what the ingestion DAG's task imports: ingestion, the quality runner,
  dbt's runner) and every delivery suite loaded, as `ingestion/load.py` loads one per delivery;
- raw gate / marts gate: the same import and `suites_for_stage` of the stage;
- dbt start: the dbt process `dbt build` (and every cosmos layer, and the reports' `dbt docs generate`) starts: its
  imports, project and profile, the manifest (partial parse from the previous run's `partial_parse.msgpack`, or a
  full parse without it), up to the first node: timed as a `dbt build` selecting nothing;
- publish: `serving.publish` imported and the marts suites' tables read (publishing's audit needs them);
- reports: `reports.site` and the Data Docs' renderer imported (every reports run builds the Data Docs);
- Airflow task: what each task process under the scheduler pays first, parsing its DAG file (here the warehouse
  DAG, cosmos included); `make run` pays it once for all DAGs (`dag.test()` runs every task in one process).

    .venv/bin/python benchmarks/startup.py                    # every probe, best of 3
    .venv/bin/python benchmarks/startup.py --json startup.json --runs 5 --only ingest raw_gate
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn_platform.core.console import text_table
from asn_platform.core.settings import DAGS_DIR, DBT_PROJECT_DIR, Settings
from asn_platform.transform.dbt import DBT_EXECUTABLE, dbt_environment, dbt_paths

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KEY = "startup-benchmark-pseudonym-key"
# A dbt selector no node matches: dbt starts, loads the project, parses, finds nothing to run and ends.
NOTHING = "tag:asn_startup_probe_selects_nothing"

# What each Python probe reports on its last line: whether Great Expectations was imported, and how many modules.
_REPORT = (
    "import json, sys; print(json.dumps({'gx': 'great_expectations' in sys.modules, 'modules': len(sys.modules)}))"
)

_GATE = """
from asn_platform.orchestration.stages import gate
from asn_platform.quality import suites_for_stage
suites_for_stage({stage!r})
"""

PYTHON_PROBES = {
    "ingest": """
from asn_platform.core.settings import EXPECTATIONS_DIR
from asn_platform.orchestration.stages import ingest
from asn_platform.quality import load_suite
for path in sorted((EXPECTATIONS_DIR / "delivery").glob("*.yml")):
    load_suite(path)
""",
    "raw_gate": _GATE.format(stage="raw"),
    "marts_gate": _GATE.format(stage="marts"),
    "publish": """
from asn_platform.quality.suites import suite_tables
from asn_platform.serving.publish import publish
suite_tables("marts")
""",
    "reports": """
from asn_platform.reports.site import build_site
from asn_platform.reports.data_docs import build_data_docs
""",
    "airflow_task": f"""
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={str(DAGS_DIR / "asn_warehouse.py")!r})
assert not bag.import_errors, bag.import_errors
""",
}

LABELS = {
    "ingest": "ingest: import + delivery suites",
    "raw_gate": "raw gate: import + suites",
    "dbt_start": "dbt build's dbt start (partial parse)",
    "dbt_start_full_parse": "dbt start, full parse",
    "marts_gate": "marts gate: import + suites",
    "publish": "publish: import + marts tables",
    "reports": "reports: import (Data Docs renderer)",
    "airflow_task": "Airflow task: parse asn_warehouse.py",
}
PROBES = tuple(LABELS)


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    load: float
    gx: bool | None
    modules: int | None


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds (the process and the children it waited for) of one command, and its output."""
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        output.seek(0)
        text = output.read()
    if code := os.waitstatus_to_exitcode(status):
        raise SystemExit(f"`{' '.join(command)[:200]}` failed (exit {code}):\n{text[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, text


def _python_probe(code: str, env: dict[str, str]) -> Run:
    load = os.getloadavg()[0]
    wall, cpu, text = _timed([sys.executable, "-c", f"{code}\n{_REPORT}"], env, PROJECT_ROOT)
    report = json.loads(text.strip().splitlines()[-1])
    return Run(wall, cpu, load, report["gx"], report["modules"])


def _dbt_probe(settings: Settings, *, full_parse: bool) -> Run:
    target, _ = dbt_paths(settings)
    if full_parse:
        (target / "partial_parse.msgpack").unlink(missing_ok=True)
    load = os.getloadavg()[0]
    wall, cpu, text = _timed(
        [str(DBT_EXECUTABLE), "build", "--select", NOTHING], dbt_environment(settings), DBT_PROJECT_DIR
    )
    if "does not match any enabled nodes" not in text:
        raise SystemExit(f"dbt ran something or failed to start:\n{text[-2000:]}")
    if not full_parse and "Unable to do partial parsing" in text:
        raise SystemExit(f"dbt did not parse partially where it should have:\n{text[-2000:]}")
    return Run(wall, cpu, load, None, None)


def measure(probes: tuple[str, ...], runs: int, work: Path, progress: Callable[[str], None] = print) -> list[dict]:
    env = os.environ | {
        "ASN_DATA_DIR": str(work / "data"),
        "AIRFLOW_HOME": str(work / "airflow"),
        "ASN_PSEUDONYM_KEY": KEY,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
    for name in ("ASN_WAREHOUSE_DIR", "ASN_REPORTS_DIR", "ASN_PUBLISHED_DIR", "ASN_LANDING_DIR"):
        env.pop(name, None)
    settings = Settings.from_env(env)
    settings.ensure_dirs()
    if any(name.startswith("dbt_start") for name in probes):
        # The partial-parse runs start from what a previous run left, as every build but the first does.
        _dbt_probe(settings, full_parse=True)
    if "airflow_task" in probes:
        # The DAG file renders dbt from the manifest; written (dbt parse) only if the project changed.
        from asn_platform.transform.manifest import ensure_manifest

        ensure_manifest(settings)
    rows = []
    for name in probes:
        measured = []
        for _ in range(runs):
            if name.startswith("dbt_start"):
                measured.append(_dbt_probe(settings, full_parse=name == "dbt_start_full_parse"))
            else:
                measured.append(_python_probe(PYTHON_PROBES[name], env))
        best = min(measured, key=lambda run: run.wall_s)
        row = {
            "probe": name,
            "label": LABELS[name],
            "wall_s": round(best.wall_s, 2),
            "cpu_s": round(best.cpu_s, 2),
            "load_1min": round(best.load, 2),
            "great_expectations_imported": best.gx,
            "modules": best.modules,
            "runs": [
                {"wall_s": round(r.wall_s, 2), "cpu_s": round(r.cpu_s, 2), "load_1min": round(r.load, 2)}
                for r in measured
            ],
        }
        rows.append(row)
        progress(f"   {row['label']}: {row['wall_s']:.2f} s wall, {row['cpu_s']:.2f} s CPU (load {row['load_1min']})")
    return rows


def _table(rows: list[dict]) -> str:
    def gx(value: bool | None) -> str:
        return "" if value is None else "yes" if value else "no"

    return text_table(
        ("stage entry point", "wall s", "CPU s", "load (1 min)", "GX imported", "modules"),
        [
            (
                row["label"],
                f"{row['wall_s']:.2f}",
                f"{row['cpu_s']:.2f}",
                f"{row['load_1min']:.2f}",
                gx(row["great_expectations_imported"]),
                row["modules"] or "",
            )
            for row in rows
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per probe; the best is shown (3)")
    parser.add_argument("--only", nargs="+", choices=PROBES, help="these probes only (default: every one)")
    parser.add_argument("--json", type=Path, help="also write the figures (every run's) to this file")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, deleted after)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    probes = tuple(args.only or PROBES)
    work = args.work or Path(tempfile.mkdtemp(prefix="asn-startup-"))
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    print(f"==> start-up of each stage's entry point, best of {args.runs} fresh processes ({started})")
    try:
        rows = measure(probes, args.runs, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(_table(rows))
    bytecode = "not written (PYTHONDONTWRITEBYTECODE)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "cached"
    print(f"==> Python {platform.python_version()}, {os.cpu_count()} CPUs; the project's own bytecode {bytecode}")
    if args.json:
        report = {"started": started, "runs": args.runs, "cpus": os.cpu_count(), "probes": rows,
                  "pythondontwritebytecode": bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))}  # fmt: skip
        args.json.write_text(json.dumps(report, indent=2))
        print(f"==> figures in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
