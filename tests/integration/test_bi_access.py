"""A BI tool on the published warehouse, as Superset reaches it: SQLAlchemy and the `duckdb://` dialect on the
documented URI, read-only, while the pipeline rebuilds and republishes beside it."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sample_figures import LANGSA_PUBLISHED_ROWS

from asn_platform.core.settings import DBT_PROJECT_DIR, MART_SCHEMAS, PROJECT_ROOT, Settings
from asn_platform.core.warehouse import connect
from asn_platform.serving.bi import bi_connection_string, bi_engine, sqlalchemy_uri
from asn_platform.serving.publish import publish, published_versions, rollback

PUBLISHED_AT = sa.text("SELECT published_at FROM main.publication")
COLUMNS = sa.text(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = :schema AND table_name = :table "
    "ORDER BY ordinal_position"
)
# A line dbt prints when it has written a model or run a test: the build is holding the build database.
BUILD_PROGRESS = re.compile(r"\b(OK created|PASS)\b")
# Another BI process (another analyst, another Superset worker): its own engine on the URI, one query.
OTHER_BI_PROCESS = """
import sys
from pathlib import Path
import sqlalchemy as sa
from asn_platform.serving.bi import bi_engine
query = "SELECT published_at, region_name FROM main.publication, core.dim_region"
with bi_engine(Path(sys.argv[1])).connect() as connection:
    at, name = connection.execute(sa.text(query)).one()
print(at.isoformat(), name, sep="\\t")
"""


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key twice in one mapping: PyYAML (and dbt, with only a deprecation warning) would keep the
    last one, silently dropping whatever the first held."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        repeated = sorted({str(key) for key in keys if keys.count(key) > 1})
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate keys {repeated}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def mart_columns() -> dict[str, list[str]]:
    """`schema.table` -> its columns in order, as the marts' enforced contracts (their ymls) declare them."""
    contracts: dict[str, list[str]] = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*/_*__models.yml")):
        if path.parent.name not in MART_SCHEMAS:  # the HR agency's restricted tier is not in analytics.duckdb
            continue
        with path.open(encoding="utf-8") as stream:
            models = yaml.load(stream, Loader=_UniqueKeyLoader)["models"]
        for model in models:
            contracts[f"{path.parent.name}.{model['name']}"] = [column["name"] for column in model["columns"]]
    return contracts


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Settings]:
    """Langsa's sample ingested, built and gated (a copy of the session's build), then published."""
    from conftest import gated_langsa_build

    with gated_langsa_build(tmp_path_factory.mktemp("bi"), gated_langsa_template) as settings:
        publish(settings)
        yield settings


