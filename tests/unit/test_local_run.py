"""`make run`'s Airflow preparation: `airflow db migrate` runs only when the metadata database needs it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from asn_platform.core.settings import Settings
from asn_platform.local import run
from asn_platform.local.run import MIGRATED_STAMP, PipelineFailed, metadata_revision, prepare_airflow


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test's settings with an Airflow home of its own (not the session's, which the DAG tests use)."""
    return settings.model_copy(update={"airflow_home": tmp_path / "airflow"})


@pytest.fixture
def migrations(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every `airflow ...` command prepare_airflow starts; each `db migrate` leaves the database at revision
    `head-1`, as Airflow's would."""
    monkeypatch.setattr(os, "environ", dict(os.environ))  # prepare_airflow points this process at the Airflow home
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    started: list[list[str]] = []

    def airflow(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        started.append(command[1:])
        database = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
        with closing(sqlite3.connect(database)) as connection, connection:
            connection.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR NOT NULL)")
            connection.execute("DELETE FROM alembic_version")
            connection.execute("INSERT INTO alembic_version VALUES ('head-1')")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(run.subprocess, "run", airflow)
    return started


def test_migrate_runs_once_then_only_when_airflow_or_the_database_changed(
    settings: Settings, migrations: list[list[str]]
) -> None:
    prepare_airflow(settings)
    assert migrations == [["db", "migrate"]]
    assert metadata_revision(settings) == "head-1"
    stamp = settings.airflow_home / MIGRATED_STAMP
    assert json.loads(stamp.read_text())["revision"] == "head-1"

    prepare_airflow(settings)  # nothing changed: no Airflow process
    assert migrations == [["db", "migrate"]]
    assert os.environ["AIRFLOW_HOME"] == str(settings.airflow_home)  # still pointed at the project's home

    # Another Airflow version recorded (an upgrade since): migrate.
    stamp.write_text(json.dumps(json.loads(stamp.read_text()) | {"airflow": "2.0.0"}))
    prepare_airflow(settings)
    assert len(migrations) == 2
    # The database replaced by one at another revision: migrate.
    with closing(sqlite3.connect(settings.airflow_home / "airflow.db")) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = 'older'")
    prepare_airflow(settings)
    assert len(migrations) == 3
    # The database gone: migrate.
    (settings.airflow_home / "airflow.db").unlink()
    prepare_airflow(settings)
    assert len(migrations) == 4
    prepare_airflow(settings)
    assert len(migrations) == 4


def test_metadata_kept_elsewhere_is_always_migrated(
    settings: Settings, migrations: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_airflow(settings)
    monkeypatch.setenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql://airflow@db/airflow")
    prepare_airflow(settings)
    prepare_airflow(settings)
    assert len(migrations) == 3


def test_a_failed_migration_records_nothing(
    settings: Settings, migrations: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_airflow(settings)
    (settings.airflow_home / "airflow.db").unlink()
    monkeypatch.setattr(run.subprocess, "run", lambda command, **kwargs: subprocess.CompletedProcess(command, 1))
    with pytest.raises(PipelineFailed, match=r"`airflow db migrate` failed \(exit 1\); see .*db-migrate.log"):
        prepare_airflow(settings)
    assert not (settings.airflow_home / MIGRATED_STAMP).exists()
