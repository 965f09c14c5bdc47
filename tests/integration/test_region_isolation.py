"""One region's trouble stays that region's: a broken registry file holds back its own region, and the others load,
build and publish, with the run saying which region is held and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from asn_platform.core.settings import SOURCES_DIR
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA
from asn_platform.generator.sample import SAMPLE_AS_OF
from asn_platform.local.run import PipelineFailed, run_dags
from asn_platform.reports.summary import render
from asn_platform.transform.manifest import ensure_manifest

TYPO = "schedul"  # an operator's typo for `schedule`


@pytest.mark.slow  # the regional DAGs and the warehouse DAG, in-process
def test_a_broken_registry_file_holds_back_its_region_and_the_others_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import isolated_settings

    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SOURCES_DIR / "langsa.yml", sources / "langsa.yml")
    sorong = (SOURCES_DIR / "sorong.yml").read_text(encoding="utf-8").replace("\nschedule:", f"\n{TYPO}:", 1)
    (sources / "sorong.yml").write_text(sorong, encoding="utf-8")
    monkeypatch.setenv("ASN_SOURCES_DIR", str(sources))
    settings = isolated_settings(tmp_path, monkeypatch, as_of=SAMPLE_AS_OF)
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
    ensure_manifest(settings)

    progress: list[str] = []
    with pytest.raises(PipelineFailed) as failure:
        run_dags(settings, progress.append)

    # Sorong's DAG fails with what is wrong; Langsa's loads, and the warehouse builds and publishes it.
    assert str(failure.value).startswith("DAG asn_ingest_sorong ended failed (registry_file=failed)")
    assert "DAG asn_ingest_langsa" not in str(failure.value)
    assert "==> DAG asn_ingest_langsa: success" in [line.split(" in ")[0] for line in progress]
    assert "==> DAG asn_warehouse: success" in [line.split(" in ")[0] for line in progress]
    with connect(settings.analytics_path, read_only=True, settings=settings) as analytics:
        assert analytics.execute("SELECT DISTINCT region FROM core.dim_employee").fetchall() == [("langsa",)]
    summary = render(settings)
    held = summary.split("Daerah yang ditahan karena berkas registrinya rusak (daerah lain tetap dimuat):\n", 1)[1]
    assert held.startswith(f"  sorong: {sources / 'sorong.yml'}: ")
    assert f"{TYPO}: Extra inputs are not permitted" in held.splitlines()[0]