class _Output:
    """A subprocess's output lines with the moment each arrived, read on a thread so the pipe never fills."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[tuple[float, str]] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append((time.monotonic(), line))

    def wait_for(self, pattern: re.Pattern[str], process: subprocess.Popen[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(pattern.search(line) for _, line in self.lines):
            if process.poll() is not None or time.monotonic() > deadline:
                self._thread.join(5)
                pytest.fail(f"the build never showed progress (exit {process.poll()}):\n{self.text()[-3000:]}")
            time.sleep(0.05)

    def after(self, moment: float, pattern: re.Pattern[str]) -> list[str]:
        return [line for arrived, line in self.lines if arrived > moment and pattern.search(line)]

    def text(self) -> str:
        return "".join(line for _, line in self.lines)

    def join(self) -> None:
        self._thread.join(30)


def test_the_uri_is_the_dialects_read_only_form_on_the_absolute_path(published: Settings) -> None:
    uri = bi_connection_string(published)
    assert uri == f"duckdb:///{published.analytics_path}?access_mode=read_only&enable_external_access=false"
    assert uri.startswith("duckdb:////")  # four slashes: an absolute path
    # Relative paths are made absolute (a BI server has its own working directory); odd characters survive.
    assert sqlalchemy_uri(Path("data/published/analytics.duckdb")) == sqlalchemy_uri(
        Path.cwd() / "data/published/analytics.duckdb"
    )
    odd = Path("/srv/bi data/a#b?.duckdb")
    assert sa.make_url(sqlalchemy_uri(odd)).database == str(odd)


@pytest.mark.slow  # a whole dbt build beside the reader
def test_a_bi_tool_reads_every_mart_while_a_build_runs(published: Settings) -> None:
    before = hashlib.sha256(published.analytics_path.read_bytes()).hexdigest()
    engine = bi_engine(published.analytics_path)
    # The whole build, as `make dbt ARGS=build` or the warehouse DAG runs it, on the same settings (environment).
    process = subprocess.Popen(
        [sys.executable, "-m", "asn_platform", "dbt", "build"],
        cwd=PROJECT_ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = _Output(process)
    try:
        output.wait_for(BUILD_PROGRESS, process, timeout=300)
        started = time.monotonic()
        inspector = sa.inspect(engine)
        assert {f"analytics.{schema}" for schema in MART_SCHEMAS} <= set(inspector.get_schema_names())
        tables = {f"{schema}.{table}" for schema in MART_SCHEMAS for table in inspector.get_table_names(schema=schema)}
        assert set(LANGSA_PUBLISHED_ROWS) <= tables
        rows: dict[str, int] = {}
        with engine.connect() as connection:
            for table in sorted(tables):
                schema, name = table.split(".")
                # Every column the file holds reaches the BI tool, in order (the contracts: the test below).
                declared = connection.execute(COLUMNS, {"schema": schema, "table": name}).scalars().all()
                result = connection.execute(sa.text(f"SELECT * FROM {table}"))
                assert list(result.keys()) == declared != [], table
                rows[table] = len(result.fetchall())
            region = connection.execute(
                sa.text("SELECT region, region_name, province, active_headcount FROM core.dim_region")
            ).one()
            twenty_jp = connection.execute(
                sa.text("SELECT count(*) FROM competency.employee_year WHERE calendar_year = 2025 AND meets_20_jp")
            ).scalar()
            with pytest.raises(sa.exc.ProgrammingError, match="attached in read-only mode"):
                connection.execute(sa.text("DELETE FROM core.dim_employee"))
        with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match="read-only mode"):
            connection.execute(sa.text("CREATE TABLE core.notes AS SELECT 1 AS note"))
        finished = time.monotonic()
        running_throughout = process.poll() is None
        returncode = process.wait(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        output.join()
        engine.dispose()
    log = output.text()
    # The build had written models before the first query and went on writing after the last: it ran throughout.
    assert running_throughout, f"the build ended before the reader did:\n{log[-3000:]}"
    assert output.after(finished, BUILD_PROGRESS), "nothing built after the reader's queries"
    assert finished - started < 60
    assert returncode == 0, log[-3000:]
    assert "Completed successfully" in log
    # Every mart has rows but movements (one personnel delivery shows no movement), and the ones counted before
    # hold Langsa's counts (a mart added since needs only rows).
    assert {table for table, count in rows.items() if count == 0} == {"placement.movements"}
    assert {table: rows[table] for table in LANGSA_PUBLISHED_ROWS} == LANGSA_PUBLISHED_ROWS
    assert region == ("langsa", "Kota Langsa", "Aceh", 2854)
    assert twenty_jp == 1998
    # The BI tool wrote nothing: the served file is byte for byte the one published.
    assert hashlib.sha256(published.analytics_path.read_bytes()).hexdigest() == before


def test_the_published_marts_are_the_contracted_ones(published: Settings) -> None:
    """What a BI tool lists and reads is what the marts' ymls promise analysts: every mart, every column, in order."""
    contracts = mart_columns()
    engine = bi_engine(published.analytics_path)
    try:
        inspector = sa.inspect(engine)
        tables = {f"{schema}.{table}" for schema in MART_SCHEMAS for table in inspector.get_table_names(schema=schema)}
        assert tables == set(contracts), "published marts differ from the marts' ymls"
        with engine.connect() as connection:
            for table in sorted(tables):
                assert list(connection.execute(sa.text(f"SELECT * FROM {table} LIMIT 0")).keys()) == contracts[table]
    finally:
        engine.dispose()


def test_a_bi_connection_cannot_reach_other_files(published: Settings, tmp_path: Path) -> None:
    """Read-only keeps the warehouse intact; SQL typed into a BI tool must not read the server's files either."""
    secret = tmp_path / "secret.txt"
    secret.write_text("not for analysts\n")
    engine = bi_engine(published.analytics_path)
    try:
        for statement in (
            f"SELECT * FROM read_text('{secret}')",
            f"COPY (SELECT 1 AS a) TO '{tmp_path / 'out.csv'}'",
            f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        ):
            with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="disabled by configuration"):
                connection.execute(sa.text(statement))
        with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match="external access"):
            connection.execute(sa.text("SET enable_external_access = true"))
    finally:
        engine.dispose()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["secret.txt"]


