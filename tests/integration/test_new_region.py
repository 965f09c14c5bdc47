"""Onboarding a sixth region is one YAML file in the source registry, and no code."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pytest

from asn_platform.core.settings import SOURCES_DIR, Settings
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA
from ingestion.registry import RegistryError, delivery_schedule, load_registry, region_source, registry_problems
from ingestion.service import load_pending, sync_registry


@pytest.fixture
def with_kota_baru(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    # A region whose systems happen to export like Langsa's, under its own name and file names.
    text = (SOURCES_DIR / "langsa.yml").read_text(encoding="utf-8")
    text = text.replace("region: langsa", "region: kota_baru").replace("name: Kota Langsa", "name: Kota Baru")
    (sources / "kota_baru.yml").write_text(text.replace('"langsa_', '"kotabaru_'), encoding="utf-8")
    # In the environment too: the DAG files a DagBag parses read their settings from it, as a scheduler's do.
    monkeypatch.setenv("ASN_SOURCES_DIR", str(sources))
    return settings.model_copy(update={"sources_dir": sources})


def test_a_new_region_needs_one_yaml_file(with_kota_baru: Settings) -> None:
    settings = with_kota_baru
    assert "kota_baru" in load_registry(settings.sources_dir)
    files = {dataset: name.replace("langsa_", "kotabaru_") for dataset, name in LANGSA.files.items()}
    profile = dataclasses.replace(LANGSA, region="kota_baru", headcount=300, files=files)
    generate_sample(settings.landing_dir, 5, profiles=(profile,))
    results = load_pending(settings, "kota_baru")
    assert {r.delivery.dataset: r.status for r in results} == dict.fromkeys(
        ("complaints", "personnel", "services", "survey_responses", "training", "units"), "loaded"
    )
    assert next(r for r in results if r.delivery.dataset == "personnel").loaded == 300


def test_the_new_region_gets_its_ingestion_dag(with_kota_baru: Settings) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from asn_platform.core.settings import DAGS_DIR

    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert bag.import_errors == {}
    assert "asn_ingest_kota_baru" in bag.dag_ids


def test_a_region_on_the_same_system_as_another_extends_it(settings: Settings, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    (sources / "kota_tual.yml").write_text(
        "region: kota_tual\nname: Kota Tual\nprovince: Maluku\ntimezone: Asia/Jayapura\nextends: medan\n"
        "datasets:\n  personnel:\n    file_pattern: 'tual_pegawai_*.csv.gz'\n    max_quarantine_share: 0.1\n",
        encoding="utf-8",
    )
    tual, medan = load_registry(sources)["kota_tual"], load_registry(sources)["medan"]
    assert (tual.name, tual.province, tual.timezone) == ("Kota Tual", "Maluku", "Asia/Jayapura")
    personnel = tual.dataset("personnel")
    assert (personnel.file_pattern, personnel.max_quarantine_share) == ("tual_pegawai_*.csv.gz", 0.1)
    # Everything the region did not say comes from Medan's file, dataset by dataset and key by key.
    assert personnel.columns == medan.dataset("personnel").columns
    assert (personnel.compression, personnel.load_mode, personnel.delimiter) == ("gzip", "delta", "|")
    assert tual.dataset("training") == medan.dataset("training")
    assert set(tual.datasets) == set(medan.datasets)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a": "extends: atlantis"}, "a.yml: extends: no region 'atlantis'"),
        ({"a": "extends: b", "b": "extends: a"}, "a.yml: extends: a cycle (a -> b -> a)"),
        ({"a": "extends: [langsa]"}, "a.yml: extends: must name a region"),
        ({"a": "extends: langsa\ndatasets: {personnel: {delimter: ';'}}"}, "delimter: Extra inputs are not permitted"),
        (
            {"a": "extends: langsa\nschedule: 'every morning'"},
            "schedule: Value error, schedule 'every morning' is neither a five-field cron line",
        ),
        ({"a": "extends: langsa\nfreshness_days: 0"}, "freshness_days: Input should be greater than or equal to 1"),
        (
            {"a": "extends: langsa\ndelivery_wait_hours: 48"},
            "delivery_wait_hours: Input should be less than or equal to 24",
        ),
        (
            {"a": "extends: langsa\ndatasets: {training: {freshness_days: -3}}"},
            "datasets.training.freshness_days: Input should be greater than or equal to 1",
        ),
    ],
)
def test_extends_errors_name_the_file(tmp_path: Path, files: dict[str, str], message: str) -> None:
    shutil.copy(SOURCES_DIR / "langsa.yml", tmp_path / "langsa.yml")
    for name, body in files.items():
        (tmp_path / f"{name}.yml").write_text(f"region: {name}\nname: A\nprovince: P\n{body}\n", encoding="utf-8")
    # The broken file holds back its own region; the region it extends still loads.
    assert list(load_registry(tmp_path)) == ["langsa"]
    problem = registry_problems(tmp_path)["a"]
    assert message in problem
    assert problem.startswith(str(tmp_path / "a.yml"))
    with pytest.raises(RegistryError, match=r"region 'a' is held back by its registry file: "):
        region_source("a", tmp_path)


def test_two_regions_under_one_api_connection_are_refused(tmp_path: Path) -> None:
    # A region extending banjarbaru inherits its API connection: both would land whatever that one API serves.
    shutil.copy(SOURCES_DIR / "banjarbaru.yml", tmp_path / "banjarbaru.yml")
    (tmp_path / "a.yml").write_text("region: a\nname: A\nprovince: P\nextends: banjarbaru\n", encoding="utf-8")
    assert load_registry(tmp_path) == {}  # both held back, neither would know whose data it fetched
    assert registry_problems(tmp_path) == dict.fromkeys(["a", "banjarbaru"], (
        f"{tmp_path}: regions ['a', 'banjarbaru'] share the API connection 'banjarbaru_api'; give each region its own "
        "`api.connection_id` (a region that `extends` another inherits the other's)"
    ))  # fmt: skip
    own = "datasets: {survey_responses: {api: {connection_id: a_api, endpoint: /v1/survey-responses}}, " \
          "complaints: {api: {connection_id: a_api, endpoint: /v1/complaints}}}"  # fmt: skip
    (tmp_path / "a.yml").write_text(f"region: a\nname: A\nprovince: P\nextends: banjarbaru\n{own}\n", encoding="utf-8")
    assert load_registry(tmp_path)["a"].dataset("complaints").api.connection_id == "a_api"  # type: ignore[union-attr]


def test_raw_holds_the_registry_as_it_is_now(tmp_path: Path) -> None:
    """Each region's load brings `raw.regions` and `raw.delivery_schedule` up to the registry (written only where
    they differ): a renamed region and a region added later both show; an unchanged registry changes nothing."""
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    registry = load_registry(sources)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        connection.execute("CREATE SCHEMA raw")
        schedule = "SELECT * FROM raw.delivery_schedule ORDER BY ALL"
        sync_registry(connection, registry["langsa"], registry)
        first = connection.execute(schedule).fetchall()
        assert first == sorted(delivery_schedule(registry))
        sync_registry(connection, registry["medan"], registry)
        assert connection.execute(schedule).fetchall() == first
    # Nothing to bring up to date writes nothing: on a read-only connection any write would fail.
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as reader:
        sync_registry(reader, registry["langsa"], registry)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        edited = tmp_path / "edited"
        shutil.copytree(sources, edited)
        text = (sources / "langsa.yml").read_text(encoding="utf-8").replace("name: Kota Langsa", "name: Langsa Baru")
        (edited / "langsa.yml").write_text(text, encoding="utf-8")
        (edited / "kota_baru.yml").write_text(text.replace("region: langsa", "region: kota_baru"), encoding="utf-8")
        changed = load_registry(edited)
        sync_registry(connection, changed["langsa"], changed)
        names = connection.execute("SELECT region, name FROM raw.regions ORDER BY region").fetchall()
        assert names == [("langsa", "Langsa Baru"), ("medan", registry["medan"].name)]
        rows = connection.execute(schedule).fetchall()
        assert rows == sorted(delivery_schedule(changed))
        assert {row[0] for row in rows} - {row[0] for row in first} == {"kota_baru"}
        assert ("kota_baru", "Langsa Baru") in {(row[0], row[1]) for row in rows}


def test_a_region_held_back_by_its_broken_file_keeps_its_schedule(tmp_path: Path) -> None:
    """The freshness check goes on holding a held region to its last known schedule."""
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    registry = load_registry(sources)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        connection.execute("CREATE SCHEMA raw")
        sync_registry(connection, registry["langsa"], registry)
        before = connection.execute("SELECT * FROM raw.delivery_schedule ORDER BY ALL").fetchall()
        (sources / "sorong.yml").write_text("region: sorong\nname: Kota Sorong\nprovince: [unclosed\n")
        assert "sorong" not in load_registry(sources)
        sync_registry(connection, registry["langsa"], load_registry(sources), held=registry_problems(sources))
        assert connection.execute("SELECT * FROM raw.delivery_schedule ORDER BY ALL").fetchall() == before
        sync_registry(connection, registry["langsa"], load_registry(sources))  # no longer held: removed
        after = connection.execute("SELECT DISTINCT region FROM raw.delivery_schedule ORDER BY ALL").fetchall()
        assert ("sorong",) not in after
        assert len(after) == len(registry) - 1
