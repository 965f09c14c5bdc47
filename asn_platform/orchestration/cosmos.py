"""The Airflow half of running dbt: the project as cosmos tasks, rendered from dbt's manifest, with the same profile
variables run_dbt gives dbt."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from asn_platform.core.settings import DBT_PROJECT_DIR
from asn_platform.core.telemetry import TELEMETRY_OPT_OUTS
from asn_platform.orchestration.runtime import get_settings
from asn_platform.transform.dbt import (
    DBT_EXECUTABLE,
    PIPELINE_EXCLUDES,
    PROFILE_NAME,
    PROFILES_YML,
    TARGET_NAME,
    DbtFailed,
    cosmos_partial_parse_dir,
)
from asn_platform.transform.manifest import DBT_LAYERS, check_layer_order, require_manifest


def _profile_config() -> Any:
    """The committed profile, which reads its paths and key from the environment cosmos_dbt_env sets."""
    from cosmos import ProfileConfig

    return ProfileConfig(profile_name=PROFILE_NAME, target_name=TARGET_NAME, profiles_yml_filepath=PROFILES_YML)


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
        profile_config=_profile_config(),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode(execution_mode),
            invocation_mode=InvocationMode(invocation_mode),
            dbt_executable_path=str(DBT_EXECUTABLE),
        ),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior(test_behavior)),
        operator_args=operator_args,
    )


def dbt_layers(group_id: str, *, pool: str | None = None, execution_timeout: timedelta | None = None) -> Any:
    """The dbt project as one `dbt build` per layer (cosmos DbtBuildLocalOperator, subprocess), in order: a few
    dbt processes instead of one per model (docs/dbt-in-airflow.md). `--indirect-selection buildable` runs a test
    in the first layer where all its parents are built or already upstream."""
    from airflow.sdk import TaskGroup
    from cosmos import InvocationMode
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
                command = f"dbt build --select {' '.join(self.select)} {' '.join(PIPELINE_EXCLUDES)}"
                raise DbtFailed(f"`{command}` failed (exit {result.exit_code}):\n  {detail}")
            super().handle_exception_subprocess(result)

    check_layer_order(require_manifest())
    extra: dict[str, Any] = {"pool": pool} if pool else {}
    if execution_timeout is not None:
        extra["execution_timeout"] = execution_timeout
    # Each layer's dbt parses from the partial-parse file the one before it left (cosmos's cache, kept in run_dbt's
    # target folder, where the reports' `dbt docs generate` finds it too), not the whole project again: without a
    # cache_dir cosmos starts every layer from an empty target folder (a full parse, ~7 s, four times).
    cache_dir = cosmos_partial_parse_dir(get_settings())
    with TaskGroup(group_id) as group:
        previous = None
        for name, selector in DBT_LAYERS.items():
            build = LayerBuild(
                task_id=name,
                project_dir=str(DBT_PROJECT_DIR),
                profile_config=_profile_config(),
                dbt_executable_path=str(DBT_EXECUTABLE),
                invocation_mode=InvocationMode.SUBPROCESS,
                select=[selector],
                indirect_selection="buildable",
                dbt_cmd_flags=list(PIPELINE_EXCLUDES),
                install_deps=False,
                # No Airflow Asset per dbt model: nothing is scheduled on them (publish emits the published
                # warehouse), and cosmos's OpenLineage URIs only draw warnings from Airflow 3.
                emit_datasets=False,
                pre_execute=cosmos_dbt_env,
                cache_dir=cache_dir,
                **extra,
            )
            if previous is not None:
                previous >> build
            previous = build
    return group
