"""`make run`: the whole pipeline through the project's real Airflow DAGs, in this process.

Airflow keeps its metadata in SQLite under a project-local AIRFLOW_HOME; each DAG runs with `dag.test()`:
every region's ingestion DAG first, then the warehouse DAG their Assets schedule. A region that serves data through
an API (Banjarbaru) is served by the stand-in API on 127.0.0.1 for the run, unless its connection is configured.

`dag.test()` runs every task in this process (Airflow 3's in-process task runner), so the stages after the loads
(gates, publish, reports) pay no start-up of their own: the imports are paid once per run. Only dbt runs in its own
processes (asn_platform.transform.dbt says why), and `airflow db migrate` only when the metadata database needs it.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from asn_platform.core.settings import DAGS_DIR, Settings
from asn_platform.generator.regional_api import running_api
from asn_platform.local.progress import task_progress
from asn_platform.orchestration.names import INGEST_DAG_PREFIX, WAREHOUSE_DAG_ID
from asn_platform.orchestration.runtime import use_settings
from ingestion.registry import load_registry

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.dagrun import DagRun


# The environment's own Airflow command line, for the launchers' `airflow db migrate`, `pools set`, servers.
AIRFLOW_EXECUTABLE = str(Path(sys.executable).with_name("airflow"))


class PipelineFailed(RuntimeError):
    """A DAG run did not succeed; the message names the DAG and its failed tasks."""


@dataclass(frozen=True)
class DagOutcome:
    dag_id: str
    state: str
    seconds: float


# What the last `airflow db migrate` left: the Airflow that ran it and the schema revision of the metadata database.
MIGRATED_STAMP = "db-migrated.json"


def metadata_revision(settings: Settings) -> str | None:
    """The schema (alembic) revision of the project-local SQLite metadata database; None when there is none yet, it
    was never migrated, or Airflow keeps its metadata elsewhere (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)."""
    database = settings.airflow_home / "airflow.db"
    if os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") or not database.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _migrated_state(settings: Settings) -> dict[str, str | None]:
    return {"airflow": metadata.version("apache-airflow-core"), "revision": metadata_revision(settings)}


def prepare_airflow(settings: Settings) -> None:
    """Point Airflow at the project (before it is imported) and bring its metadata database up to date.

    `airflow db migrate` is a process of its own that loads Airflow (5-10 s) to find, on every run but the first,
    nothing to do. It is skipped when the database still has the revision the last migration by this same Airflow
    version left (recorded in MIGRATED_STAMP); a new Airflow, a new or replaced database, or metadata kept outside
    the project-local SQLite file run it."""
    os.environ.update(settings.airflow_env())
    # Progress lines and the summary are the output; Airflow's own INFO lines would bury them. Errors still show.
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    stamp = settings.airflow_home / MIGRATED_STAMP
    state = _migrated_state(settings)
    if state["revision"] and stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == state:
        return
    stamp.unlink(missing_ok=True)
    log = settings.airflow_home / "db-migrate.log"
    with log.open("w") as handle:
        migrated = subprocess.run(
            [AIRFLOW_EXECUTABLE, "db", "migrate"],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
            check=False,
        )
    if migrated.returncode != 0:
        raise PipelineFailed(f"`airflow db migrate` failed (exit {migrated.returncode}); see {log}")
    state = _migrated_state(settings)
    if state["revision"]:
        stamp.write_text(json.dumps(state), encoding="utf-8")


def pipeline_dag_ids(dag_ids: list[str]) -> list[str]:
    """Ingestion DAGs (alphabetical by region) before the warehouse DAG they feed."""
    ingest = sorted(dag_id for dag_id in dag_ids if dag_id.startswith(INGEST_DAG_PREFIX))
    return [*ingest, WAREHOUSE_DAG_ID]


@contextmanager
def stand_in_apis(settings: Settings, progress: Callable[[str], None] = print) -> Iterator[Settings]:
    """For each regional API connection the registry uses and nobody has configured: serve the sample store
    through the stand-in API on 127.0.0.1 and point the connection at it for the block, in this process's
    environment (where Airflow's tasks resolve connections) and in the settings it yields."""
    wanted = {
        (region, config.api.connection_id)
        for region, source in load_registry(settings.sources_dir).items()
        for config in source.datasets.values()
        if config.api is not None
    }
    with ExitStack() as stack:
        added: dict[str, str] = {}
        for region, connection_id in sorted(wanted):
            variable = f"AIRFLOW_CONN_{connection_id.upper()}"
            store = settings.source_api_dir / region
            if variable in settings.connections:
                continue
            if not store.is_dir():
                progress(f"==> no stand-in API store at {store} and {variable} unset: {region}'s API datasets will "
                         "fail to fetch (`python -m asn_platform generate --force` writes the store)")  # fmt: skip
                continue
            token = secrets.token_urlsafe(24)
            api = stack.enter_context(running_api(store, token))
            added[variable] = f"http://:{token}@127.0.0.1:{api.server_address[1]}"
            progress(f"==> stand-in API for {region} on {api.base_url} (serving {store})")
        stack.enter_context(_environment(added))
        yield settings.model_copy(update={"connections": {**settings.connections, **added}})


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    os.environ.update(values)
    try:
        yield
    finally:
        for name in values:
            os.environ.pop(name, None)


def run_dags(settings: Settings, progress: Callable[[str], None] = print) -> list[DagOutcome]:
    """Every DAG in pipeline order, in this process; their tasks run with `settings` (orchestration.runtime)."""
    with stand_in_apis(settings, progress) as served, use_settings(served):
        return _run_dags(served, progress)


def load_dag_bag() -> DagBag:
    """The project's DAGs, as the scheduler would parse them; an import error stops the run."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    if bag.import_errors:
        raise PipelineFailed(f"DAG files failed to import: {bag.import_errors}")
    return bag


def run_dag(bag: DagBag, dag_id: str, progress: Callable[[str], None] = print) -> tuple[DagOutcome, DagRun]:
    """One run of `dag_id` in this process (dag.test()), its tasks without retries: in-process runs fail fast,
    where dag.test() would wait out each retry delay (minutes). The scheduler keeps the DAGs' retries. Each task
    is reported to `progress` as it ends (and on a terminal as it starts, and while it runs long)."""
    dag = bag.dags[dag_id]
    for task in dag.tasks:
        task.retries = 0
    # The deadline alert is the scheduler's to watch. dag.test() (Airflow 3.3) cannot even finish a run that has one:
    # on success it looks the alerts up by id in the metadata database, where an in-process run never stored them.
    dag.deadline = None
    started = time.perf_counter()
    with task_progress(dag_id, len(dag.tasks), progress):
        dag_run = dag.test()
    return DagOutcome(dag_id, str(dag_run.state), time.perf_counter() - started), dag_run


def failed_tasks(dag_run: DagRun) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances() if str(ti.state) != "success"}


def _run_dags(settings: Settings, progress: Callable[[str], None]) -> list[DagOutcome]:
    """The regions' DAGs, each whatever the others did (one region's trouble holds back that region only), then the
    warehouse DAG on what loaded; a failed DAG is named at the end."""
    prepare_airflow(settings)
    bag = load_dag_bag()
    outcomes, failures = [], []
    for dag_id in pipeline_dag_ids(list(bag.dags)):
        progress(f"==> running DAG {dag_id}")
        outcome, dag_run = run_dag(bag, dag_id, progress)
        outcomes.append(outcome)
        progress(f"==> DAG {dag_id}: {outcome.state} in {outcome.seconds:.1f} s")
        if outcome.state != "success":
            states = ", ".join(f"{task}={state}" for task, state in failed_tasks(dag_run).items())
            failures.append(f"DAG {dag_id} ended {outcome.state} ({states})")
    if failures:
        raise PipelineFailed("; ".join(failures) + "; each task's error is in the log above")
    return outcomes
