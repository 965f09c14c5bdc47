"""A government server must not call home: every tool's telemetry is off unless an operator turns it on."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from asn_platform.core.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings
from asn_platform.core.telemetry import TELEMETRY_OPT_OUTS


def test_importing_the_package_turns_telemetry_off() -> None:
    # A clean environment: under `make test` the Makefile has already exported the same values.
    clean = {name: value for name, value in os.environ.items() if name not in TELEMETRY_OPT_OUTS}
    script = (
        "import json, os, asn_platform; from asn_platform.core.telemetry import TELEMETRY_OPT_OUTS as names; "
        "print(json.dumps({k: os.environ.get(k) for k in names}))"
    )
    shown = subprocess.run([sys.executable, "-c", script], env=clean, capture_output=True, text=True, check=True)
    assert json.loads(shown.stdout) == TELEMETRY_OPT_OUTS
    for name in ("DO_NOT_TRACK", "DBT_SEND_ANONYMOUS_USAGE_STATS", "GX_ANALYTICS_ENABLED",
                 "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED", "AIRFLOW__COSMOS__ENABLE_TELEMETRY"):  # fmt: skip
        assert name in TELEMETRY_OPT_OUTS


def test_an_operators_explicit_choice_wins() -> None:
    env = os.environ | {"GX_ANALYTICS_ENABLED": "True"}
    script = "import os, asn_platform; print(os.environ['GX_ANALYTICS_ENABLED'])"
    shown = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "True"


def test_dbt_project_disables_usage_stats_itself() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["flags"]["send_anonymous_usage_stats"] is False


def test_make_exports_the_same_opt_outs() -> None:
    # What a recipe sees, in an environment that has none of them: make reads them from telemetry.env.
    clean = {name: value for name, value in os.environ.items() if name not in TELEMETRY_OPT_OUTS}
    shown = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", "show-opt-outs: ; @env", "show-opt-outs"],
        cwd=PROJECT_ROOT, env=clean, capture_output=True, text=True, check=True,
    )  # fmt: skip
    exported = dict(line.split("=", 1) for line in shown.stdout.splitlines() if "=" in line)
    assert {name: exported.get(name) for name in TELEMETRY_OPT_OUTS} == TELEMETRY_OPT_OUTS


def test_no_dbt_hub_packages_are_declared() -> None:
    assert not (DBT_PROJECT_DIR / "packages.yml").exists()
    assert not (DBT_PROJECT_DIR / "dependencies.yml").exists()


def test_cosmos_dbt_gets_run_dbts_environment_and_the_opt_outs(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from asn_platform.orchestration.cosmos import cosmos_dbt_env

    monkeypatch.setenv("DO_NOT_TRACK", "yes")  # an operator's explicit value wins
    task = SimpleNamespace(env=None)
    cosmos_dbt_env({"task": task})
    assert task.env == settings.dbt_env() | TELEMETRY_OPT_OUTS | {"DO_NOT_TRACK": "yes"}
