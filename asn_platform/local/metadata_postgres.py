"""The local Airflow's metadata database: a PostgreSQL cluster of the machine's own server binaries (Debian's
postgresql, `make postgres`) in AIRFLOW_HOME/postgres, kept between starts, reached over a unix socket only.

SQLite takes one writer at a time: `airflow backfill create` lost write races with the running scheduler there.
PostgreSQL takes them all. Nothing listens on TCP; the socket's folder is the server user's alone (0700), so no
password is needed (trust over the socket). PostgreSQL refuses to run as root: as root, the cluster is owned and
run by the `postgres` system user, which must be able to reach AIRFLOW_HOME.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CLUSTER_DIR = "postgres"
SERVER_USER = "postgres"  # the system account the server runs as when this process is root
DATABASE = "airflow"
ROLE = "airflow"
PORT = 5432  # only names the socket file (.s.PGSQL.5432): nothing listens on TCP
TOOLS = ("initdb", "pg_ctl", "postgres")
# Four components with their connection pools, and the LocalExecutor's task processes.
MAX_CONNECTIONS = 200
PG_CTL_TIMEOUT_S = 60
# A unix socket's path is at most 107 bytes (sun_path): PostgreSQL refuses a longer one.
MAX_SOCKET_PATH = 107


class MetadataDatabaseError(RuntimeError):
    """The metadata database could not be set up or started; the message says why and what to do."""


def find_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: from PATH (Debian's /usr/local/bin symlinks resolved to the
    real folder, where pg_ctl looks for postgres), else the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)[::-1]
    for directory in candidates:
        if all((directory / tool).is_file() for tool in TOOLS):
            return directory
    raise MetadataDatabaseError(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or in /usr/lib/postgresql/*/bin; "
        "`make postgres` installs Debian's postgresql package"
    )


def sqlalchemy_uri(airflow_home: Path, driver: str = "psycopg") -> str:
    """The database's SQLAlchemy URL: psycopg 3 (installed for the serving target) for Airflow's sync engine,
    `psycopg_async` for its async one (which would otherwise look for asyncpg)."""
    return f"postgresql+{driver}://{ROLE}@/{DATABASE}?host={airflow_home / CLUSTER_DIR / 'socket'}&port={PORT}"


@dataclass
class MetadataPostgres:
    """The cluster in `root` (AIRFLOW_HOME/postgres): data in root/data, the socket in root/socket."""

    bin_dir: Path
    root: Path
    run_as: str | None  # the system user running the server, None for the current one

    @classmethod
    def in_home(cls, airflow_home: Path) -> MetadataPostgres:
        run_as = SERVER_USER if os.geteuid() == 0 else None
        if run_as:
            try:
                pwd.getpwnam(run_as)
            except KeyError:
                raise MetadataDatabaseError(
                    f"running as root and there is no {run_as!r} user to run PostgreSQL as"
                ) from None
        return cls(find_bin_dir(), airflow_home / CLUSTER_DIR, run_as)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"  # as sqlalchemy_uri names it

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def sqlalchemy_uri(self, driver: str = "psycopg") -> str:
        return sqlalchemy_uri(self.root.parent, driver)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        # cwd: the server's user may not be able to enter this process's working directory (e.g. /root).
        return subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, check=check, timeout=PG_CTL_TIMEOUT_S * 2
        )

    def _chown(self, path: Path) -> None:
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            os.chown(path, account.pw_uid, account.pw_gid)

    def _check_reachable(self) -> None:
        if self.run_as and self._run_as_test("-w", self.root) != 0:
            raise MetadataDatabaseError(
                f"PostgreSQL runs as {self.run_as!r} (this process is root) and cannot write {self.root}: a folder "
                "above it is closed to other users. Set AIRFLOW_HOME to a folder outside a root-only one"
            )

    def _run_as_test(self, flag: str, path: Path) -> int:
        return subprocess.run(
            ["runuser", "-u", str(self.run_as), "--", "test", flag, str(path)], cwd="/", check=False
        ).returncode

    def start(self) -> None:
        """Start the server: a new cluster with Airflow's role and database the first time; a server left running by
        an earlier start that was killed is stopped first."""
        socket_file = self.socket_dir / f".s.PGSQL.{PORT}"
        if len(str(socket_file).encode()) > MAX_SOCKET_PATH:
            raise MetadataDatabaseError(
                f"the metadata database's socket {socket_file} is longer than a unix socket's {MAX_SOCKET_PATH} "
                "bytes: set AIRFLOW_HOME to a shorter path"
            )
        fresh = not (self.data_dir / "PG_VERSION").is_file()
        if fresh:
            self._init()
        elif self.is_running():
            self.stop()
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self._chown(self.socket_dir)
        options = (
            f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} -c unix_socket_permissions=0700 "
            f"-c port={PORT} -c max_connections={MAX_CONNECTIONS}"
        )
        started = self._run(
            "pg_ctl", "start", "--wait", f"--timeout={PG_CTL_TIMEOUT_S}", f"--pgdata={self.data_dir}",
            f"--log={self.log_file}", f"--options={options}", check=False,
        )  # fmt: skip
        if started.returncode != 0:
            raise MetadataDatabaseError(
                f"PostgreSQL (Airflow's metadata database) did not start: {started.stderr.strip()}; see {self.log_file}"
            )
        if fresh:
            self._create_database()

    def _init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        self._chown(self.root)
        self._check_reachable()
        self._run(
            "initdb",
            f"--pgdata={self.data_dir}",
            f"--username={ROLE}",
            "--auth-local=trust",
            "--auth-host=reject",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        )

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), port=PORT, user=ROLE, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")

    def is_running(self) -> bool:
        return self._run("pg_ctl", "status", f"--pgdata={self.data_dir}", check=False).returncode == 0

    def stop(self) -> None:
        if self.is_running():
            self._run("pg_ctl", "stop", "--wait", f"--timeout={PG_CTL_TIMEOUT_S}", f"--pgdata={self.data_dir}",
                      "--mode=fast")  # fmt: skip
