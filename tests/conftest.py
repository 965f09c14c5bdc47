"""Every test gets its own data folders: nothing touches ./data or the developer's Airflow home."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Airflow reads AIRFLOW_HOME when it is first imported, which may be during collection: point it away first.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="asn-test-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
# The project's DAGs, from the start: Airflow builds its DAG bundle from this once per process, so a test that runs a
# DAG in-process after another test has loaded Airflow's configuration still finds them.
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "dags")

from asn_platform.core import settings as settings_module
from asn_platform.core.settings import Settings
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA

TEST_KEY = "test-pseudonym-key"


def isolated_settings(root: Path, monkeypatch: pytest.MonkeyPatch, key: str = TEST_KEY) -> Settings:
    """Settings rooted in `root` (whatever the developer's environment points at), also returned by get_settings();
    the caller clears the settings cache and undoes `monkeypatch` afterwards."""
    monkeypatch.setenv("ASN_DATA_DIR", str(root / "data"))
    for name in ("ASN_LANDING_DIR", "ASN_WAREHOUSE_DIR", "ASN_PUBLISHED_DIR", "ASN_REPORTS_DIR", "ASN_AS_OF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", key)
    settings_module.get_settings.cache_clear()
    current = settings_module.get_settings()
    current.ensure_dirs()
    return current


@contextmanager
def gated_langsa_build(root: Path) -> Iterator[Settings]:
    """Langsa's sample delivered, ingested, built and through both gates in `root`, as of the sample's date; the
    settings point there (also through get_settings()) until the block ends. For module-scoped fixtures."""
    from asn_platform.generator.sample import SAMPLE_AS_OF
    from asn_platform.orchestration.stages import build, gate, ingest

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("ASN_AS_OF", SAMPLE_AS_OF.isoformat())
    try:
        current = isolated_settings(root, monkeypatch)
        generate_sample(current.landing_dir, current.sample_seed, profiles=(LANGSA,))
        ingest("langsa")
        gate("raw")
        build()
        gate("marts")
        yield current
    finally:
        settings_module.get_settings.cache_clear()
        monkeypatch.undo()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings rooted in a fresh temporary folder, also returned by get_settings() for code that asks for it."""
    yield isolated_settings(tmp_path, monkeypatch)
    settings_module.get_settings.cache_clear()


@pytest.fixture
def sample_delivery(settings: Settings) -> Path:
    """Kota Langsa's generated personnel delivery (its other datasets beside it) in the test's landing area."""
    return generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))[0]
