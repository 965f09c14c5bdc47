"""`make airflow`: a real local Airflow 3 on the project's DAGs, every component a child of this process.

The api-server (UI and REST API), scheduler (LocalExecutor), dag-processor and triggerer run on a PostgreSQL metadata
database in the project-local AIRFLOW_HOME (asn_platform.local.metadata_postgres: the machine's own server, on a
unix socket, started and stopped with them), each logging to AIRFLOW_HOME/logs/<service>.log and bound to 127.0.0.1.
This process starts the database, migrates it, creates the writers' pool, waits until the UI answers and every DAG is
parsed, prints the address and login, and stops every component and the database on Ctrl-C or SIGTERM (`--check`:
right after verifying). An operator's own AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is used instead, and then no local
database is started.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from asn_platform.core.settings import Settings, SettingsError
from asn_platform.core.telemetry import TELEMETRY_OPT_OUTS
from asn_platform.local.metadata_postgres import MetadataDatabaseError, MetadataPostgres, sqlalchemy_uri
from asn_platform.local.run import AIRFLOW_EXECUTABLE, stand_in_apis
from asn_platform.orchestration.names import WAREHOUSE_DAG_ID, WRITER_POOL, ingest_dag_id
from ingestion.registry import load_registry, registry_problems

SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
DEFAULT_PORT = 8080
HOST = "127.0.0.1"
USER = "admin"
# Where SimpleAuthManager keeps the passwords of [core] simple_auth_manager_users (its default file name).
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"
STARTUP_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


class AirflowStartFailed(RuntimeError):
    """A component did not come up (or exited); the message names the log to read."""


@dataclass
class LocalAirflow:
    """The running components and how to reach them."""

    home: Path
    port: int
    password: str = field(repr=False)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def user(self) -> str:
        return USER

    @property
    def password_file(self) -> Path:
        return self.home / PASSWORDS_FILE

    def log(self, service: str) -> Path:
        return self.home / "logs" / f"{service}.log"

    def token(self, timeout: float = 30.0) -> str:
        """A JWT for the REST API (POST /auth/token with the login)."""
        response = httpx.post(
            f"{self.base_url}/auth/token", json={"username": USER, "password": self.password}, timeout=timeout
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def client(self, timeout: float = 30.0) -> httpx.Client:
        """An HTTP client for the REST API (/api/v2/...), logged in."""
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.token()}"}, timeout=timeout
        )


def resolve_port(port: int | None, env: dict[str, str] | os._Environ[str] | None = None) -> int:
    """--port, else ASN_AIRFLOW_PORT, else 8080."""
    if port is None:
        raw = (os.environ if env is None else env).get("ASN_AIRFLOW_PORT", "").strip()
        if not raw:
            return DEFAULT_PORT
        try:
            port = int(raw)
        except ValueError:
            raise SettingsError(f"ASN_AIRFLOW_PORT={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise SettingsError(f"port {port} is not between 1 and 65535")
    return port


def check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a port in TIME_WAIT from a previous run is free for the api-server (uvicorn sets it too).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise AirflowStartFailed(
                f"port {port} on {HOST} is already in use ({error.strerror}): another Airflow, or another server? "
                "Stop it, or choose a port with --port or ASN_AIRFLOW_PORT"
            ) from None


SQL_ALCHEMY_CONN = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"


def own_metadata_database(env: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """Whether the operator points Airflow at a metadata database of their own (then no local one is started)."""
    return bool((os.environ if env is None else env).get(SQL_ALCHEMY_CONN, "").strip())


def _airflow_settings(settings: Settings, port: int) -> tuple[dict[str, str], dict[str, str]]:
    """What the local stack sets: defaults an operator's own environment may override, and what it depends on."""
    base_url = f"http://{HOST}:{port}"
    defaults = {
        **TELEMETRY_OPT_OUTS,
        # A laptop or a 2-core server runs a few tasks at a time, and the DuckDB writers queue in their one-slot pool
        # anyway.
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
    }
    if not own_metadata_database():
        # psycopg 3 for both of Airflow's engines (its async one would otherwise look for asyncpg).
        defaults[SQL_ALCHEMY_CONN] = sqlalchemy_uri(settings.airflow_home, "psycopg")
        defaults["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = sqlalchemy_uri(settings.airflow_home, "psycopg_async")
    required = {
        **settings.airflow_env(),
        "AIRFLOW__API__HOST": HOST,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": base_url,
        # Task processes report to the api-server's execution API; its default (localhost:8080) is the wrong port
        # whenever --port is not 8080.
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(settings.airflow_home / PASSWORDS_FILE),
    }
    return defaults, required


def server_env(settings: Settings, port: int) -> dict[str, str]:
    """The components' environment (and the CLI's): this process's, with the local stack's settings."""
    defaults, required = _airflow_settings(settings, port)
    return defaults | dict(os.environ) | required


CLI_ENV_FILE = "cli.env"


def write_cli_env(settings: Settings, port: int) -> Path:
    """AIRFLOW_HOME/cli.env: the Airflow variables the components run with, for `airflow ...` commands in another
    terminal (`. .airflow/cli.env`); no connection (they carry tokens) and no password."""
    env = server_env(settings, port)
    names = sorted(set().union(*_airflow_settings(settings, port)))
    path = settings.airflow_home / CLI_ENV_FILE
    lines = [f"# Written by `python -m asn_platform airflow` for the airflow CLI in another shell: . {path}\n"]
    lines += [f"export {name}={shlex.quote(env[name])}\n" for name in names]
    path.write_text("".join(lines))
    return path


def _run_cli(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as handle:
        done = subprocess.run(
            [AIRFLOW_EXECUTABLE, *args], stdout=handle, stderr=subprocess.STDOUT, env=env, check=False
        )
    if done.returncode != 0:
        raise AirflowStartFailed(f"`airflow {' '.join(args)}` failed (exit {done.returncode}); see {log}")


def _ensure_password(home: Path) -> str:
    """The admin's password: kept in SimpleAuthManager's passwords file (owner-only), generated on first start."""
    path = home / PASSWORDS_FILE
    passwords = json.loads(path.read_text() or "{}") if path.is_file() else {}
    if USER not in passwords:
        passwords[USER] = secrets.token_urlsafe(12)
        path.touch(mode=0o600)
        path.write_text(json.dumps(passwords) + "\n")
    return str(passwords[USER])


def _command(service: str, port: int) -> list[str]:
    if service == "api-server":
        return [AIRFLOW_EXECUTABLE, service, "--host", HOST, "--port", str(port)]
    if service in {"scheduler", "triggerer"}:
        # Every component reads task logs from the same disk: no log server (it would listen on every interface).
        return [AIRFLOW_EXECUTABLE, service, "--skip-serve-logs"]
    return [AIRFLOW_EXECUTABLE, service]


def _start(service: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        # A session (and process group) of its own: Ctrl-C in the terminal reaches this process only, which stops
        # the components in order, each with the workers it forked.
        return subprocess.Popen(
            _command(service, port), stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)  # the group this child leads (start_new_session), by its id


def stop(
    processes: dict[str, subprocess.Popen[bytes]],
    timeout: float = STOP_TIMEOUT,
    progress: Callable[[str], None] = print,
) -> None:
    """SIGTERM to every component (and what it forked), wait, then SIGKILL whatever is left."""
    for process in processes.values():
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes.values():
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    stuck = [service for service, process in processes.items() if process.poll() is None]
    if stuck:
        progress(f"==> {', '.join(stuck)} still running {timeout:.0f} s after SIGTERM: killed")
    for process in processes.values():
        _signal_group(process, signal.SIGKILL)  # the group's stragglers too, even once its leader has exited
        process.wait()


def expected_dag_ids(settings: Settings) -> set[str]:
    """The warehouse DAG and one per region, a region held back by a broken registry file included."""
    regions = [*load_registry(settings.sources_dir), *registry_problems(settings.sources_dir)]
    return {WAREHOUSE_DAG_ID, *(ingest_dag_id(region) for region in regions)}


def _check_running(airflow: LocalAirflow) -> None:
    for service, process in airflow.processes.items():
        if process.poll() is not None:
            raise AirflowStartFailed(f"the {service} exited (code {process.returncode}); see {airflow.log(service)}")


def wait_until_ready(
    airflow: LocalAirflow, dag_ids: set[str], timeout: float = STARTUP_TIMEOUT, progress: Callable[[str], None] = print
) -> None:
    """Until the api-server answers its health endpoint and lists every one of `dag_ids` (the dag-processor has
    parsed them); a component that exits, or the timeout, raises naming the log to read."""
    deadline = time.monotonic() + timeout
    healthy = False
    listed: set[str] = set()
    with httpx.Client(base_url=airflow.base_url, timeout=10) as http:
        while time.monotonic() < deadline:
            _check_running(airflow)
            try:
                if not healthy:
                    healthy = http.get("/api/v2/monitor/health").status_code == 200
                    if healthy:
                        progress(f"==> api-server answers on {airflow.base_url}; waiting for the DAGs to be parsed")
                        http.headers["Authorization"] = f"Bearer {airflow.token()}"
                if healthy:
                    response = http.get("/api/v2/dags", params={"limit": 1000})
                    response.raise_for_status()
                    listed = {dag["dag_id"] for dag in response.json()["dags"]}
                    if dag_ids <= listed:
                        return
            except httpx.HTTPError:
                pass  # not up yet
            time.sleep(1)
    if not healthy:
        raise AirflowStartFailed(
            f"the api-server did not answer {airflow.base_url}/api/v2/monitor/health within {timeout:.0f} s; "
            f"see {airflow.log('api-server')}"
        )
    missing = ", ".join(sorted(dag_ids - listed))
    raise AirflowStartFailed(
        f"DAGs not parsed within {timeout:.0f} s: {missing}; see {airflow.log('dag-processor')} "
        "(and GET /api/v2/importErrors)"
    )


@contextmanager
def running_airflow(
    settings: Settings,
    port: int = DEFAULT_PORT,
    progress: Callable[[str], None] = print,
    timeout: float = STARTUP_TIMEOUT,
) -> Iterator[LocalAirflow]:
    """Airflow's four components on `port`, and the metadata database they share, ready (every project DAG listed)
    for the block, stopped after it."""
    check_port_free(port)
    home = settings.airflow_home
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with ExitStack() as stack:
        if not own_metadata_database():
            database = MetadataPostgres.in_home(home)
            progress(f"==> starting PostgreSQL (Airflow's metadata database) in {database.root}")
            try:
                database.start()
            except MetadataDatabaseError as error:
                raise AirflowStartFailed(str(error)) from None
            stack.callback(_stop_database, database, progress)
        env = server_env(settings, port)
        progress(f"==> migrating the metadata database (log {logs / 'db-migrate.log'})")
        _run_cli(["db", "migrate"], env, logs / "db-migrate.log")
        _run_cli(["pools", "set", WRITER_POOL, "1", "DuckDB allows one writing process"], env, logs / "pools.log")
        write_cli_env(settings, port)
        yield stack.enter_context(
            _components(settings, port, env=env, started=started, progress=progress, timeout=timeout)
        )


@contextmanager
def _components(
    settings: Settings,
    port: int,
    *,
    env: dict[str, str],
    started: float,
    progress: Callable[[str], None],
    timeout: float,
) -> Iterator[LocalAirflow]:
    home = settings.airflow_home
    logs = home / "logs"
    airflow = LocalAirflow(home=home, port=port, password=_ensure_password(home))
    try:
        for service in SERVICES:
            airflow.processes[service] = _start(service, port, env, airflow.log(service))
        progress(f"==> started {', '.join(SERVICES)}; logs in {logs}/<service>.log")
        wait_until_ready(airflow, expected_dag_ids(settings), timeout=max(1.0, timeout), progress=progress)
        progress(f"==> Airflow ready in {time.perf_counter() - started:.0f} s")
        yield airflow
    finally:
        progress("==> stopping Airflow")
        with _signals_held():
            stop(airflow.processes, progress=progress)


def _stop_database(database: MetadataPostgres, progress: Callable[[str], None]) -> None:
    progress("==> stopping PostgreSQL")
    with _signals_held():
        database.stop()


@contextmanager
def _signals_held() -> Iterator[None]:
    """A second Ctrl-C (or SIGTERM) while stopping must not leave components running: ignored until they are down."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _verify(airflow: LocalAirflow, progress: Callable[[str], None]) -> None:
    with airflow.client() as api:
        errors = api.get("/api/v2/importErrors").json()
        pool = api.get(f"/api/v2/pools/{WRITER_POOL}").json()
    if errors["total_entries"]:
        raise AirflowStartFailed(f"DAG import errors: {errors['import_errors']}")
    if pool.get("slots") != 1:
        raise AirflowStartFailed(f"pool {WRITER_POOL} is not 1 slot: {pool}")
    progress(f"==> check passed: every DAG listed, no import errors, pool {WRITER_POOL} has 1 slot")


def serve(settings: Settings, port: int | None = None, check: bool = False) -> int:
    """`python -m asn_platform airflow`: start, print where and how to log in, wait for Ctrl-C/SIGTERM, stop."""
    port = resolve_port(port)
    try:
        check_port_free(port)  # before anything is started or migrated
    except AirflowStartFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)  # SIGTERM stops the children as Ctrl-C does
    try:
        with ExitStack() as stack:
            # Banjarbaru's API datasets: the stand-in API on 127.0.0.1 (in this process) unless its connection is set;
            # the components inherit the connection variable.
            settings = stack.enter_context(stand_in_apis(settings))
            airflow = stack.enter_context(running_airflow(settings, port))
            print(f"==> Airflow UI: {airflow.base_url}  (user {USER}, password {airflow.password}; kept in "
                  f"{airflow.password_file})")  # fmt: skip
            print(f"==> airflow CLI in another shell (e.g. airflow backfill create): . {airflow.home / CLI_ENV_FILE}")
            print("==> new DAGs start paused: unpause one in the UI, or `airflow dags unpause <dag_id>`")
            if check:
                _verify(airflow, print)
                return 0
            print("==> Ctrl-C stops every component")
            while True:
                for service, process in airflow.processes.items():
                    if process.poll() is not None:
                        raise AirflowStartFailed(
                            f"the {service} exited (code {process.returncode}); see {airflow.log(service)}"
                        )
                time.sleep(1)
    except KeyboardInterrupt:
        return 0
    except AirflowStartFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
