"""The real Airflow servers `make airflow` starts: api-server, scheduler, dag-processor and triggerer on 127.0.0.1 with
their PostgreSQL metadata database, queried through the REST API, a backfill created from the CLI and run by the
scheduler, and nothing left running.

PostgreSQL runs as the `postgres` user when the tests run as root, and must reach AIRFLOW_HOME: each Airflow home
here is a folder of its own under the system's temporary directory (pytest's tmp_path sits below a root-only 0700
folder)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import duckdb
import psutil
import psycopg
import pytest

from asn_platform.core.settings import PROJECT_ROOT, Settings
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA
from asn_platform.local.airflow_server import CLI_ENV_FILE, LocalAirflow, expected_dag_ids, running_airflow
from asn_platform.local.metadata_postgres import DATABASE, PORT, ROLE, MetadataDatabaseError, MetadataPostgres

pytestmark = pytest.mark.e2e
STARTUP_TIMEOUT = 180.0
RUNS_TIMEOUT = 360.0  # a failed task waits out its retry delay (1 minute)
FINAL_STATES = {"success", "failed"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def reachable_root() -> Iterator[Path]:
    """A folder the PostgreSQL server's user can enter (see the module's docstring), removed after the test."""
    root = Path(tempfile.mkdtemp(prefix="asn-test-airflow-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _processes_using(home: Path) -> list[str]:
    """Every process (of this user) whose environment points AIRFLOW_HOME at `home`: the components and whatever
    they forked."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if process.pid != os.getpid() and process.environ().get("AIRFLOW_HOME") == str(home):
                found.append(f"{process.pid}: {' '.join(process.info['cmdline'] or [])}")
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


class Servers:
    """The running servers of this module, the alerts their webhook received, and the one way to stop them (once)."""

    def __init__(
        self, settings: Settings, stack: ExitStack, airflow: LocalAirflow, ready_seconds: float, alerts: list[dict]
    ) -> None:
        self.settings, self.airflow, self.ready_seconds, self.alerts = settings, airflow, ready_seconds, alerts
        self._stack = stack

    def stop(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    from conftest import isolated_settings

    root = Path(tempfile.mkdtemp(prefix="asn-test-airflow-servers-"))
    root.chmod(0o755)
    with pytest.MonkeyPatch.context() as monkeypatch, ExitStack() as stack:
        stack.callback(shutil.rmtree, root, ignore_errors=True)
        monkeypatch.setenv("AIRFLOW_HOME", str(root / "airflow"))
        monkeypatch.delenv("ASN_SOURCES_DIR", raising=False)
        settings = isolated_settings(root, monkeypatch)
        generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
        # The alert webhook, a real local HTTP server; the components read its Connection from their environment.
        alerts: list[dict] = []
        webhook = stack.enter_context(_webhook_server(alerts))
        monkeypatch.setenv("AIRFLOW_CONN_ASN_ALERTS_WEBHOOK", f"http://127.0.0.1:{webhook.server_address[1]}")
        started = time.perf_counter()
        airflow = stack.enter_context(running_airflow(settings, _free_port(), timeout=STARTUP_TIMEOUT))
        yield Servers(settings, stack, airflow, time.perf_counter() - started, alerts)


@contextmanager
def _webhook_server(received: list[dict]) -> Iterator[HTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_servers_list_every_dag_without_import_errors_and_the_writer_pool(servers: Servers) -> None:
    with servers.airflow.client() as api:
        dags = api.get("/api/v2/dags", params={"limit": 1000}).json()
        errors = api.get("/api/v2/importErrors").json()
        pool = api.get("/api/v2/pools/duckdb_writer").json()
        health = api.get("/api/v2/monitor/health").json()
        warehouse = api.get("/api/v2/dags/asn_warehouse/details").json()
        langsa = api.get("/api/v2/dags/asn_ingest_langsa/details").json()
    listed = {dag["dag_id"] for dag in dags["dags"]}
    # What the UI shows on each DAG's page, and its time limit, as the scheduler has them.
    assert warehouse["doc_md"].startswith("# The ASN warehouse build")
    assert langsa["doc_md"].startswith("# Ingestion: Kota Langsa")
    assert (warehouse["dag_run_timeout"], langsa["dag_run_timeout"]) == ("PT2H", "PT8H")
    assert {"asn_warehouse", "asn_ingest_langsa", "asn_ingest_banjarbaru"} <= expected_dag_ids(servers.settings)
    assert expected_dag_ids(servers.settings) <= listed
    assert errors["total_entries"] == 0, errors["import_errors"]
    assert (pool["name"], pool["slots"]) == ("duckdb_writer", 1)
    assert health["metadatabase"]["status"] == "healthy"
    # On the local PostgreSQL, over its socket (nothing listens on TCP), which the CLI's environment names too.
    assert _metadata(servers.airflow, "SELECT current_setting('listen_addresses')") == [("",)]
    cli_env = (servers.airflow.home / CLI_ENV_FILE).read_text()
    assert "export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=" in cli_env
    assert f"postgresql+psycopg://airflow@/airflow?host={servers.airflow.home}/postgres/socket" in cli_env
    assert health["scheduler"]["status"] == "healthy"
    assert servers.ready_seconds < STARTUP_TIMEOUT


def _wait_for_backfill_runs(servers: Servers, dag_id: str) -> list[dict[str, object]]:
    deadline = time.monotonic() + RUNS_TIMEOUT
    runs: list[dict[str, object]] = []
    with servers.airflow.client() as api:
        while time.monotonic() < deadline:
            response = api.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})
            response.raise_for_status()
            runs = [run for run in response.json()["dag_runs"] if run["run_type"] == "backfill"]
            if runs and all(run["state"] in FINAL_STATES for run in runs):
                return runs
            time.sleep(2)
    pytest.fail(f"backfill runs of {dag_id} not finished in {RUNS_TIMEOUT:.0f} s: {runs}; see the scheduler log")


