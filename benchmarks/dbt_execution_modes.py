"""How to run dbt inside the warehouse DAG: each candidate timed through real Airflow (dag.test()) on the sample.

Every candidate runs as the warehouse DAG would: gate_raw, then the dbt part, then gate_marts (which must be able to
open the build database, so a dbt runner that keeps DuckDB's lock shows up as a failed gate). Each run gets a fresh
copy of one sample build database holding the raw layer only (generated and ingested once, in --work), and runs in a
process of its own so peak memory is its own. Reports the dbt part's wall time (first dbt task start to last dbt task
end), the whole DAG run, the number of dbt tasks, peak memory (the run's process, and its largest child: a dbt
subprocess) and the load average before each run (other people share the machine). Asserts nothing about timing.
Each run's process builds its settings once from its environment and hands them to the DAG's tasks (as `make run`
does, asn_platform.orchestration.runtime.use_settings). `--work` defaults to bench/dbt-execution-modes in the data
folder of the settings (ASN_DATA_DIR, by default the project's data/).

    .venv/bin/python benchmarks/dbt_execution_modes.py                      # every candidate, twice
    .venv/bin/python benchmarks/dbt_execution_modes.py --only single watcher --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from asn_platform.core.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KEY = "benchmark-pseudonym-key"


def _cosmos(
    execution_mode: str, invocation_mode: str, test_behavior: str, note: str = ""
) -> tuple[str, dict[str, str]]:
    """A per-model cosmos candidate: its description and its dbt_task_group arguments."""
    modes = {"execution_mode": execution_mode, "invocation_mode": invocation_mode, "test_behavior": test_behavior}
    return f"cosmos {', '.join(value.upper() for value in modes.values())}{note}", modes


# name: (description, dbt_task_group arguments; "layers": dbt_layers; None: the single `dbt build` task, run_dbt)
CANDIDATES: dict[str, tuple[str, dict[str, str] | str | None]] = {
    "single": ("one task: dbt build through run_dbt (subprocess)", None),
    "after_each": _cosmos("local", "subprocess", "after_each"),
    "build": _cosmos("local", "subprocess", "build"),
    "dbt_runner": _cosmos("local", "dbt_runner", "build"),
    "watcher": _cosmos("watcher", "subprocess", "after_each", " (one dbt build, a sensor per model)"),
    "layers": ("cosmos DbtBuildLocalOperator per layer (seeds, staging, intermediate, marts), SUBPROCESS", "layers"),
    "after_all": _cosmos("local", "subprocess", "after_all"),
}

DAG_FILE = """
from airflow.sdk import dag, task

from asn_platform.orchestration.defaults import DEFAULT_ARGS, START_DATE
from asn_platform.orchestration.names import WRITER_POOL
from asn_platform.orchestration.runtime import get_settings

CONFIG = {config!r}


@dag(dag_id="bench", schedule=None, start_date=START_DATE, catchup=False, default_args=DEFAULT_ARGS)
def bench() -> None:
    @task(retries=0)
    def gate_raw() -> None:
        from asn_platform.orchestration.stages import gate_raw

        gate_raw(get_settings())

    @task(retries=0)
    def gate_marts() -> None:
        from asn_platform.orchestration.stages import gate_marts

        gate_marts(get_settings())

    if CONFIG is None:
        @task(pool=WRITER_POOL)
        def dbt_build() -> None:
            from asn_platform.orchestration.stages import build

            build(get_settings())

        dbt = dbt_build()
    elif CONFIG == "layers":
        from asn_platform.orchestration.cosmos import dbt_layers

        dbt = dbt_layers("dbt", pool=WRITER_POOL)
    else:
        from asn_platform.orchestration.cosmos import dbt_task_group

        dbt = dbt_task_group("dbt", pool=WRITER_POOL, **CONFIG)
    gate_raw() >> dbt >> gate_marts()


