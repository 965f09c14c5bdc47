"""Faults are not bad data: a read or write error, a full disk or a busy warehouse is a failed attempt that the next
run tries again, in one clear line; only a delivery's content is a rejection. Real processes, real files: a write
error comes from a file size limit (RLIMIT_FSIZE, which binds root too), a lock from a second process."""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA, SORONG
from ingestion.service import audit_rows, load_pending

# Above what the reference lists and the build database's own writes need, below a personnel file's UTF-8 working
# copy (Sorong delivers Windows-1252, transcoded before DuckDB reads it): the write that fails is the copy's.
WORKING_COPY_LIMIT = 256 * 1024


def _file_size_limit(size: int) -> Callable[[], None]:
    def limit() -> None:  # in the child, before it runs Python: every write past `size` bytes fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def _ingestion(*args: str, limit: int | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ingestion", *args],
        capture_output=True,
        text=True,
        preexec_fn=_file_size_limit(limit) if limit is not None else None,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=300,
    )


def _statuses(settings: Settings, delivery_id: str) -> list[tuple[object, object]]:
    return [(row["status"], row["error"]) for row in audit_rows(settings) if row["delivery_id"] == delivery_id]


def test_a_write_error_while_loading_is_a_failed_attempt_that_the_next_run_loads(settings: Settings) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(SORONG,))
    load_pending(settings, "sorong", "units")  # the build database exists before the limit applies

    failing = _ingestion("load", "sorong", limit=WORKING_COPY_LIMIT)

    personnel = "sorong/personnel/2026-11-01"
    assert failing.returncode == 1
    assert "Traceback" not in failing.stderr
    assert (
        f"   failed  sorong: {personnel}/SIMPEG_SORONG_20261101.csv: the load failed (OSError: [Errno 27] File too "
        "large); nothing of it was kept, the next run tries it again"
    ) in failing.stdout.splitlines()
    assert _statuses(settings, personnel) == [("failed", "OSError: [Errno 27] File too large")]
    assert "rejected" not in {row["status"] for row in audit_rows(settings)}

    retried = _ingestion("load", "sorong")

    assert retried.returncode == 0, retried.stdout + retried.stderr
    delivered = settings.landing_dir / personnel / "SIMPEG_SORONG_20261101.csv"
    records = len(delivered.read_bytes().splitlines()) - 1  # the header
    assert [row["status"] for row in audit_rows(settings) if row["delivery_id"] == personnel] == ["failed", "loaded"]
    with connect(read_only=True, settings=settings) as warehouse:
        assert warehouse.execute("SELECT count(*) FROM raw.personnel").fetchone() == (records,)
    assert {row["status"] for row in audit_rows(settings)} == {"loaded", "failed"}


@pytest.mark.parametrize(
    "recorded",
    [
        "not a readable none file: [Errno 28] No space left on device",  # the working copy's write
        'cannot be read as csv: IO Error: Could not write file "/tmp/duckdb_temp_storage-0.tmp": No space left',
    ],
)
def test_a_write_error_an_earlier_version_recorded_as_a_rejection_is_tried_again(
    settings: Settings, recorded: str
) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(SORONG,))
    load_pending(settings, "sorong", "units")
    personnel = "sorong/personnel/2026-11-01"
    delivered = settings.landing_dir / personnel / "SIMPEG_SORONG_20261101.csv"
    with connect(settings=settings) as warehouse:  # as the audit of a warehouse loaded before the fix holds it
        warehouse.execute(
            """INSERT INTO raw.load_audit (load_id, region, dataset, delivery_id, delivery_date, source_file,
                   file_sha256, status, error, started_at, finished_at, duration_s, delivery_kind)
               VALUES ('old', 'sorong', 'personnel', ?, DATE '2026-11-01', ?, ?, 'rejected', ?, now(), now(), 0.1,
                       'full')""",
            [personnel, f"{personnel}/{delivered.name}", hashlib.sha256(delivered.read_bytes()).hexdigest(),
             f"{delivered}: {recorded}"],
        )  # fmt: skip

    (result,) = load_pending(settings, "sorong", "personnel")

    assert (result.status, result.received) == ("loaded", len(delivered.read_bytes().splitlines()) - 1)


def test_a_warehouse_that_cannot_be_written_is_one_clear_line_and_the_next_run_loads(settings: Settings) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))

    # Not one byte may be written: DuckDB cannot even create the build database (as on a full or read-only disk).
    loading = _ingestion("load", "langsa", limit=0)
    reading = _ingestion("audit", limit=0)

    database = settings.warehouse_path
    assert loading.returncode == 1
    assert "Traceback" not in loading.stderr + loading.stdout
    assert (
        f'   failed  langsa: {database}: cannot be opened for writing: IO Error: Could not write file "{database}": '
        "File too large"
    ) in loading.stdout.splitlines()
    assert reading.returncode == 1
    assert reading.stderr.startswith(f"error: {database}: cannot be opened read-only: IO Error: ")
    assert len(reading.stderr.strip().splitlines()) == 1

    # What the failed creation left (an empty file) does not stop the next run.
    retried = _ingestion("load", "langsa")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert {row["status"] for row in audit_rows(settings)} == {"loaded"}


HOLDER = """
import sys
from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
with connect(settings=Settings.from_env()) as warehouse:
    warehouse.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
    print("holding", flush=True)
    sys.stdin.readline()  # until the test says
"""


@contextmanager
def _held_warehouse() -> Iterator[subprocess.Popen]:
    """A second process with the build database open for writing, until the block ends (or it is told earlier)."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"
        yield holder
    finally:
        if holder.poll() is None:
            holder.communicate("done\n", timeout=60)


def test_a_second_writer_waits_for_the_first_and_then_fails_naming_who_holds_it(settings: Settings) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
    with _held_warehouse() as holder:
        loading = _ingestion("load", "langsa", env={"ASN_WAREHOUSE_LOCK_WAIT_S": "1"})

    assert loading.returncode == 1
    assert "Traceback" not in loading.stderr + loading.stdout
    # While it waits it says who holds the file (the process and its command line), then gives up in one line.
    assert loading.stderr.startswith(f"{settings.warehouse_path} is busy: process {holder.pid} ({sys.executable} -c ")
    assert "waiting up to 1 s more to open it for writing" in loading.stderr.splitlines()[0]
    failed = loading.stdout.splitlines()[0]
    assert failed.startswith(f"   failed  langsa: {settings.warehouse_path} is busy: process {holder.pid} (")
    assert failed.endswith("(ASN_WAREHOUSE_LOCK_WAIT_S=1); try again when that process has ended")
    assert audit_rows(settings) == []  # nothing of it was attempted


def test_a_reader_during_a_load_waits_until_the_writer_is_done(settings: Settings) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
    load_pending(settings, "langsa")
    with _held_warehouse() as holder:
        reader = subprocess.Popen(
            [sys.executable, "-m", "ingestion", "audit"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert reader.stderr is not None
        waiting = reader.stderr.readline()  # it waits, and says so, while the writer holds the file
        holder.communicate("done\n", timeout=60)
        output, rest = reader.communicate(timeout=120)

    assert waiting.startswith(f"{settings.warehouse_path} is busy: process {holder.pid} (")
    assert "to open it read-only" in waiting
    assert reader.returncode == 0, rest
    assert "Traceback" not in rest
    assert output.count(" loaded ") == 6  # the audit, read once the writer had gone
