"""Running dbt: the one way the project does it, from the CLI, `make` and the DAGs alike.

dbt runs in its own process: dbt-duckdb keeps its DuckDB handle (and the file's write lock) until the process that
opened it ends, so a subprocess guarantees the lock is released for the steps after it. Results come from dbt's own
`run_results.json`, not from parsing its console output.
"""

from __future__ import annotations

import json
import os
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


class DbtFailed(RuntimeError):
    """dbt exited with an error; the message lists the failing models and tests with dbt's own words."""


@dataclass(frozen=True)
class DbtResult:
    args: tuple[str, ...]
    statuses: dict[str, int]
    elapsed_s: float


def dbt_paths(settings: Settings) -> tuple[Path, Path]:
    """dbt's target and log folders, beside the build database and out of the source tree."""
    base = settings.warehouse_dir / "dbt"
    return base / "target", base / "logs"


def dbt_environment(settings: Settings) -> dict[str, str]:
    target_path, log_path = dbt_paths(settings)
    return (
        os.environ
        | settings.dbt_env()
        | {
            "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
            "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
            "DBT_TARGET_PATH": str(target_path),
            "DBT_LOG_PATH": str(log_path),
        }
    )


def run_dbt(args: Sequence[str], settings: Settings, *, echo: bool = True) -> DbtResult:
    target_path, _ = dbt_paths(settings)
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
            statuses[status] = statuses.get(status, 0) + 1
            if status in {"error", "fail", "runtime error"}:
                failures.append(f"{result['unique_id']}: {status}: {(result.get('message') or '').strip()}")
    if process.returncode != 0:
        detail = "\n  ".join(failures) if failures else (process.stdout or "").strip()[-2000:] or "see the dbt log"
        raise DbtFailed(f"`dbt {' '.join(args)}` failed (exit {process.returncode}):\n  {detail}")
    return DbtResult(tuple(args), statuses, elapsed)