bench()
"""


def _environment(data_dir: Path, airflow_home: Path) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("ASN_")}
    return inherited | {
        "ASN_DATA_DIR": str(data_dir),
        "ASN_PSEUDONYM_KEY": KEY,
        # The sample's deliveries are dated 2026-11-01: judge freshness as `make run --sample` does.
        "ASN_AS_OF": "2026-11-01",
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "SCARF_ANALYTICS": "false",
    }


def prepare(work: Path) -> Path:
    """The raw-layer build database of the sample (generated and ingested once), and the dbt manifest."""
    raw = work / "raw.duckdb"
    env = _environment(work / "source", work / "airflow")
    if not raw.exists():
        python = sys.executable
        subprocess.run([python, "-m", "asn_platform", "generate", "--force"], env=env, cwd=PROJECT_ROOT, check=True)
        # Exit 1 means some delivery waits or was rejected (the API region's datasets are not fetched): still a
        # realistic raw layer for timing dbt.
        subprocess.run([python, "-m", "ingestion", "load", "--all"], env=env, cwd=PROJECT_ROOT, check=False)
        shutil.copy2(work / "source" / "warehouse" / "warehouse.duckdb", raw)
    subprocess.run([sys.executable, "-m", "asn_platform", "manifest"], env=env, cwd=PROJECT_ROOT, check=True)
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=env, capture_output=True, check=True)
    return raw


def run_candidate(name: str, raw: Path, work: Path, attempt: int) -> dict[str, object]:
    run_dir = work / "runs" / f"{name}-{attempt}"
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "data" / "warehouse").mkdir(parents=True)
    (run_dir / "dags").mkdir()
    shutil.copy2(raw, run_dir / "data" / "warehouse" / "warehouse.duckdb")
    (run_dir / "dags" / "bench.py").write_text(DAG_FILE.format(config=CANDIDATES[name][1]))
    env = _environment(run_dir / "data", work / "airflow") | {"AIRFLOW__CORE__DAGS_FOLDER": str(run_dir / "dags")}
    load = os.getloadavg()
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(run_dir / "dags")],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    (run_dir / "output.log").write_text(child.stdout + child.stderr)
    try:
        result = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result = {"state": f"crashed (exit {child.returncode}), see {run_dir / 'output.log'}"}
    return {"candidate": name, "attempt": attempt, "load_before": [round(value, 2) for value in load]} | result


def child(dags: Path, settings: Settings) -> None:
    """One DAG run in this process, as asn_platform.local.run runs the DAGs, its tasks with `settings`; the figures
    as one JSON line."""
    from airflow.dag_processing.dagbag import DagBag

    from asn_platform.local.run import failed_tasks, run_dag
    from asn_platform.orchestration.runtime import use_settings

    bag = DagBag(dag_folder=str(dags))
    if bag.import_errors:
        print(json.dumps({"state": f"import error: {bag.import_errors}"}))
        return
    rendered = time.perf_counter()
    with use_settings(settings):
        outcome, dag_run = run_dag(bag, "bench")
    instances = [ti for ti in dag_run.get_task_instances() if not ti.task_id.startswith("gate_")]
    started = [ti.start_date for ti in instances if ti.start_date]
    ended = [ti.end_date for ti in instances if ti.end_date]
    dbt_seconds = (max(ended) - min(started)).total_seconds() if started and ended else None
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "state": outcome.state,
                "failed": failed_tasks(dag_run),
                "dbt_tasks": len(instances),
                "dbt_seconds": round(dbt_seconds, 1) if dbt_seconds is not None else None,
                "dag_seconds": round(time.perf_counter() - rendered, 1),
                "peak_rss_mb": round(own),
                "peak_child_rss_mb": round(children),
            }
        )
    )


def table(results: list[dict[str, object]]) -> str:
    lines = [
        f"{'candidate':<11} {'try':>3} {'state':<8} {'tasks':>5} {'dbt s':>7} {'DAG s':>7} {'RSS MB':>7} "
        f"{'child MB':>8}  load avg (1, 5, 15 min)"
    ]
    for row in results:
        lines.append(
            f"{row['candidate']:<11} {row['attempt']:>3} {str(row['state'])[:8]:<8} {row.get('dbt_tasks', '-'):>5} "
            f"{row.get('dbt_seconds', '-')!s:>7} {row.get('dag_seconds', '-')!s:>7} {row.get('peak_rss_mb', '-')!s:>7} "
            f"{row.get('peak_child_rss_mb', '-')!s:>8}  {row['load_before']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, help="where to work (default <data folder>/bench/dbt-execution-modes)")
    parser.add_argument("--only", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="default: <work>/results.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = Settings.from_env()  # a run's child: the environment run_candidate gave it
    if args.child:
        child(args.child, settings)
        return
    work = (args.work or settings.data_dir / "bench" / "dbt-execution-modes").resolve()
    work.mkdir(parents=True, exist_ok=True)
    raw = prepare(work)
    results = []
    # Round-robin, so a burst of load from the machine's other users does not fall on one candidate only.
    for attempt in range(1, args.repeats + 1):
        for name in args.only:
            results.append(run_candidate(name, raw, work, attempt))
            print(table(results[-1:]).splitlines()[-1], flush=True)
    output = args.json or work / "results.json"
    output.write_text(json.dumps({"candidates": {k: v[0] for k, v in CANDIDATES.items()}, "runs": results}, indent=2))
    print()
    print(table(results))
    print(f"\nwritten to {output}")


if __name__ == "__main__":
    main()
