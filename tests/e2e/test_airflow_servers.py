"""The real Airflow servers `make airflow` starts: api-server, scheduler, dag-processor and triggerer on 127.0.0.1,
queried through the REST API, a backfill created from the CLI and run by the scheduler, and nothing left running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import duckdb
import psutil
import pytest

from asn_platform.core.settings import PROJECT_ROOT, Settings
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA
from asn_platform.local.airflow_server import CLI_ENV_FILE, LocalAirflow, expected_dag_ids, running_airflow

pytestmark = pytest.mark.e2e
STARTUP_TIMEOUT = 180.0
RUNS_TIMEOUT = 360.0  # a failed task waits out its retry delay (1 minute)
FINAL_STATES = {"success", "failed"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    """The running servers of this module, and the one way to stop them (once)."""

    def __init__(self, settings: Settings, stack: ExitStack, airflow: LocalAirflow, ready_seconds: float) -> None:
        self.settings, self.airflow, self.ready_seconds = settings, airflow, ready_seconds
        self._stack = stack

    def stop(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    from conftest import isolated_settings

    root = tmp_path_factory.mktemp("airflow-servers")
    with pytest.MonkeyPatch.context() as monkeypatch, ExitStack() as stack:
        monkeypatch.setenv("AIRFLOW_HOME", str(root / "airflow"))
        monkeypatch.delenv("ASN_SOURCES_DIR", raising=False)
        settings = isolated_settings(root, monkeypatch)
        generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
        started = time.perf_counter()
        airflow = stack.enter_context(running_airflow(settings, _free_port(), timeout=STARTUP_TIMEOUT))
        yield Servers(settings, stack, airflow, time.perf_counter() - started)


def test_servers_list_every_dag_without_import_errors_and_the_writer_pool(servers: Servers) -> None:
    with servers.airflow.client() as api:
        dags = api.get("/api/v2/dags", params={"limit": 1000}).json()
        errors = api.get("/api/v2/importErrors").json()
        pool = api.get("/api/v2/pools/duckdb_writer").json()
        health = api.get("/api/v2/monitor/health").json()
    listed = {dag["dag_id"] for dag in dags["dags"]}
    assert {"asn_warehouse", "asn_ingest_langsa", "asn_ingest_banjarbaru"} <= expected_dag_ids(servers.settings)
    assert expected_dag_ids(servers.settings) <= listed
    assert errors["total_entries"] == 0, errors["import_errors"]
    assert (pool["name"], pool["slots"]) == ("duckdb_writer", 1)
    assert health["metadatabase"]["status"] == "healthy"
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


# On SQLite, `airflow backfill create` can lose a write race with the running components ("database is locked") and
# leave runs the scheduler cannot schedule: 2 of 6 full `make test` runs on 2026-12-02. It runs locally; CI skips it
# until the local stack's metadata database is PostgreSQL.
@pytest.mark.skipif(bool(os.environ.get("CI")), reason="flaky on SQLite: backfill create races the scheduler")
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
    assert len(deliveries) >= 5  # personnel, training, the reference lists, the service-quality data
    assert dict(audit) == dict.fromkeys(deliveries, 1)


def test_stopping_leaves_no_process(servers: Servers) -> None:
    airflow = servers.airflow
    children = {service: process.pid for service, process in airflow.processes.items()}
    assert set(children) == {"api-server", "scheduler", "dag-processor", "triggerer"}
    assert _processes_using(airflow.home)
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


def test_check_starts_verifies_and_stops(tmp_path: Path) -> None:
    port = _free_port()
    checked = subprocess.run(
        [sys.executable, "-m", "asn_platform", "airflow", "--check"],
        env=_cli_env(tmp_path, port), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=STARTUP_TIMEOUT + 60,
        check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    assert f"==> Airflow UI: http://127.0.0.1:{port}  (user admin, password " in checked.stdout
    assert "check passed: every DAG listed, no import errors, pool duckdb_writer has 1 slot" in checked.stdout
    for service in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert (tmp_path / "airflow" / "logs" / f"{service}.log").stat().st_size > 0
    assert _processes_using(tmp_path / "airflow") == []


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
