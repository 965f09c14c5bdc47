"""Serving the published marts from a real PostgreSQL server (started and stopped by these tests): every table and
value as DuckDB has it, one version at a time for readers during a swap, the previous version kept on any failure,
and a BI reader role that can read but not write."""

from __future__ import annotations

import dataclasses
import itertools
import json
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from postgres_server import (
    SUPERUSER_PASSWORD,
    PostgresServer,
    PostgresUnavailable,
    _free_port,
    find_bin_dir,
    running_postgres,
)

from asn_platform.core.settings import MART_SCHEMAS, Settings
from asn_platform.core.warehouse import connect
from asn_platform.serving import postgres as serving
from asn_platform.serving.postgres import PostgresServing, PostgresServingError, serve_postgres
from asn_platform.serving.publish import publish

BI_LOGIN, BI_PASSWORD = "metabase_test", "bi-reader-password"
# One query reading three schemas: what a dashboard tile may run while a new version is swapped in.
SNAPSHOT_QUERY = (
    "SELECT (SELECT published_at FROM main.publication), (SELECT sum(active_headcount) FROM core.dim_unit), "
    "(SELECT count(*) FROM competency.training_records)"
)
_databases = itertools.count()


@dataclasses.dataclass(frozen=True)
class Published:
    settings: Settings
    first: Path  # analytics.duckdb as the first publish left it
    second: Path  # a later, changed version: 100 more staff per unit, Bappeda's trainings gone


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Published]:
    """Langsa's gated build (a copy of the session's) published twice: as built, then changed."""
    from conftest import gated_langsa_build

    root = tmp_path_factory.mktemp("serving")
    with gated_langsa_build(root, gated_langsa_template) as settings:
        first, second = root / "first.duckdb", root / "second.duckdb"
        shutil.copyfile(publish(settings).path, first)
        with connect(settings=settings) as connection:
            connection.execute("UPDATE core.dim_unit SET active_headcount = active_headcount + 100")
            connection.execute("DELETE FROM competency.training_records WHERE unit_code = 'LGS-BAPPEDA'")
        shutil.copyfile(publish(settings).path, second)
        yield Published(settings, first, second)


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    try:
        find_bin_dir()
    except PostgresUnavailable as error:
        pytest.skip(str(error))
    with running_postgres() as running:
        yield running


