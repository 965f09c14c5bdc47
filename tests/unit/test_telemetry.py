"""A government server must not call home: every tool's telemetry is off unless an operator turns it on."""

import os

import yaml

import asn_platform
from asn_platform.settings import DBT_PROJECT_DIR, PROJECT_ROOT


def test_importing_the_package_turns_telemetry_off() -> None:
    for name in ("DO_NOT_TRACK", "DBT_SEND_ANONYMOUS_USAGE_STATS", "GX_ANALYTICS_ENABLED",
                 "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED", "AIRFLOW__COSMOS__ENABLE_TELEMETRY"):  # fmt: skip
        assert name in asn_platform.TELEMETRY_OPT_OUTS
        assert os.environ[name].lower() in {"1", "false"}


def test_dbt_project_disables_usage_stats_itself() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["flags"]["send_anonymous_usage_stats"] is False


def test_makefile_exports_the_same_opt_outs() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for name, value in asn_platform.TELEMETRY_OPT_OUTS.items():
        assert f"export {name} := {value}" in makefile


def test_no_dbt_hub_packages_are_declared() -> None:
    assert not (DBT_PROJECT_DIR / "packages.yml").exists()
    assert not (DBT_PROJECT_DIR / "dependencies.yml").exists()
