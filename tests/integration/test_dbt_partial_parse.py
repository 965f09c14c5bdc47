"""dbt parses the project once per build database: later invocations (run_dbt, the warehouse DAG's cosmos layers)
start from the partial-parse file the previous one left, and a new build database from the one `make manifest` left."""

from pathlib import Path

import pytest

from asn_platform.core.settings import DAGS_DIR, Settings
from asn_platform.transform import dbt
from asn_platform.transform.dbt import (
    PARTIAL_PARSE_FILE,
    PROFILE_NAME,
    TARGET_NAME,
    cosmos_partial_parse_dir,
    dbt_paths,
    run_dbt,
)


def _parses(settings: Settings) -> list[str]:
    """How each dbt invocation logged so far parsed the project: "full" or "partial", in order."""
    _, logs = dbt_paths(settings)
    lines = (logs / "dbt.log").read_text(encoding="utf-8").splitlines()
    return [
        "full" if "Unable to do partial parsing" in line else "partial"
        for line in lines
        if "Unable to do partial parsing" in line or "Partial parsing enabled:" in line
    ]


def test_a_new_build_database_starts_from_the_partial_parse_make_manifest_left(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `make manifest`: dbt parse into the project's target folder (here one of the test's), with this build
    # database's profile.
    project_target = tmp_path / "project-target"
    monkeypatch.setattr(dbt, "PROJECT_PARTIAL_PARSE", project_target / PARTIAL_PARSE_FILE)
    run_dbt(["parse", "--target-path", str(project_target)], settings, echo=False)
    assert _parses(settings) == ["full"]
    target, _ = dbt_paths(settings)
    assert not (target / PARTIAL_PARSE_FILE).exists()

    run_dbt(["parse"], settings, echo=False)  # the build database's first dbt run
    assert _parses(settings) == ["full", "partial"]
    # The file fits cosmos's invocations too, which name the profile and target on the command line.
    run_dbt(["parse", "--profile", PROFILE_NAME, "--target", TARGET_NAME], settings, echo=False)
    assert _parses(settings) == ["full", "partial", "partial"]

    # A target folder that has its own file keeps it (it may be newer than the project's, or fit where that does not).
    own = (target / PARTIAL_PARSE_FILE).read_bytes()
    (project_target / PARTIAL_PARSE_FILE).write_bytes(b"not a partial parse file")
    dbt.seed_partial_parse(target)
    assert (target / PARTIAL_PARSE_FILE).read_bytes() == own


def test_the_warehouse_dags_dbt_layers_parse_from_run_dbts_target_folder(settings: Settings) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from asn_platform.orchestration.runtime import use_settings
    from asn_platform.transform.manifest import ensure_manifest

    ensure_manifest(settings)  # the DAG renders dbt from it
    with use_settings(settings):
        bag = DagBag(dag_folder=str(DAGS_DIR / "asn_warehouse.py"))
    assert bag.import_errors == {}
    layers = {task.task_id: task for task in bag.dags["asn_warehouse"].tasks if task.task_id.startswith("dbt.")}
    assert set(layers) == {"dbt.seeds", "dbt.staging", "dbt.intermediate", "dbt.marts"}
    # Cosmos keeps its partial-parse file in <cache_dir>/target: run_dbt's target folder, one file for all of them.
    target, _ = dbt_paths(settings)
    assert cosmos_partial_parse_dir(settings) / "target" == target
    assert {task.cache_dir for task in layers.values()} == {cosmos_partial_parse_dir(settings)}
    assert all(task.partial_parse for task in layers.values())
