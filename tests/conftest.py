"""Every test gets its own data folders: nothing touches ./data or the developer's Airflow home."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

# Airflow reads AIRFLOW_HOME when it is first imported, which may be during collection: point it away first.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="asn-test-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
# The project's DAGs, from the start: Airflow builds its DAG bundle from this once per process, so a test that runs a
# DAG in-process after another test has loaded Airflow's configuration still finds them.
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "dags")

from asn_platform.core.settings import Settings
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import BANJARBARU, LANGSA, SOFIFI
from asn_platform.generator.sample import SAMPLE_AS_OF

TEST_KEY = "test-pseudonym-key"
# The data folders a developer's environment may point elsewhere; a test's settings are rooted in its own folder.
_FOLDER_VARIABLES = ("ASN_LANDING_DIR", "ASN_WAREHOUSE_DIR", "ASN_PUBLISHED_DIR", "ASN_REPORTS_DIR", "ASN_AS_OF")


def isolated_settings(
    root: Path, monkeypatch: pytest.MonkeyPatch, key: str = TEST_KEY, as_of: date | None = None
) -> Settings:
    """Settings rooted in `root` (whatever the developer's environment points at), passed to the code under test.
    The same values go into this process's environment (undone with `monkeypatch`) for what reads it there: the
    subprocesses a test starts (`python -m asn_platform`, dbt) and DAG tasks run outside `use_settings`."""
    monkeypatch.setenv("ASN_DATA_DIR", str(root / "data"))
    for name in _FOLDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if as_of is not None:
        monkeypatch.setenv("ASN_AS_OF", as_of.isoformat())
    monkeypatch.setenv("ASN_PSEUDONYM_KEY", key)
    current = Settings.from_env()
    current.ensure_dirs()
    return current


def _build_gated_langsa(settings: Settings) -> None:
    from asn_platform.orchestration.stages import build, gate, ingest

    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
    ingest("langsa", settings)
    gate("raw", settings)
    build(settings)
    gate("marts", settings)


@pytest.fixture(scope="session")
def gated_langsa_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Langsa's sample delivered, ingested, built with dbt and through both gates, once per test session (per
    worker under `make test-fast`'s pytest-xdist): the data folder `gated_langsa_build` copies for each module."""
    root = tmp_path_factory.mktemp("gated-langsa-template")
    monkeypatch = pytest.MonkeyPatch()
    try:
        _build_gated_langsa(isolated_settings(root, monkeypatch, as_of=SAMPLE_AS_OF))
    finally:
        monkeypatch.undo()
    return root / "data"


@contextmanager
def gated_langsa_build(root: Path, template: Path) -> Iterator[Settings]:
    """A copy of the session's gated Langsa build (`gated_langsa_template`) in `root`, as of the sample's date;
    its settings (also in this process's environment) until the block ends. For module-scoped fixtures."""
    monkeypatch = pytest.MonkeyPatch()
    try:
        shutil.copytree(template, root / "data", symlinks=True)
        yield isolated_settings(root, monkeypatch, as_of=SAMPLE_AS_OF)
    finally:
        monkeypatch.undo()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings rooted in a fresh temporary folder, for the code under test (and, in the environment, its
    subprocesses)."""
    return isolated_settings(tmp_path, monkeypatch)


@pytest.fixture
def sample_delivery(settings: Settings) -> Path:
    """Kota Langsa's generated personnel delivery (its other datasets beside it) in the test's landing area."""
    return generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))[0]


@pytest.fixture
def sofifi_personnel(settings: Settings) -> Path:
    """Sofifi's generated personnel workbook (its other datasets beside it) in the test's landing area."""
    return generate_sample(settings.landing_dir, settings.sample_seed, profiles=(SOFIFI,))[0]


@pytest.fixture
def banjarbaru_personnel(settings: Settings) -> Path:
    """Banjarbaru's generated personnel JSON Lines file (its API collections in the stand-in's folder)."""
    return generate_sample(
        settings.landing_dir, settings.sample_seed, profiles=(BANJARBARU,), api_dir=settings.source_api_dir
    )[0]