@pytest.fixture
def target(server: PostgresServer) -> str:
    """A fresh database on the shared server, as a libpq URI."""
    name = f"serving_{next(_databases)}"
    with psycopg.connect(server.uri(dbname="postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server.uri(dbname=name)


def _serving_settings(published: Published, version: Path, root: Path) -> Settings:
    """The module's settings with their own published folder, holding `version` as analytics.duckdb."""
    current = published.settings.model_copy(update={"published_dir": root / "published"})
    _place(current, version)
    return current


def _place(settings: Settings, version: Path) -> None:
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(version, settings.analytics_path)


def _duckdb_tables(path: Path) -> dict[str, list[str]]:
    """Every served table of a published file with its JSON-typed columns (compared parsed)."""
    with duckdb.connect(str(path), read_only=True) as duck:
        rows = duck.execute(
            "SELECT schema_name || '.' || table_name, list(column_name) FILTER (WHERE data_type = 'JSON') "
            "FROM duckdb_columns() WHERE database_name = current_database() AND (schema_name IN "
            f"({', '.join(repr(schema) for schema in MART_SCHEMAS)}) OR (schema_name, table_name) IN "
            "(('dq', 'expectation_results'), ('main', 'publication'))) GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return dict(rows)


def _canonical(value: Any) -> str:
    """JSON's fallback: instants in UTC, any other value (dates, intervals, UUIDs, bytes) as its text."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    # numeric(p,0) (HUGEINT, UBIGINT) comes back from PostgreSQL as Decimal, from DuckDB as int.
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == 0:
        return int(value)
    return str(value) if isinstance(value, Decimal) else value


def _rows(cursor: Any, json_columns: list[str] | None = None) -> list[str]:
    """A table's rows in a form both databases give alike, sorted (tables have no order)."""
    names, json_columns = [column[0] for column in cursor.description], json_columns or []
    result = []
    for row in cursor.fetchall():
        record = {
            name: json.loads(value) if name in json_columns and isinstance(value, str) else _plain(value)
            for name, value in zip(names, row, strict=True)
        }
        result.append(json.dumps(record, default=_canonical, sort_keys=True))
    return sorted(result)


def _snapshot(path: Path) -> tuple[Any, ...]:
    with duckdb.connect(str(path), read_only=True) as duck:
        return duck.execute(SNAPSHOT_QUERY).fetchone()


def _bi_login(server: PostgresServer, target: str) -> str:
    """A BI tool's login, created the way docs/serving-postgres.md says (IN ROLE asn_bi_reader); its URI on
    `target`."""
    with psycopg.connect(server.uri(dbname="postgres"), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [BI_LOGIN]).fetchone():
            admin.execute(f"CREATE ROLE {BI_LOGIN} LOGIN PASSWORD '{BI_PASSWORD}' IN ROLE asn_bi_reader")
    return target.replace(f"asn_test_admin:{SUPERUSER_PASSWORD}", f"{BI_LOGIN}:{BI_PASSWORD}")


def _schemas(uri: str) -> list[str]:
    with psycopg.connect(uri) as pg:
        rows = pg.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' "
            "ORDER BY 1"
        ).fetchall()
    return [name for (name,) in rows]


def test_serves_every_table_with_the_published_rows_and_values(
    published: Published, target: str, tmp_path: Path
) -> None:
    settings = _serving_settings(published, published.first, tmp_path)
    # Configured the way Airflow and the CLI configure it: the connection's variable, no explicit URI.
    settings = settings.model_copy(update={"connections": {"AIRFLOW_CONN_ASN_SERVING_POSTGRES": target}})
    result = serve_postgres(settings)

    tables = _duckdb_tables(published.first)
    with duckdb.connect(str(published.first), read_only=True) as duck:
        expected = {name: duck.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in tables}
        cursor = duck.execute("FROM main.publication")
        publication = dict(zip([column[0] for column in cursor.description], cursor.fetchone(), strict=True))
        duck_rows = {name: _rows(duck.execute(f"FROM {name}"), json_columns) for name, json_columns in tables.items()}
        jp_by_unit = duck.execute(
            "SELECT region, unit_code, sum(jp) FROM competency.training_records GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        ikm_by_region = duck.execute(
            "SELECT region, sum(ikm) FROM service_quality.ikm_unit_period GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert not result.skipped
    # The publication's version when publishing names one, else the time it was published.
    assert result.version == str(publication.get("version") or publication["published_at"].astimezone(UTC).isoformat())
    assert result.tables == expected
    # Every mart, the data-quality results and the publication record; nothing from another schema.
    assert {"core.dim_employee", "service_quality.training_needs", "dq.expectation_results", "main.publication"} <= set(
        expected
    )
    assert {name.split(".")[0] for name in expected} == {*MART_SCHEMAS, "dq", "main"}
    assert (expected["core.dim_employee"], expected["competency.training_records"]) == (3_000, 31_749)

    with psycopg.connect(target) as pg:
        served = {name: pg.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in tables}
        assert served == expected
        for name in tables:  # every value of every row, as DuckDB has it
            assert _rows(pg.execute(f"SELECT * FROM {name}")) == duck_rows[name], name
        assert (
            pg.execute(
                "SELECT region, unit_code, sum(jp) FROM competency.training_records GROUP BY 1, 2 ORDER BY 1, 2"
            ).fetchall()
            == jp_by_unit
        )
        assert (
            pg.execute("SELECT region, sum(ikm) FROM service_quality.ikm_unit_period GROUP BY 1 ORDER BY 1").fetchall()
            == ikm_by_region
        )
        types = dict(
            pg.execute(
                "SELECT table_name || '.' || column_name, format_type(atttypid, atttypmod) FROM "
                "information_schema.columns JOIN pg_attribute ON attrelid = format('%I.%I', table_schema, "
                "table_name)::regclass AND attname = column_name WHERE table_schema IN "
                "('competency', 'service_quality', 'dq', 'core')"
            ).fetchall()
        )
        assert types["training_records.topics"] == "jsonb"  # VARCHAR[]
        assert types["training_records.jp"] == "integer"
        assert types["training_records.employee_key"] == "text"
        assert types["training_records.start_date"] == "date"
        assert types["ikm_unit_period.ikm"] == "numeric(5,2)"
        assert types["expectation_results.kwargs"] == "jsonb"  # JSON
        assert types["expectation_results.validated_at"] == "timestamp with time zone"
        assert types["expectation_results.element_count"] == "bigint"
        assert types["dim_date.is_weekend"] == "boolean"
        keys = dict(
            pg.execute(
                "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p'"
            ).fetchall()
        )
        assert keys["core.dim_employee"] == "PRIMARY KEY (region, employee_key)"
        assert keys["competency.training_records"] == "PRIMARY KEY (region, employee_key, course_code, start_date)"
        assert keys["core.dim_date"] == "PRIMARY KEY (date_day)"
        version, tables_recorded = pg.execute("SELECT version, tables FROM asn_serving.versions").fetchone()
        assert (version, tables_recorded) == (result.version, expected)
    assert _schemas(target) == [
        "asn_serving", "competency", "core", "dq", "main", "placement", "public", "service_quality"
    ]  # fmt: skip


def test_serving_the_same_version_twice_does_nothing(published: Published, target: str, tmp_path: Path) -> None:
    settings = _serving_settings(published, published.first, tmp_path)
    first = serve_postgres(settings, target)
    with psycopg.connect(target) as pg:
        (table_oid,) = pg.execute("SELECT 'core.dim_employee'::regclass::oid").fetchone()
    again = serve_postgres(settings, target)
    assert again.skipped
    assert (again.version, again.tables) == (first.version, first.tables)
    assert again.seconds < first.seconds
    with psycopg.connect(target) as pg:
        assert pg.execute("SELECT 'core.dim_employee'::regclass::oid").fetchone()[0] == table_oid  # not reloaded
        assert pg.execute("SELECT count(*) FROM asn_serving.versions").fetchone()[0] == 1
    assert "core__previous" not in _schemas(target)


def test_two_serves_at_once_take_turns(published: Published, target: str, tmp_path: Path) -> None:
    settings = _serving_settings(published, published.first, tmp_path)
    results: list[serving.PostgresServing] = []
    threads = [threading.Thread(target=lambda: results.append(serve_postgres(settings, target))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(result.skipped for result in results) == [False, True]  # one loaded it, the other found it served
    assert results[0].version == results[1].version
    with psycopg.connect(target) as pg:
        assert pg.execute("SELECT count(*) FROM asn_serving.versions").fetchone() == (1,)


def _first_version_served_to_a_reader(
    published: Published, target: str, server: PostgresServer, root: Path
) -> tuple[Settings, tuple[Any, ...], tuple[Any, ...], str]:
    """The first published version served; its snapshot and the second's (SNAPSHOT_QUERY's values), and the BI
    login's URI on the target, for the swap tests."""
    settings = _serving_settings(published, published.first, root)
    serve_postgres(settings, target)
    return settings, _snapshot(published.first), _snapshot(published.second), _bi_login(server, target)


def test_readers_during_a_swap_see_one_whole_version_or_the_other(
    published: Published, target: str, server: PostgresServer, tmp_path: Path
) -> None:
    settings, old, new, reader_uri = _first_version_served_to_a_reader(published, target, server, tmp_path)
    assert old[1:] != new[1:]  # the versions differ in both schemas a reader reads
    seen: list[tuple[float, tuple[Any, ...]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            with psycopg.connect(reader_uri, autocommit=True) as reader:
                while not stop.is_set():
                    seen.append((time.perf_counter(), reader.execute(SNAPSHOT_QUERY).fetchone()))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        while not seen and thread.is_alive():
            time.sleep(0.01)
        _place(settings, published.second)
        started = time.perf_counter()
        result = serve_postgres(settings, target)
        finished = time.perf_counter()
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []
    assert not result.skipped
    snapshots = [snapshot for _, snapshot in seen]
    assert set(snapshots) == {old, new}  # never a mix of the two, never an empty or missing table
    switched = snapshots.index(new)
    assert set(snapshots[switched:]) == {new}  # and once the new version is seen, only the new one
    assert sum(started <= moment <= finished for moment, _ in seen) >= 10  # the reader really read during the load
    with psycopg.connect(target) as pg:  # the old version kept beside, out of the reader's sight
        assert pg.execute("SELECT sum(active_headcount) FROM core__previous.dim_unit").fetchone()[0] == old[1]
    with psycopg.connect(reader_uri) as reader, pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        reader.execute("SELECT count(*) FROM core__previous.dim_unit")
    assert "permission denied for schema core__previous" in str(refused.value)


def test_a_reader_deadlocked_with_the_swap_does_not_stop_it(
    published: Published, target: str, server: PostgresServer, tmp_path: Path
) -> None:
    settings, old, new, reader_uri = _first_version_served_to_a_reader(published, target, server, tmp_path)
    _place(settings, published.second)
    served: list[Any] = []

    def serve() -> None:
        try:
            served.append(serve_postgres(settings, target))
        except BaseException as error:
            served.append(error)

    with psycopg.connect(reader_uri) as reader, psycopg.connect(target, autocommit=True) as admin:
        # One reader transaction: it keeps main.publication locked while the swap locks the tables in name order
        # (competency, core, dq, then main) and waits for it; then it asks for core.dim_unit, which the swap holds.
        (published_at,) = reader.execute("SELECT published_at FROM main.publication").fetchone()
        swapping = threading.Thread(target=serve)
        swapping.start()
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'"
        deadline = time.monotonic() + 120
        while admin.execute(waiting).fetchone()[0] == 0 and swapping.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        (headcount,) = reader.execute("SELECT sum(active_headcount) FROM core.dim_unit").fetchone()
        reader.commit()
    swapping.join(timeout=120)
    (result,) = served
    assert isinstance(result, PostgresServing), result
    assert not result.skipped
    assert (published_at, headcount) == old[:2]  # the reader finished its transaction on the old version
    with psycopg.connect(reader_uri) as reader:
        assert reader.execute(SNAPSHOT_QUERY).fetchone() == new


def test_a_row_count_mismatch_keeps_the_previous_version_serving(
    published: Published, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _serving_settings(published, published.first, tmp_path)
    first = serve_postgres(settings, target)
    export_query = serving._export_query

    def losing_rows(table: serving.SourceTable) -> str:  # as if rows were lost on the way
        query = export_query(table)
        return f"{query} WHERE unit_code <> 'LGS-BAPPEDA'" if table.qualified_name == "core.dim_employee" else query

    monkeypatch.setattr(serving, "_export_query", losing_rows)
    with duckdb.connect(str(published.second), read_only=True) as duck:
        (kept,) = duck.execute("SELECT count(*) FROM core.dim_employee WHERE unit_code <> 'LGS-BAPPEDA'").fetchone()
    _place(settings, published.second)
    with pytest.raises(PostgresServingError) as failure:
        serve_postgres(settings, target)
    assert str(failure.value) == (
        f"row count mismatch in core.dim_employee: {kept:,} rows loaded into PostgreSQL, 3,000 in analytics.duckdb; "
        "nothing was swapped in, the previous version keeps serving"
    )
    assert kept < 3_000
    _assert_serving(target, first.version, _snapshot(published.first))


def _assert_serving(uri: str, version: str, snapshot: tuple[Any, ...]) -> None:
    with psycopg.connect(uri) as pg:
        assert pg.execute("SELECT version FROM asn_serving.versions ORDER BY id DESC LIMIT 1").fetchone() == (version,)
        assert pg.execute(SNAPSHOT_QUERY).fetchone() == snapshot
    assert not [schema for schema in _schemas(uri) if schema.endswith("__incoming")]


def test_a_server_that_goes_away_mid_load_keeps_the_previous_version(
    published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its own server, since this test crashes it; durable, since with synchronous_commit off a crash may lose the
    # first version's commit (seen in CI) and recovery is what is tested.
    with running_postgres(durable=True) as own:
        uri = own.uri()
        settings = _serving_settings(published, published.first, tmp_path)
        first = serve_postgres(settings, uri)
        load_table = serving._load_table

        def crashing(pg: psycopg.Connection[Any], duck: duckdb.DuckDBPyConnection, table: Any) -> None:
            if table.qualified_name == "competency.training_records":
                own.stop("immediate")  # a crash: no shutdown, every client cut off
            load_table(pg, duck, table)

        monkeypatch.setattr(serving, "_load_table", crashing)
        _place(settings, published.second)
        with pytest.raises(PostgresServingError) as failure:
            serve_postgres(settings, uri)
        message = str(failure.value)
        assert message.startswith(
            f"lost the PostgreSQL serving target asn_test_admin@127.0.0.1:{own.port}/asn_serving while loading "
            "competency.training_records: "
        )
        assert message.endswith("; nothing was swapped in, the previous version keeps serving")
        own.start()  # crash recovery rolls the unfinished load back
        _assert_serving(uri, first.version, _snapshot(published.first))
        monkeypatch.undo()
        second = serve_postgres(settings, uri)  # and the next run serves the new version
        assert not second.skipped
        _assert_serving(uri, second.version, _snapshot(published.second))


def test_the_bi_reader_role_can_read_but_not_write(
    published: Published, target: str, server: PostgresServer, tmp_path: Path
) -> None:
    serve_postgres(_serving_settings(published, published.first, tmp_path), target)
    reader_uri = _bi_login(server, target)
    with psycopg.connect(target) as pg:
        assert pg.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'asn_bi_reader'").fetchone() == (False,)
    with psycopg.connect(reader_uri, autocommit=True) as reader:
        assert reader.execute("SELECT count(*) FROM core.dim_employee").fetchone() == (3_000,)
        assert reader.execute("SELECT count(*) FROM dq.expectation_results").fetchone()[0] > 0
        assert reader.execute("SELECT count(*) FROM asn_serving.versions").fetchone() == (1,)
        refused = {
            "INSERT INTO core.dim_employee (employee_key, region) VALUES ('x', 'langsa')": "permission denied for "
            "table dim_employee",
            "UPDATE placement.unit_fit SET fit_rate_pct = 100": "permission denied for table unit_fit",
            "DELETE FROM main.publication": "permission denied for table publication",
            "CREATE TABLE core.notes (note text)": "permission denied for schema core",
            "CREATE TABLE public.notes (note text)": "permission denied for schema public",
            "DROP TABLE competency.training_records": "must be owner of table training_records",
        }
        for statement, message in refused.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
                reader.execute(statement)
            assert str(error.value).startswith(message), statement


def test_a_published_file_of_every_type_round_trips(server: PostgresServer, target: str, tmp_path: Path) -> None:
    """DuckDB types beyond the sample's, and text that CSV and COPY treat specially; a publication with a version."""
    settings = Settings.from_env({"ASN_DATA_DIR": str(tmp_path / "data")})
    settings.published_dir.mkdir(parents=True)
    with duckdb.connect(str(settings.analytics_path)) as duck:
        duck.execute("SET TimeZone = 'Asia/Jakarta'")
        duck.execute("CREATE TYPE mutu AS ENUM ('A', 'B', 'C', 'D')")
        for schema in ("core", "raw", "dq"):
            duck.execute(f"CREATE SCHEMA {schema}")
        duck.execute(
            "CREATE TABLE main.publication AS SELECT TIMESTAMPTZ '2026-11-02 09:00:00+07' AS published_at, "
            "'2026-11-02T020000Z' AS version"
        )
        duck.execute(
            """CREATE TABLE core.everything (id INTEGER, label VARCHAR, big BIGINT, ratio DOUBLE, amount DECIMAL(18,4),
                 flag BOOLEAN, day DATE, at_local TIMESTAMP, at_utc TIMESTAMPTZ, took INTERVAL, grade mutu,
                 tags VARCHAR[], training STRUCT(jp INTEGER, topic VARCHAR), doc JSON, raw_bytes BLOB, huge HUGEINT,
                 uuid UUID)"""
        )
        duck.execute(
            """INSERT INTO core.everything VALUES
                 (1, 'plain', 12345678901234, 1.5, 123.4567, true, DATE '2026-11-01',
                  TIMESTAMP '2026-11-01 08:30:00.123456', TIMESTAMPTZ '2026-11-01 08:30:00+07', INTERVAL 90 MINUTE,
                  'A', ['a', NULL, 'c"d'], {'jp': 20, 'topic': 'SPBE'}, '{"x": [1, 2]}', '\\x00\\xFFab'::BLOB,
                  170141183460469231731687303715884105727, '0d8f7a3e-2f36-4a55-8b8e-5d7e5b1c9a01'),
                 (2, '', NULL, 'inf', -0.0001, false, DATE '1900-01-01', NULL, NULL, NULL, NULL, [], NULL, 'null',
                  ''::BLOB, -1, NULL),
                 (3, E'tab\\there, newline\\nand\\r\\n"quotes", \\\\ backslash; Sorong;Papua, Bahasa: é ü 日本', NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                 (4, '\\.', NULL, '-inf', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  NULL)"""
        )
        duck.execute("CREATE TABLE core.lonely AS SELECT * FROM (VALUES ('\\.'), (''), (NULL), ('x')) AS t(v)")
        duck.execute("CREATE TABLE raw.personnel AS SELECT '199001012015011001' AS nip")  # never served
        expected = _rows(duck.execute("FROM core.everything"), ["doc"])
    result = serve_postgres(settings, target)
    assert result.version == "2026-11-02T020000Z"  # the publication's own version, not its timestamp
    assert result.tables == {"core.everything": 4, "core.lonely": 4, "main.publication": 1}
    with psycopg.connect(target) as pg:
        assert _rows(pg.execute("SELECT * FROM core.everything")) == expected
        # A lone `\.` is COPY's end-of-data marker unless quoted; '' and NULL stay apart.
        assert set(pg.execute("SELECT v FROM core.lonely").fetchall()) == {("",), (None,), ("\\.",), ("x",)}
        types = pg.execute(
            "SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = 'core.everything'::regclass AND attnum > 0"
        ).fetchone()[0]
        assert types == (
            "integer, text, bigint, double precision, numeric(18,4), boolean, date, timestamp without time zone, "
            "timestamp with time zone, interval, text, jsonb, jsonb, jsonb, bytea, numeric(39,0), uuid"
        )
        first_row = pg.execute("SELECT raw_bytes, tags->>2, training->>'topic' FROM core.everything WHERE id = 1")
        assert first_row.fetchone() == (b"\x00\xffab", 'c"d', "SPBE")
        assert pg.execute("SELECT label IS NULL, raw_bytes FROM core.everything WHERE id = 2").fetchone() == (
            False, b""
        )  # fmt: skip
        assert pg.execute("SELECT to_regclass('raw.personnel')").fetchone() == (None,)
    assert "dq" not in _schemas(target)  # no data-quality results in this file, and no empty schema served


def test_errors_name_what_is_wrong(published: Published, tmp_path: Path) -> None:
    settings = published.settings.model_copy(update={"published_dir": tmp_path / "nothing", "connections": {}})
    with pytest.raises(PostgresServingError) as unset:
        serve_postgres(settings)
    assert str(unset.value) == (
        "no PostgreSQL serving target: set AIRFLOW_CONN_ASN_SERVING_POSTGRES (postgresql://user:password@host:5432/dbname)"
    )
    port = _free_port()
    closed = f"postgresql://asn_test_admin:{SUPERUSER_PASSWORD}@127.0.0.1:{port}/asn_serving"
    with pytest.raises(PostgresServingError) as missing:
        serve_postgres(settings, closed)
    assert str(missing.value) == (
        f"nothing to serve: {settings.analytics_path} does not exist (publish the warehouse first)"
    )
    _place(settings, published.first)
    with pytest.raises(PostgresServingError) as unreachable:
        serve_postgres(settings, closed)
    message = str(unreachable.value)
    assert message.startswith(
        f"cannot reach the PostgreSQL serving target asn_test_admin@127.0.0.1:{port}/asn_serving "
        '(asn_serving_postgres): connection failed: connection to server at "127.0.0.1", port '
    )
    assert "Connection refused" in message
    assert SUPERUSER_PASSWORD not in message


def test_the_serve_postgres_command_serves_and_says_what(
    published: Published,
    target: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asn_platform.__main__ import main

    settings = _serving_settings(published, published.first, tmp_path)
    monkeypatch.setenv("ASN_PUBLISHED_DIR", str(settings.published_dir))
    monkeypatch.delenv("AIRFLOW_CONN_ASN_SERVING_POSTGRES", raising=False)
    assert main(["serve-postgres"]) == 1
    assert "no PostgreSQL serving target: set AIRFLOW_CONN_ASN_SERVING_POSTGRES" in capsys.readouterr().err

    monkeypatch.setenv("AIRFLOW_CONN_ASN_SERVING_POSTGRES", target)
    assert main(["serve-postgres"]) == 0
    with psycopg.connect(target) as pg:
        (version, tables) = pg.execute("SELECT version, tables FROM asn_serving.versions").fetchone()
    rows = sum(tables.values())
    assert capsys.readouterr().out.strip().startswith(f"==> PostgreSQL serves {version} ({rows:,} rows in ")
    assert main(["serve-postgres", "--uri", target]) == 0
    assert capsys.readouterr().out.strip() == f"==> PostgreSQL already serves {version}; nothing to do"

    monkeypatch.setenv("AIRFLOW_CONN_ASN_SERVING_POSTGRES", "mysql://u:p@127.0.0.1/asn")
    assert main(["serve-postgres"]) == 2
    assert "AIRFLOW_CONN_ASN_SERVING_POSTGRES must be a URI like postgresql://" in capsys.readouterr().err
