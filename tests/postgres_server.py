"""A real, throw-away PostgreSQL server for tests, started from the machine's own binaries (Debian's postgresql).

PostgreSQL refuses to run as root, and tests run as root here and in CI: then initdb and pg_ctl run as the
`postgres` system user, in a temporary folder it owns under the system's temporary directory (pytest's own
tmp_path sits below a root-only 0700 folder the server could not reach).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from asn_platform.local import metadata_postgres

SERVER_USER = "postgres"  # the system account the server runs as when the tests run as root
SUPERUSER = "asn_test_admin"
SUPERUSER_PASSWORD = "test-admin-password"
DATABASE = "asn_serving"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (initdb, pg_ctl, postgres)."""


def find_bin_dir() -> Path:
    """The machine's PostgreSQL server binaries, found as `make airflow` finds them for its metadata database."""
    try:
        return metadata_postgres.find_bin_dir()
    except metadata_postgres.MetadataDatabaseError as error:
        raise PostgresUnavailable(str(error)) from None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """One initdb'd cluster on 127.0.0.1:`port`, its unix socket in `socket_dir`, password (scram) auth over TCP."""

    bin_dir: Path
    root: Path
    port: int
    run_as: str | None  # the system user running the server, None for the current one
    durable: bool = False  # PostgreSQL's default fsync settings (for measurements), else fsync off

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def uri(self, user: str = SUPERUSER, password: str = SUPERUSER_PASSWORD, dbname: str = DATABASE) -> str:
        return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        # cwd: the server's user may not be able to enter the test's working directory (e.g. /root).
        return subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        password_file = self.root / "password"
        password_file.write_text(SUPERUSER_PASSWORD + "\n")
        self._chown(password_file)
        self._run(
            "initdb",
            f"--pgdata={self.data_dir}",
            f"--username={SUPERUSER}",
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        )
        password_file.unlink()

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.socket_dir} "
            "-c max_connections=40"
        )
        if not self.durable:
            # Durability is not what is tested: fsync off keeps the shared 2-core machine's disk out of the timings.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try:
            self._run("pg_ctl", "start", "--wait", "--timeout=60", f"--pgdata={self.data_dir}",
                      f"--log={self.log_file}", f"--options={options}")  # fmt: skip
        except subprocess.CalledProcessError as error:
            log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {error.stderr.strip()}\n{log}") from error

    def is_running(self) -> bool:
        return self._run("pg_ctl", "status", f"--pgdata={self.data_dir}", check=False).returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` is a crash (no shutdown checkpoint, clients cut off)."""
        if self.is_running():
            self._run("pg_ctl", "stop", "--wait", "--timeout=60", f"--pgdata={self.data_dir}", f"--mode={mode}")

    def _chown(self, path: Path) -> None:
        if self.run_as:
            account = pwd.getpwnam(self.run_as)
            os.chown(path, account.pw_uid, account.pw_gid)


@contextlib.contextmanager
def running_postgres(durable: bool = False) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster with the database `asn_serving`, stopped and removed on exit however the block
    ends. Raises PostgresUnavailable when the machine has no PostgreSQL binaries."""
    bin_dir = find_bin_dir()
    run_as = SERVER_USER if os.geteuid() == 0 else None
    if run_as:
        try:
            pwd.getpwnam(run_as)
        except KeyError:
            raise PostgresUnavailable(f"running as root and there is no {run_as!r} user to run PostgreSQL as") from None
    # Beside pytest's folders, not under them: /tmp/pytest-of-root is 0700, the server's user could not enter it.
    root = Path(tempfile.mkdtemp(prefix="asn-test-postgres-"))
    server = PostgresServer(bin_dir, root, _free_port(), run_as, durable)
    try:
        server.socket_dir.mkdir()
        for path in (root, server.socket_dir):
            server._chown(path)
        server.init()
        server.start()
        _create_database(server)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop("fast")
        shutil.rmtree(root, ignore_errors=True)


def _create_database(server: PostgresServer) -> None:
    import psycopg

    with psycopg.connect(server.uri(dbname="postgres"), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {DATABASE}")
