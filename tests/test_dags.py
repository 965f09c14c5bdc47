"""DAG integrity: every DAG file imports, has no cycle, and carries owner, tags, retries and a schedule."""

from __future__ import annotations

import pytest
from airflow.dag_processing.dagbag import DagBag

from asn_platform.core.settings import DAGS_DIR, SOURCES_DIR
from asn_platform.local.run import pipeline_dag_ids
from asn_platform.orchestration.names import WRITER_POOL
from asn_platform.transform.manifest import ensure_manifest
from ingestion.registry import load_registry


@pytest.fixture(scope="module")
def dag_bag(tmp_path_factory: pytest.TempPathFactory) -> DagBag:
    from conftest import isolated_settings

    monkeypatch = pytest.MonkeyPatch()
    try:
        monkeypatch.delenv("ASN_SOURCES_DIR", raising=False)  # the DAG files read the registry the tests expect
        settings = isolated_settings(tmp_path_factory.mktemp("dag-bag"), monkeypatch)
        ensure_manifest(settings)  # the warehouse DAG renders dbt from it (`make manifest` writes it outside the tests)
        return DagBag(dag_folder=str(DAGS_DIR))
    finally:
        monkeypatch.undo()


def test_every_dag_file_imports(dag_bag: DagBag) -> None:
    assert dag_bag.import_errors == {}


def test_one_ingestion_dag_per_registered_region_and_the_warehouse_dag(dag_bag: DagBag) -> None:
    expected = {f"asn_ingest_{region}" for region in load_registry(SOURCES_DIR)} | {"asn_warehouse"}
    assert set(dag_bag.dag_ids) == expected


@pytest.mark.parametrize(
    "dag_id", ["asn_warehouse", *(f"asn_ingest_{region}" for region in load_registry(SOURCES_DIR))]
)
def test_dag_is_well_formed(dag_bag: DagBag, dag_id: str) -> None:
    dag = dag_bag.dags[dag_id]
    dag.check_cycle()
    assert dag.tags
    assert "asn" in dag.tags
    assert dag.schedule is not None
    assert dag.max_active_runs == 1
    for task in dag.tasks:
        assert task.owner == "asn-data"
        no_retry = {
            "gate_raw",
            "gate_marts",
            "report_rejections",
            "wait_for_delivery",
        }  # bad data does not improve by retrying
        assert task.retries == 0 if task.task_id in no_retry else task.retries >= 1, task.task_id


def test_warehouse_dag_is_scheduled_on_what_the_ingestion_dags_emit(dag_bag: DagBag) -> None:
    scheduled_on = {asset.name for asset in dag_bag.dags["asn_warehouse"].timetable.asset_condition.objects}
    assert scheduled_on == {"raw.personnel", "raw.training", "raw.survey_responses", "raw.complaints", "raw.units",
                            "raw.services"}  # fmt: skip
    for region in load_registry(SOURCES_DIR):
        load = dag_bag.dags[f"asn_ingest_{region}"].get_task("load_deliveries")
        # Events for the raw Assets a run changed are added at run time through the region's alias.
        assert [(type(outlet).__name__, outlet.name) for outlet in load.outlets] == [
            ("AssetAlias", f"raw_changes.{region}")
        ]


def test_ingestion_dags_follow_the_registry_schedule_in_the_regions_time_zone(dag_bag: DagBag) -> None:
    for region, source in load_registry(SOURCES_DIR).items():
        dag = dag_bag.dags[f"asn_ingest_{region}"]
        assert dag.timetable.expression == source.schedule
        assert str(dag.timetable.timezone) == source.timezone
        sensor = dag.get_task("wait_for_delivery")
        assert sensor.timeout == source.delivery_wait_hours * 3600
        assert sensor.soft_fail  # no delivery today skips the run, it does not fail it
        assert sensor.downstream_task_ids == {"load_deliveries"}
        assert dag.get_task("load_deliveries").pool == "duckdb_writer"


