"""The Superset assets of the repository (bi/superset/assets) in a real Apache Superset 5, on a published warehouse.

Superset runs from its own environment (`make superset`: .superset/, bi/superset/requirements.txt), its metadata on
SQLite: `superset db upgrade`, an admin, `superset init`, then bi/superset/import_assets.py imports the assets as the
compose stack's superset-init does, with the database pointed at this test's published `analytics.duckdb`. Superset's
web server then answers the REST API: every chart's saved query runs (`GET /api/v1/chart/<id>/data/`) and returns rows,
and every dataset's columns are the published mart's, so a mart column changed in dbt fails here until the assets
follow (bi/superset/generate_assets.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml
from postgres_server import _free_port

from asn_platform.core.settings import MART_SCHEMAS, PROJECT_ROOT, Settings
from asn_platform.core.telemetry import TELEMETRY_OPT_OUTS
from asn_platform.serving.bi import sqlalchemy_uri
from asn_platform.serving.publish import publish

SUPERSET_BIN = PROJECT_ROOT / ".superset" / "bin"
ASSETS = PROJECT_ROOT / "bi" / "superset" / "assets"
IMPORT_SCRIPT = PROJECT_ROOT / "bi" / "superset" / "import_assets.py"
# Where docker-compose.yml mounts the published folder in the Superset containers.
CONTAINER_WAREHOUSE = Path("/opt/asn/published/analytics.duckdb")
DASHBOARDS = {"Pelatihan dan Kompetensi ASN", "Penempatan dan Merit", "Kualitas Pelayanan Publik"}
ADMIN = "admin"
# Superset's start-up, migrations, init and import cost about 50 s beside the shared Langsa build (measured on 2 busy
# cores); the unit test tests/unit/test_superset_assets.py keeps the assets in step with the marts in the inner loop.
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class SupersetServer:
    url: str
    token: str

    def get(self, path: str) -> dict:
        response = httpx.get(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=120, follow_redirects=True
        )
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:2000]}"
        return response.json()


def _superset(args: list[str], environment: dict[str, str], cwd: Path) -> None:
    completed = subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, (
        f"{' '.join(args[:3])} failed:\n{completed.stdout[-3000:]}{completed.stderr[-5000:]}"
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Settings]:
    """Langsa's sample ingested, built and gated (a copy of the session's build), then published."""
    from conftest import gated_langsa_build

    with gated_langsa_build(tmp_path_factory.mktemp("superset-warehouse"), gated_langsa_template) as settings:
        publish(settings)
        yield settings


@pytest.fixture(scope="module")
def superset(published: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupersetServer]:
    if not (SUPERSET_BIN / "superset").exists():
        pytest.fail("Superset is not installed in .superset: run `make superset` (make test does)")
    home = tmp_path_factory.mktemp("superset-home")
    # Superset reads its settings from this file; its metadata on SQLite, as the brief for a test allows.
    metadata_uri = f"sqlite:///{home / 'superset.db'}"
    (home / "superset_config.py").write_text(
        f"SECRET_KEY = {secrets.token_urlsafe(32)!r}\n"
        f"SQLALCHEMY_DATABASE_URI = {metadata_uri!r}\n"
        "SCARF_ANALYTICS = False\n"
        "TALISMAN_ENABLED = False\n",
        encoding="utf-8",
    )
    environment = {
        "PATH": f"{SUPERSET_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(home / "superset_config.py"),
        "FLASK_APP": "superset",
        "PYTHONDONTWRITEBYTECODE": "1",
        **TELEMETRY_OPT_OUTS,
    }
    # The assets as committed, with the container's warehouse path replaced by this test's published file.
    assets = home / "assets"
    shutil.copytree(ASSETS, assets)
    [database_file] = (assets / "databases").glob("*.yaml")
    database = yaml.safe_load(database_file.read_text(encoding="utf-8"))
    assert database["sqlalchemy_uri"] == sqlalchemy_uri(CONTAINER_WAREHOUSE)
    database["sqlalchemy_uri"] = sqlalchemy_uri(published.analytics_path)
    database_file.write_text(yaml.safe_dump(database, sort_keys=False, allow_unicode=True), encoding="utf-8")

    password = secrets.token_urlsafe(16)
    superset_cli = str(SUPERSET_BIN / "superset")
    _superset([superset_cli, "db", "upgrade"], environment, home)
    _superset(
        [
            superset_cli,
            "fab",
            "create-admin",
            "--username",
            ADMIN,
            "--password",
            password,
            "--email",
            "admin@localhost",
            "--firstname",
            "Superset",
            "--lastname",
            "Admin",
        ],
        environment,
        home,
    )
    _superset([superset_cli, "init"], environment, home)
    _superset([str(SUPERSET_BIN / "python"), str(IMPORT_SCRIPT), str(assets), "--username", ADMIN], environment, home)

    port = _free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [superset_cli, "run", "--host", "127.0.0.1", "--port", str(port), "--with-threads"],
        cwd=home,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Superset never answered:\n{(home / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        login = httpx.post(
            f"{url}/api/v1/security/login",
            json={"username": ADMIN, "password": password, "provider": "db", "refresh": False},
            timeout=60,
        )
        assert login.status_code == 200, login.text
        yield SupersetServer(url, login.json()["access_token"])
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _published_columns(path: Path) -> dict[str, list[str]]:
    """`schema.table` -> its columns in order, as the published file holds them."""
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            f"WHERE table_schema IN ({', '.join('?' for _ in MART_SCHEMAS)}) "
            "ORDER BY table_schema, table_name, ordinal_position",
            list(MART_SCHEMAS),
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for schema, table, column in rows:
        columns.setdefault(f"{schema}.{table}", []).append(column)
    return columns


def test_every_chart_of_the_three_dashboards_returns_rows(superset: SupersetServer) -> None:
    dashboards = superset.get("/api/v1/dashboard/?q=(page_size:100)")["result"]
    assert {dashboard["dashboard_title"] for dashboard in dashboards} == DASHBOARDS
    on_dashboards: set[int] = set()
    for dashboard in dashboards:
        charts = superset.get(f"/api/v1/dashboard/{dashboard['id']}/charts")["result"]
        assert len(charts) >= 4, dashboard["dashboard_title"]
        on_dashboards |= {chart["id"] for chart in charts}
    charts = superset.get("/api/v1/chart/?q=(page_size:100)")["result"]
    assert {chart["id"] for chart in charts} == on_dashboards
    rows: dict[str, int] = {}
    for chart in charts:
        # The chart's saved query context, run by Superset on the published warehouse.
        [result] = superset.get(f"/api/v1/chart/{chart['id']}/data/")["result"]
        assert result["error"] is None, chart["slice_name"]
        rows[chart["slice_name"]] = len(result["data"])
    assert {name for name, count in rows.items() if count == 0} == set(), rows
    # Real values: Langsa is the one region, and its share of active staff reaching 20 JP is a percentage.
    twenty_jp = next(chart for chart in charts if chart["slice_name"].startswith("Persentase ASN aktif mencapai 20 JP"))
    [result] = superset.get(f"/api/v1/chart/{twenty_jp['id']}/data/")["result"]
    assert {row["region"] for row in result["data"]} == {"langsa"}
    shares = [row["ASN aktif mencapai 20 JP (%)"] for row in result["data"]]
    assert all(0 <= share <= 100 for share in shares)
    assert any(0 < share < 100 for share in shares)


def test_every_published_mart_is_a_dataset_with_the_marts_columns(
    superset: SupersetServer, published: Settings
) -> None:
    marts = _published_columns(published.analytics_path)
    datasets: dict[str, list[str]] = {}
    for listed in superset.get("/api/v1/dataset/?q=(page_size:100)")["result"]:
        dataset = superset.get(f"/api/v1/dataset/{listed['id']}")["result"]
        assert dataset["database"]["database_name"] == "ASN analytics"
        datasets[f"{dataset['schema']}.{dataset['table_name']}"] = [
            column["column_name"] for column in dataset["columns"]
        ]
    assert set(datasets) == set(marts)
    for table, columns in marts.items():
        assert datasets[table] == columns, f"{table}: bi/superset/assets differ from the published mart"