def test_a_reader_keeps_its_version_through_a_publish_and_new_connections_see_the_new_one(
    published: Settings,
) -> None:
    engine = bi_engine(published.analytics_path)
    held = engine.connect()
    try:
        first = held.execute(PUBLISHED_AT).scalar()
        jp_total = held.execute(sa.text("SELECT sum(jp) FROM competency.training_records")).scalar()
        # The next version differs in a real value: the region's name as a new registry file might spell it.
        with connect(settings=published) as connection:
            connection.execute("UPDATE core.dim_region SET region_name = 'Kota Langsa (Aceh)'")
        try:
            second = publish(published)
        finally:
            with connect(settings=published) as connection:
                connection.execute("UPDATE core.dim_region SET region_name = 'Kota Langsa'")
        # The held connection goes on reading its version, pages not read yet included, without an error.
        assert held.execute(PUBLISHED_AT).scalar() == first
        assert held.execute(sa.text("SELECT region_name FROM core.dim_region")).scalar() == "Kota Langsa"
        assert held.execute(sa.text("SELECT sum(jp) FROM competency.training_records")).scalar() == jp_total
        assert held.execute(sa.text("SELECT count(*) FROM competency.employee_year")).scalar() == 9000
        # Another BI process (another analyst, another Superset worker) connecting now gets the new version.
        other = subprocess.run(
            [sys.executable, "-c", OTHER_BI_PROCESS, str(published.analytics_path)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        at, name = other.split("\t")
        assert (datetime.fromisoformat(at), name) == (second.published_at, "Kota Langsa (Aceh)")
        # In this process too, while `held` is open: the serving path is a link through `published/current`, and
        # DuckDB opens the file it resolves to now (before the link, it handed out the database it already had
        # open for the path, the old version).
        with engine.connect() as connection:
            assert connection.execute(PUBLISHED_AT).scalar() == second.published_at
    finally:
        held.close()
    with engine.connect() as connection:
        latest = connection.execute(PUBLISHED_AT).scalar()
        name = connection.execute(sa.text("SELECT region_name FROM core.dim_region")).scalar()
    assert isinstance(latest, datetime)
    assert latest == second.published_at > first
    assert name == "Kota Langsa (Aceh)"


def test_a_pooled_engine_would_keep_serving_the_old_version(published: Settings) -> None:
    """What bi_engine avoids: the dialect's default pool keeps a connection, and with it the old file, open."""
    pooled = sa.create_engine(bi_connection_string(published))
    try:
        with pooled.connect() as connection:
            first = connection.execute(PUBLISHED_AT).scalar()
        second = publish(published)
        with pooled.connect() as connection:
            assert connection.execute(PUBLISHED_AT).scalar() == first
        pooled.dispose()  # what a BI tool's pool recycling (or a restart) does
        with pooled.connect() as connection:
            assert connection.execute(PUBLISHED_AT).scalar() == second.published_at
        # A rollback, the same way: the pooled connection keeps the version it opened until it is recycled.
        rollback(published_versions(published)[-2].version, published)
        with pooled.connect() as connection:
            assert connection.execute(PUBLISHED_AT).scalar() == second.published_at
        pooled.dispose()
        with pooled.connect() as connection:
            assert connection.execute(PUBLISHED_AT).scalar() == first
    finally:
        pooled.dispose()


def test_the_compose_superset_uri_opens_the_served_file_read_only(published: Settings) -> None:
    """docker-compose.yml tells operators which URI to add in Superset: it must name the file the published folder's
    mount serves, and open it read-only (checked here on this test's published file, with the URI's own options)."""
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    uris = set(re.findall(r"duckdb:///[^\s`'\"]+", compose))
    assert uris, "docker-compose.yml no longer documents Superset's URI"
    mount = re.search(r"- \./data/published:(\S+?):ro", compose)
    assert mount, "Superset no longer mounts ./data/published read-only"
    for uri in uris:
        url = sa.make_url(uri)
        assert url.database == f"{mount.group(1)}/{published.analytics_path.name}"
        assert dict(url.query).get("access_mode") == "read_only"
        engine = sa.create_engine(url.set(database=str(published.analytics_path)), poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match="read-only mode"):
                connection.execute(sa.text("DROP TABLE core.dim_date"))
        finally:
            engine.dispose()


def test_sqlalchemy_reflects_every_marts_columns(published: Settings) -> None:
    """What BI tools list when an analyst picks a table (Superset's dataset editor, dbeaver, pandas' read_sql_table):
    SQLAlchemy's column reflection, which duckdb-engine 0.17 fails on SQLAlchemy >= 2.0.45 (pg_collation) and
    duckdb-sqlalchemy answers."""
    contracts = mart_columns()
    engine = bi_engine(published.analytics_path)
    try:
        inspector = sa.inspect(engine)
        regions = inspector.get_columns("dim_region", schema="core")
        reflected = {
            table: [column["name"] for column in inspector.get_columns(table.split(".")[1], schema=table.split(".")[0])]
            for table in contracts
        }
    finally:
        engine.dispose()
    assert engine.dialect.driver == "duckdb_sqlalchemy"
    assert [(column["name"], str(column["type"])) for column in regions] == [
        ("region", "VARCHAR"),
        ("region_name", "VARCHAR"),
        ("province", "VARCHAR"),
        ("timezone", "VARCHAR"),
        ("active_headcount", "BIGINT"),
        ("snapshot_date", "DATE"),
        ("source_loaded_at", "TIMESTAMP"),  # SQLAlchemy names TIMESTAMPTZ so
    ]
    assert reflected == contracts