def _metadata(airflow: LocalAirflow, query: str) -> list[tuple[Any, ...]]:
    """Rows of the local stack's PostgreSQL metadata database, over its unix socket (none for a statement)."""
    socket_dir = airflow.home / "postgres" / "socket"
    with psycopg.connect(host=str(socket_dir), port=PORT, user=ROLE, dbname=DATABASE) as connection:
        cursor = connection.execute(query)
        return cursor.fetchall() if cursor.description else []


# On SQLite, `airflow backfill create` lost write races with the running components ("database is locked") and left
# runs the scheduler could not schedule (2 of 6 full `make test` runs on 2026-12-02): the metadata database is
# PostgreSQL now, and the test runs in CI again.
def test_a_backfill_from_the_cli_loads_each_delivery_exactly_once(servers: Servers) -> None:
    settings, airflow = servers.settings, servers.airflow
    deliveries = {
        f"langsa/{path.parent.parent.name}/{path.parent.name}" for path in settings.landing_dir.glob("langsa/*/*/*")
    }
    with airflow.client() as api:
        # A whole warehouse build after every ingestion run would take minutes on two cores: this test is about the
        # ingestion DAG, so the Asset-triggered asn_warehouse stays paused; the ingestion DAG must run.
        for dag_id, paused in (("asn_warehouse", True), ("asn_ingest_langsa", False)):
            api.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": paused}).raise_for_status()

    # As docs/orchestration.md says: the CLI in another shell, with the variables the components run with.
    command = (
        f". {airflow.home / CLI_ENV_FILE} && {Path(sys.executable).with_name('airflow')} backfill create "
        "--dag-id asn_ingest_langsa --from-date 2026-10-29 --to-date 2026-11-01"
    )
    backfill = subprocess.run(
        ["bash", "-c", command], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert backfill.returncode == 0, backfill.stdout[-2000:] + backfill.stderr[-2000:]

    runs = _wait_for_backfill_runs(servers, "asn_ingest_langsa")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as build:
        # Every attempt is audited; a failed one that a task retry then loaded is still one load.
        audit = build.execute(
            "SELECT delivery_id, count(*) FILTER (WHERE status = 'loaded') FROM raw.load_audit GROUP BY delivery_id"
        ).fetchall()
    assert len(runs) >= 3  # one per day of the range
    assert {run["state"] for run in runs} == {"success"}, runs
    # The runs live in the PostgreSQL metadata database (the components and the CLI share it).
    in_postgres = _metadata(
        airflow, "SELECT run_id, state FROM dag_run WHERE dag_id = 'asn_ingest_langsa' AND run_type = 'backfill'"
    )
    assert sorted(in_postgres) == sorted((run["dag_run_id"], "success") for run in runs)
    assert len(deliveries) >= 5  # personnel, training, the reference lists, the service-quality data
    assert dict(audit) == dict.fromkeys(deliveries, 1)


def test_a_late_warehouse_build_is_alerted_by_the_scheduler(servers: Servers) -> None:
    settings, airflow = servers.settings, servers.airflow
    with airflow.client() as api:
        # Paused, the run stays queued: no build runs, and its deadline (an hour after it was queued) stands.
        api.patch("/api/v2/dags/asn_warehouse", json={"is_paused": True}).raise_for_status()
        created = api.post("/api/v2/dags/asn_warehouse/dagRuns", json={"logical_date": None})
        created.raise_for_status()
    run_id = created.json()["dag_run_id"]
    deadline_query = (
        "SELECT d.id, d.deadline_time - r.queued_at, c.data::text FROM deadline d "
        "JOIN dag_run r ON r.id = d.dagrun_id JOIN callback c ON c.id = d.callback_id "
        f"WHERE r.dag_id = 'asn_warehouse' AND r.run_id = '{run_id}'"
    )
    deadlines = _wait_for(lambda: _metadata(airflow, deadline_query), "the run's deadline")
    ((deadline_id, allowed, callback),) = deadlines
    assert allowed == timedelta(hours=1)
    assert '"asn_platform.orchestration.alerts.on_deadline_missed"' in callback, callback

    # An hour is long for a test: the deadline moves into the past, and the scheduler finds it missed.
    _metadata(airflow, f"UPDATE deadline SET deadline_time = now() - interval '1 second' WHERE id = '{deadline_id}'")
    subject = f"[ASN platform] asn_warehouse missed its deadline ({run_id})"
    posted = _wait_for(lambda: [alert for alert in servers.alerts if alert["text"] == subject], "the webhook's alert")
    assert posted[0]["task_id"] == "dagrun_deadline"
    assert posted[0]["error"].startswith("DeadlineMissed: not finished 1:00:00 after it was queued")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as build:
        recorded = build.execute(
            "SELECT task_id, error FROM ops.alerts WHERE dag_id = 'asn_warehouse' AND run_id = ?", [run_id]
        ).fetchall()
    assert recorded == [("dagrun_deadline", posted[0]["error"])]


def _wait_for(found: Callable[[], list[Any]], what: str, timeout: float = 120.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if rows := found():
            return rows
        time.sleep(1)
    pytest.fail(f"{what} did not come within {timeout:.0f} s; see the scheduler log")


def test_stopping_leaves_no_process(servers: Servers) -> None:
    airflow = servers.airflow
    children = {service: process.pid for service, process in airflow.processes.items()}
    assert set(children) == {"api-server", "scheduler", "dag-processor", "triggerer"}
    running = _processes_using(airflow.home)
    assert any("postgres" in process for process in running), running  # the metadata database, started with them
    servers.stop()
    assert all(process.returncode is not None for process in airflow.processes.values())
    assert _processes_using(airflow.home) == []
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", airflow.port), timeout=1)


def _cli_env(root: Path, port: int) -> dict[str, str]:
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("ASN_")}
    return inherited | {
        "AIRFLOW_HOME": str(root / "airflow"),
        "ASN_DATA_DIR": str(root / "data"),
        "ASN_PSEUDONYM_KEY": "airflow-check-key",
        "ASN_AIRFLOW_PORT": str(port),
    }


def test_check_starts_verifies_and_stops(reachable_root: Path) -> None:
    port = _free_port()
    checked = subprocess.run(
        [sys.executable, "-m", "asn_platform", "airflow", "--check"],
        env=_cli_env(reachable_root, port), cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=STARTUP_TIMEOUT + 60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    assert f"==> Airflow UI: http://127.0.0.1:{port}  (user admin, password " in checked.stdout
    assert "check passed: every DAG listed, no import errors, pool duckdb_writer has 1 slot" in checked.stdout
    assert "==> starting PostgreSQL (Airflow's metadata database) in " in checked.stdout
    assert "==> stopping PostgreSQL" in checked.stdout
    for service in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert (reachable_root / "airflow" / "logs" / f"{service}.log").stat().st_size > 0
    assert _processes_using(reachable_root / "airflow") == []


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [sys.executable, "-m", "asn_platform", "airflow", "--port", str(port)],
            env=_cli_env(tmp_path, port), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert refused.returncode == 1
    assert f"error: port {port} on 127.0.0.1 is already in use" in refused.stderr
    assert "--port or ASN_AIRFLOW_PORT" in refused.stderr
    assert _processes_using(tmp_path / "airflow") == []


def test_the_metadata_database_survives_a_killed_start_and_keeps_its_data(reachable_root: Path) -> None:
    home = reachable_root / "airflow"
    database = MetadataPostgres.in_home(home)
    try:
        database.start()  # the first start creates the cluster, the role and the database
        select = "SELECT current_user, current_database(), current_setting('unix_socket_permissions')"
        with psycopg.connect(host=str(database.socket_dir), port=PORT, user=ROLE, dbname=DATABASE) as connection:
            assert connection.execute(select).fetchone() == ("airflow", "airflow", "0700")
            connection.execute("CREATE TABLE kept (value text)")
            connection.execute("INSERT INTO kept VALUES ('from the first start')")
        # A `make airflow` killed before it could stop PostgreSQL leaves it running: the next start restarts it.
        assert database.is_running()
        MetadataPostgres.in_home(home).start()
        with psycopg.connect(host=str(database.socket_dir), port=PORT, user=ROLE, dbname=DATABASE) as connection:
            assert connection.execute("SELECT value FROM kept").fetchall() == [("from the first start",)]
    finally:
        database.stop()
    assert not database.is_running()
    with pytest.raises(MetadataDatabaseError, match="longer than a unix socket's 107 bytes"):
        MetadataPostgres.in_home(reachable_root / ("x" * 90)).start()
