"""Running dbt: the one way the project does it, from the CLI, `make` and the DAGs alike.

dbt runs in its own process: dbt-duckdb keeps its DuckDB handle (and the file's write lock) until the process that
opened it ends, so a subprocess guarantees the lock is released for the steps after it. Results come from dbt's own
`run_results.json`, not from parsing its console output.

Each dbt process parses the project before it runs anything: ~7 s for a full parse on the project's 2-core machine,
~4 s from the `partial_parse.msgpack` an earlier parse left in the target folder (dbt re-reads only what changed, and
parses fully if the file was written for another profile, vars or dbt version). The target folder beside the build
database is shared by every dbt invocation of a build: `run_dbt`, and the warehouse DAG's cosmos layers (its
`cosmos_partial_parse_dir`), so the manifest is parsed once and then only updated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn_platform.core.settings import DBT_PROJECT_DIR, Settings

# The one dbt the project runs (the environment's own), and the committed profile it runs with.
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
PROFILES_YML = DBT_PROJECT_DIR / "profiles.yml"
PROFILE_NAME = "asn"
TARGET_NAME = "duckdb"
# What the pipeline's builds leave out: unit tests check the models' SQL on fixed inputs, not the day's data, so
# they run where the SQL changes (`make test`: tests/integration/test_warehouse_stages.py runs
# `dbt test --select test_type:unit`), not in every morning's build (~3 s of a 15 s regional build, dbt's own
# run_results). dbt's data tests still run in every build.
PIPELINE_EXCLUDES = ("--exclude-resource-type", "unit_test")


class DbtFailed(RuntimeError):
    """dbt exited with an error; the message lists the failing models and tests with dbt's own words."""


@dataclass(frozen=True)
class DbtResult:
    args: tuple[str, ...]
    statuses: dict[str, int]
    elapsed_s: float


# dbt's partial-parse state, in a target folder; `make manifest` (dbt parse) leaves one in the project's.
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
PROJECT_PARTIAL_PARSE = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE_FILE


def dbt_paths(settings: Settings) -> tuple[Path, Path]:
    """dbt's target and log folders, beside the build database and out of the source tree."""
    base = settings.warehouse_dir / "dbt"
    return base / "target", base / "logs"


def cosmos_partial_parse_dir(settings: Settings) -> Path:
    """The folder to give cosmos's dbt operators as their `cache_dir`: cosmos keeps the partial-parse file in its
    `target/`, which is `run_dbt`'s target folder, so the DAG's dbt tasks and `run_dbt` parse from one file."""
    return dbt_paths(settings)[0].parent


def seed_partial_parse(target_path: Path) -> None:
    """A target folder without a partial-parse file (a new build database) starts from the project's, which
    `make manifest` wrote: dbt then parses only what changed since, or everything if that file does not fit (another
    warehouse path in the profile, another dbt). A folder with its own file keeps it."""
    own = target_path / PARTIAL_PARSE_FILE
    if not own.exists() and PROJECT_PARTIAL_PARSE.is_file():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT_PARTIAL_PARSE, own)


def dbt_environment(settings: Settings) -> dict[str, str]:
    target_path, log_path = dbt_paths(settings)
    return (
        os.environ
        | settings.dbt_env()
        | {
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
            # Named as cosmos names them (--profile, --target): dbt keeps a partial parse only for the same ones.
            "DBT_PROFILE": PROFILE_NAME,
            "DBT_TARGET": TARGET_NAME,
            "DBT_TARGET_PATH": str(target_path),
            "DBT_LOG_PATH": str(log_path),
        }
    )


def run_dbt(args: Sequence[str], settings: Settings, *, echo: bool = True) -> DbtResult:
    target_path, _ = dbt_paths(settings)
    seed_partial_parse(target_path)
    results_file = target_path / "run_results.json"
    results_file.unlink(missing_ok=True)
    command = [str(DBT_EXECUTABLE), *args]
    process = subprocess.run(
        command,
        env=dbt_environment(settings),
        cwd=DBT_PROJECT_DIR,
        stdout=None if echo else subprocess.PIPE,
        stderr=subprocess.STDOUT if not echo else None,
        text=True,
        check=False,
    )
    statuses: dict[str, int] = {}
    failures: list[str] = []
    elapsed = 0.0
    if results_file.exists():
        results = json.loads(results_file.read_text())
        elapsed = float(results.get("elapsed_time") or 0.0)
        for result in results.get("results", []):
            status = str(result.get("status"))
            if not (str(result.get("unique_id", "")).startswith("operation.") and status == "success"):
                statuses[status] = statuses.get(status, 0) + 1  # the nodes run; a project hook only when it failed
            if status in {"error", "fail", "runtime error"}:
                failures.append(f"{result['unique_id']}: {status}: {(result.get('message') or '').strip()}")
    if process.returncode != 0:
        detail = "\n  ".join(failures) if failures else (process.stdout or "").strip()[-2000:] or "see the dbt log"
        raise DbtFailed(f"`dbt {' '.join(args)}` failed (exit {process.returncode}):\n  {detail}")
    return DbtResult(tuple(args), statuses, elapsed)
