"""DAG integrity: every DAG file imports, has no cycle, and carries owner, tags, retries, time limits, docs and a
schedule."""

from __future__ import annotations

from datetime import timedelta

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


def test_every_task_and_run_has_a_time_limit(dag_bag: DagBag) -> None:
    measured = {  # the values of docs/orchestration.md, "Timeouts and the deadline"
        "fetch_api": timedelta(minutes=30),
        "load_deliveries": timedelta(hours=1),
        "report_rejections": timedelta(minutes=10),
        "gate_raw": timedelta(minutes=10),
        "gate_marts": timedelta(minutes=10),
        "publish": timedelta(minutes=20),
        "serve_postgres": timedelta(hours=1),
        "reports": timedelta(minutes=10),
    }
    sources = load_registry(SOURCES_DIR)
    for dag_id, dag in dag_bag.dags.items():
        for task in dag.tasks:
            if task.task_id.startswith("dbt."):
                expected = timedelta(minutes=30)  # each dbt layer: a whole national build's budget
            elif task.task_id == "wait_for_delivery":  # the delivery wait, plus the checks around it
                expected = timedelta(hours=sources[dag_id.removeprefix("asn_ingest_")].delivery_wait_hours, minutes=10)
            else:
                expected = measured[task.task_id]
            assert task.execution_timeout == expected, (dag_id, task.task_id)
        if dag_id == "asn_warehouse":
            assert dag.dagrun_timeout == timedelta(hours=2)
        else:
            wait = timedelta(hours=sources[dag_id.removeprefix("asn_ingest_")].delivery_wait_hours)
            assert dag.dagrun_timeout == wait + timedelta(hours=2), dag_id
            # A run outlives its sensor's wait and its slowest load.
            assert (
                dag.dagrun_timeout > dag.get_task("wait_for_delivery").execution_timeout + measured["load_deliveries"]
            )


def test_a_late_warehouse_build_raises_an_alert_through_the_projects_alerting(dag_bag: DagBag) -> None:
    from airflow.sdk import DeadlineReference, SyncCallback

    from asn_platform.orchestration.alerts import on_deadline_missed

    (deadline,) = dag_bag.dags["asn_warehouse"].deadline
    assert deadline.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert deadline.interval == timedelta(hours=1)
    assert deadline.interval < dag_bag.dags["asn_warehouse"].dagrun_timeout  # an alert before the build is stopped
    assert isinstance(deadline.callback, SyncCallback)
    assert deadline.callback.path == "asn_platform.orchestration.alerts.on_deadline_missed"
    assert deadline.callback.kwargs == {"allowed_s": 3600.0}
    assert on_deadline_missed.__module__ + "." + on_deadline_missed.__qualname__ == deadline.callback.path


def test_the_warehouse_dag_documents_its_stages_and_outputs(dag_bag: DagBag) -> None:
    doc = dag_bag.dags["asn_warehouse"].doc_md
    stages = ["`gate_raw`", "`dbt`", "`gate_marts`", "`publish`", "`serve_postgres`", "`reports`"]
    assert [doc.index(stage) for stage in stages] == sorted(doc.index(stage) for stage in stages)
    for output in ("data/published/analytics.duckdb", "data/published/hr_restricted.duckdb", "data/reports/index.html",
                   "ops.alerts"):  # fmt: skip
        assert output in doc
    assert "has not finished 1 h after it was queued" in doc
    assert "stopped at 2 h" in doc


def test_a_regional_dag_is_documented_from_its_registry_file(dag_bag: DagBag) -> None:
    medan = dag_bag.dags["asn_ingest_medan"].doc_md
    assert medan.startswith("# Ingestion: Kota Medan\n\nLoads the deliveries of Kota Medan (Sumatera Utara)")
    assert "`ingestion/sources/medan.yml`" in medan
    assert "**Schedule:** `30 5 * * *` in Asia/Jakarta" in medan
    assert "| personnel | csv, gzip, delimiter `|` | files `medan_pegawai_*.csv.gz` | delta | 3 days |" in medan
    assert "**Time limits:** a run 8 h, the sensor 6 h 10 min, a load 1 h" in medan
    assert "fetch_api" not in medan
    contact = "| BKPSDM Kota Medan | the gzip full extract and the daily deltas | data.kepegawaian@medan.example |"
    assert contact in medan
    banjarbaru = dag_bag.dags["asn_ingest_banjarbaru"].doc_md
    assert "**Schedule:** `0 */6 * * *` in Asia/Makassar" in banjarbaru
    assert "| complaints | jsonl | API `" in banjarbaru
    assert "(connection `banjarbaru_api`)" in banjarbaru
    assert "1. `fetch_api`" in banjarbaru
    # Every region's datasets, each named in its own DAG's page.
    for region, source in load_registry(SOURCES_DIR).items():
        doc = dag_bag.dags[f"asn_ingest_{region}"].doc_md
        assert all(f"| {dataset} | " in doc for dataset in source.datasets), region