def test_warehouse_tasks_gate_raw_then_build_then_gate_then_publish(dag_bag: DagBag) -> None:
    dag = dag_bag.dags["asn_warehouse"]
    dbt_tasks = {task.task_id: task for task in dag.tasks if task.task_id.startswith("dbt.")}
    # The dbt part is cosmos's task group: its first tasks (no upstream inside the group) follow gate_raw, its last
    # ones (no downstream inside it) feed gate_marts, and nothing else touches it.
    first = {task_id for task_id, task in dbt_tasks.items() if task.upstream_task_ids == {"gate_raw"}}
    last = {task_id for task_id, task in dbt_tasks.items() if task.downstream_task_ids == {"gate_marts"}}
    assert first
    assert last
    assert dag.get_task("gate_raw").upstream_task_ids == set()
    assert dag.get_task("gate_raw").downstream_task_ids == first | {"reports"}
    assert dag.get_task("gate_marts").upstream_task_ids == last
    for task in dbt_tasks.values():
        assert task.upstream_task_ids <= set(dbt_tasks) | {"gate_raw"}, task.task_id
        assert task.downstream_task_ids <= set(dbt_tasks) | {"gate_marts"}, task.task_id
        assert task.pool == WRITER_POOL, task.task_id  # every dbt task writes the build database
        assert task.dbt_cmd_flags == ["--exclude-resource-type", "unit_test"], task.task_id  # `make test` runs them
    # So do the gates (their results); publish and reports read it, and a reader cannot open it while a writer has
    # it: every task of the DAG that opens it queues for the one slot. Serving PostgreSQL reads the published file.
    assert {task.task_id: task.pool for task in dag.tasks if task.task_id not in dbt_tasks} == {
        **dict.fromkeys(["gate_raw", "gate_marts", "publish", "reports"], WRITER_POOL),
        "serve_postgres": "default_pool",
    }
    # One `dbt build` per layer, in the order the manifest's dependencies allow (transform.manifest.check_layer_order).
    assert first == {"dbt.seeds"}
    assert last == {"dbt.marts"}
    assert dag.get_task("dbt.staging").downstream_task_ids == {"dbt.intermediate"}
    assert dag.get_task("dbt.intermediate").downstream_task_ids == {"dbt.marts"}
    assert dag.get_task("gate_marts").downstream_task_ids == {"publish", "reports"}
    # The Data Docs show a failed gate too, and the reports the version serving once publish has run or failed;
    # serve_postgres stays a leaf after publish, so a failed gate or publication still fails the run.
    assert dag.get_task("reports").upstream_task_ids == {"gate_raw", "gate_marts", "publish"}
    assert dag.get_task("reports").trigger_rule == "all_done"
    assert dag.get_task("publish").downstream_task_ids == {"serve_postgres", "reports"}
    assert dag.get_task("serve_postgres").downstream_task_ids == set()
    assert dag.get_task("serve_postgres").trigger_rule == "all_success"
    assert pipeline_dag_ids(list(dag_bag.dag_ids))[-1] == "asn_warehouse"


def test_regions_with_an_api_fetch_before_they_load(dag_bag: DagBag) -> None:
    with_api = {
        region
        for region, source in load_registry(SOURCES_DIR).items()
        if any(config.transport == "api" for config in source.datasets.values())
    }
    assert with_api == {"banjarbaru"}
    for region in load_registry(SOURCES_DIR):
        dag = dag_bag.dags[f"asn_ingest_{region}"]
        if region in with_api:
            # The files still load when the API is down, and the run still fails then (the report waits on it).
            assert dag.get_task("fetch_api").downstream_task_ids == {"wait_for_delivery", "report_rejections"}
            assert dag.get_task("wait_for_delivery").trigger_rule == "all_done"
            assert dag.get_task("report_rejections").trigger_rule == "all_success"
        else:
            assert "fetch_api" not in dag.task_ids
