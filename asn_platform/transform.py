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
from typing import Any

from asn_platform import TELEMETRY_OPT_OUTS
from asn_platform.settings import DBT_PROJECT_DIR, Settings, get_settings


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


def run_dbt(args: Sequence[str], settings: Settings | None = None, *, echo: bool = True) -> DbtResult:
    settings = settings or get_settings()
    target_path, _ = dbt_paths(settings)
    results_file = target_path / "run_results.json"
    results_file.unlink(missing_ok=True)
    executable = Path(sys.executable).with_name("dbt")
    command = [str(executable), *args]
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


# --- The dbt manifest and the Airflow side (astronomer-cosmos) -------------------------------------------------------
# The warehouse DAG is rendered from dbt's manifest (cosmos LoadMode.DBT_MANIFEST): parsing a DAG file must not run
# dbt. The manifest describes the code, not the data, so it lives in the project (ignored by git), not the data dir.
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
# What a manifest is built from: a newer file among these makes it stale.
_MANIFEST_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "snapshots")


class ManifestMissing(RuntimeError):
    """The DAG file needs dbt's manifest and it is not there; the message names the command that writes it."""


def manifest_is_stale(manifest: Path = MANIFEST_PATH) -> bool:
    """True when the manifest is missing or older than any file of the dbt project it describes."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for name in _MANIFEST_INPUTS:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        if any(file.is_file() and file.stat().st_mtime > built for file in files):
            return True
    return False


def ensure_manifest(settings: Settings | None = None, *, echo: bool = False) -> Path:
    """Write dbt_project/target/manifest.json with `dbt parse` (through run_dbt) unless it is up to date.

    `dbt parse` needs no database and no loaded seeds (only compiling does), so this runs before anything is loaded:
    `make run`, `make test` and the tests call it before Airflow parses the DAGs."""
    if manifest_is_stale():
        run_dbt(["parse", "--target-path", str(MANIFEST_PATH.parent)], settings, echo=echo)
    return MANIFEST_PATH


def require_manifest() -> Path:
    """The manifest for a DAG file: absent, the DAG fails to import with the command that writes it (a DAG file does
    not run dbt while the scheduler parses it). A stale one still renders: dbt itself runs the current code."""
    if not MANIFEST_PATH.exists():
        raise ManifestMissing(
            f"{MANIFEST_PATH} is missing: run `.venv/bin/python -m asn_platform dbt parse --target-path "
            f"{MANIFEST_PATH.parent}` (or `make manifest`) before Airflow parses the DAGs"
        )
    return MANIFEST_PATH


def cosmos_dbt_env(context: Any) -> None:
    """Cosmos operators' pre_execute hook: the same profile variables run_dbt gives dbt (settings.dbt_env()), set
    when the task runs. Set at parse time they would sit in the serialised DAG and its rendered fields, pseudonym key
    included; here they reach only the dbt process, and the key is masked in the task log."""
    from airflow.sdk.log import mask_secret

    # The package's telemetry opt-outs (an operator's explicit value wins, as on import): cosmos starts dbt itself.
    opt_outs = {name: os.environ.get(name, value) for name, value in TELEMETRY_OPT_OUTS.items()}
    environment = get_settings().dbt_env() | opt_outs
    mask_secret(environment["ASN_PSEUDONYM_KEY"])
    context["task"].env = environment


def dbt_task_group(
    group_id: str,
    *,
    execution_mode: str = "local",
    invocation_mode: str = "subprocess",
    test_behavior: str = "after_each",
    pool: str | None = None,
) -> Any:
    """The dbt project as an Airflow task group (cosmos DbtTaskGroup), rendered from the manifest. Called inside a
    DAG, whose default_args (retries) its tasks inherit; the modes are cosmos's enum values by name, so the benchmark
    renders every candidate the same way."""
    from cosmos import (
        DbtTaskGroup,
        ExecutionConfig,
        ExecutionMode,
        InvocationMode,
        LoadMode,
        ProfileConfig,
        ProjectConfig,
        RenderConfig,
        TestBehavior,
    )

    operator_args: dict[str, Any] = {
        "pre_execute": cosmos_dbt_env,
        "install_deps": False,  # no packages.yml: nothing to install, and no network
    }
    if pool:
        operator_args["pool"] = pool
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR, manifest_path=require_manifest(), install_dbt_deps=False
        ),
        # The committed profile, which reads its paths and key from the environment cosmos_dbt_env sets.
        profile_config=ProfileConfig(
            profile_name="asn", target_name="duckdb", profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml"
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode(execution_mode),
            invocation_mode=InvocationMode(invocation_mode),
            dbt_executable_path=str(Path(sys.executable).with_name("dbt")),
        ),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior(test_behavior)),
        operator_args=operator_args,
    )


# The project's layers in build order, each a dbt selector: seeds first (a macro reads one when models compile).
DBT_LAYERS = {
    "seeds": "resource_type:seed",
    "staging": "path:models/staging",
    "intermediate": "path:models/intermediate",
    "marts": "path:models/marts",
}


def check_layer_order(manifest: Path) -> None:
    """Raise if a node depends on a node of a later layer, or if a model or seed belongs to no layer: the layered
    DAG would then build it out of order, or not at all."""
    nodes = json.loads(manifest.read_text())["nodes"]

    def layer(node: dict[str, Any]) -> int | None:
        if node["resource_type"] == "seed":
            return 0
        top = Path(node["original_file_path"]).parts[:2]
        return {("models", "staging"): 1, ("models", "intermediate"): 2, ("models", "marts"): 3}.get(tuple(top))

    for unique_id, node in nodes.items():
        if node["resource_type"] not in {"model", "seed"}:
            continue
        own = layer(node)
        if own is None:
            raise ValueError(f"{unique_id} ({node['original_file_path']}) is in no layer of DBT_LAYERS")
        for parent in node.get("depends_on", {}).get("nodes", []):
            parent_layer = layer(nodes[parent]) if parent in nodes else 0
            if parent_layer is not None and parent_layer > own:
                raise ValueError(f"{unique_id} depends on {parent}, a later layer: DBT_LAYERS would build it first")


def dbt_layers(group_id: str, *, pool: str | None = None) -> Any:
    """The dbt project as one `dbt build` per layer (cosmos DbtBuildLocalOperator, subprocess), in order: a few
    dbt processes instead of one per model (docs/dbt-in-airflow.md). `--indirect-selection buildable` runs a test
    in the first layer where all its parents are built or already upstream."""
    from airflow.sdk import TaskGroup
    from cosmos import InvocationMode, ProfileConfig
    from cosmos.operators.local import DbtBuildLocalOperator

    class LayerBuild(DbtBuildLocalOperator):  # type: ignore[misc]
        """Cosmos's `dbt build` whose failure names the failing models and tests, as run_dbt's DbtFailed does
        (cosmos says only "non-zero exit code"), read from the run's run_results.json before cosmos deletes it."""

        failures: tuple[str, ...] = ()

        def _handle_post_execution(self, tmp_project_dir: str, *args: Any, **kwargs: Any) -> None:
            results = Path(tmp_project_dir) / "target" / "run_results.json"
            failures = []
            if results.exists():
                for result in json.loads(results.read_text()).get("results", []):
                    if str(result.get("status")) in {"error", "fail", "runtime error"}:
                        message = (result.get("message") or "").strip()
                        failures.append(f"{result['unique_id']}: {result['status']}: {message}")
            self.failures = tuple(failures)
            super()._handle_post_execution(tmp_project_dir, *args, **kwargs)

        def handle_exception_subprocess(self, result: Any) -> None:
            if result.exit_code != 0:
                detail = "\n  ".join(self.failures) or "see the dbt output above"
                command = f"dbt build --select {' '.join(self.select)}"
                raise DbtFailed(f"`{command}` failed (exit {result.exit_code}):\n  {detail}")
            super().handle_exception_subprocess(result)

    check_layer_order(require_manifest())
    extra: dict[str, Any] = {"pool": pool} if pool else {}
    with TaskGroup(group_id) as group:
        previous = None
        for name, selector in DBT_LAYERS.items():
            build = LayerBuild(
                task_id=name,
                project_dir=str(DBT_PROJECT_DIR),
                profile_config=ProfileConfig(
                    profile_name="asn", target_name="duckdb", profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml"
                ),
                dbt_executable_path=str(Path(sys.executable).with_name("dbt")),
                invocation_mode=InvocationMode.SUBPROCESS,
                select=[selector],
                indirect_selection="buildable",
                install_deps=False,
                # No Airflow Asset per dbt model: nothing is scheduled on them (publish emits the published
                # warehouse), and cosmos's OpenLineage URIs only draw warnings from Airflow 3.
                emit_datasets=False,
                pre_execute=cosmos_dbt_env,
                **extra,
            )
            if previous is not None:
                previous >> build
            previous = build
    return group
