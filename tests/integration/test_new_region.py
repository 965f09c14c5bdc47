"""Onboarding a sixth region is one YAML file in the source registry, and no code."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from asn_platform import settings as settings_module
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA
from asn_platform.settings import SOURCES_DIR, Settings
from ingestion.registry import load_registry
from ingestion.service import load_pending


@pytest.fixture
def with_kota_baru(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    # A region whose systems happen to export like Langsa's, under its own name and file names.
    text = (SOURCES_DIR / "langsa.yml").read_text(encoding="utf-8")
    text = text.replace("region: langsa", "region: kota_baru").replace("name: Kota Langsa", "name: Kota Baru")
    (sources / "kota_baru.yml").write_text(text.replace('"langsa_', '"kotabaru_'), encoding="utf-8")
    monkeypatch.setenv("ASN_SOURCES_DIR", str(sources))
    settings_module.get_settings.cache_clear()
    current = settings_module.get_settings()
    yield current
    settings_module.get_settings.cache_clear()


def test_a_new_region_needs_one_yaml_file(with_kota_baru: Settings) -> None:
    settings = with_kota_baru
    assert "kota_baru" in load_registry()
    files = {dataset: name.replace("langsa_", "kotabaru_") for dataset, name in LANGSA.files.items()}
    profile = dataclasses.replace(LANGSA, region="kota_baru", headcount=300, files=files)
    generate_sample(settings.landing_dir, 5, profiles=(profile,))
    results = load_pending("kota_baru")
    assert {r.delivery.dataset: r.status for r in results} == dict.fromkeys(
        ("complaints", "personnel", "services", "survey_responses", "training", "units"), "loaded"
    )
    assert next(r for r in results if r.delivery.dataset == "personnel").loaded == 300


def test_the_new_region_gets_its_ingestion_dag(with_kota_baru: Settings) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from asn_platform.settings import DAGS_DIR

    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert bag.import_errors == {}
    assert "asn_ingest_kota_baru" in bag.dag_ids
