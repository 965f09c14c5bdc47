"""The production-style stack, checked offline: no Docker engine runs where `make test` does.

docker-compose.yml is validated against the Compose Specification's JSON schema (vendored in tests/schemas/) and held
to what the deployment needs: PostgreSQL metadata, one container per Airflow component with LocalExecutor, an init
job that creates the single-writer pool, pinned images, secrets only from `.env`, Superset reading the published
warehouse read-only.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from asn_platform.core.settings import PROJECT_ROOT
from asn_platform.core.telemetry import TELEMETRY_OPT_OUTS
from asn_platform.orchestration.names import WRITER_POOL
from asn_platform.serving.bi import sqlalchemy_uri

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
SCHEMA_FILE = PROJECT_ROOT / "tests" / "schemas" / "compose-spec.json"
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
ONE_SHOT_SERVICES = ("airflow-init", "superset-init")
# The URI asn_platform.serving.bi gives for the container's path: one spelling, in the compose file and the docs.
PUBLISHED_URI = sqlalchemy_uri(Path("/opt/asn/published/analytics.duckdb"))
# ${VAR}, ${VAR:-default}, ${VAR:?message}; `$${VAR}` is a literal `${VAR}` for the container's shell.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
# Names whose value is a secret (a file's path is not).
SECRET_NAME = re.compile(r"^(?!.*_FILE$).*(PASSWORD|SECRET|FERNET|TOKEN|_KEY$|^AIRFLOW_CONN_)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """What the container's environment holds: its env_file entries (relative to the compose file), then the
    `environment` block, which wins, as compose merges them."""
    files = service.get("env_file", [])
    values: dict[str, str] = {}
    for entry in [files] if isinstance(files, str) else files:
        path = COMPOSE_FILE.parent / (entry if isinstance(entry, str) else entry["path"])
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                name, value = line.split("=", 1)
                values[name] = value
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return values | {name: str(value) for name, value in environment.items()}


def _interpolated(value: str) -> str:
    """The value with each variable replaced by a placeholder, as compose would with `.env` set."""
    return VARIABLE.sub(lambda match: f"value-of-{match[1].lower().replace('_', '-')}", value)


def _binds(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host path, container path, mode) of each bind mount in short syntax; named volumes left out."""
    binds = []
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        if source.startswith((".", "/")):
            binds.append((source, target, mode[0] if mode else "rw"))
    return binds


def _dockerfile(service: dict[str, Any]) -> Path:
    build = service["build"]
    context, dockerfile = (build, "Dockerfile") if isinstance(build, str) else (build["context"], build["dockerfile"])
    return PROJECT_ROOT / context / dockerfile


def _from_images(dockerfile: Path) -> list[str]:
    return re.findall(r"^FROM\s+(?:--\S+\s+)*(\S+)", dockerfile.read_text(), flags=re.MULTILINE)


def _locked_version(package: str) -> str:
    lock = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text())
    return next(entry["version"] for entry in lock["package"] if entry["name"] == package)


def test_schema_is_the_vendored_compose_specification() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    assert schema["title"] == "Compose Specification"
    jsonschema.Draft7Validator.check_schema(schema)
    notice = (SCHEMA_FILE.parent / "README.md").read_text()
    assert "compose-spec/compose-spec" in notice
    assert "schema/compose-spec.json" in notice
    assert "Apache License 2.0" in notice


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA_FILE.read_text()))
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_airflow_runs_as_separate_components_with_local_executor(services: dict[str, dict[str, Any]]) -> None:
    assert set(AIRFLOW_SERVICES) | {"airflow-init", "postgres", "banjarbaru-api", "superset"} <= set(services)
    commands = {name: services[name]["command"] for name in AIRFLOW_SERVICES}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
    }
    assert not {"redis", "airflow-worker", "flower"} & set(services), "LocalExecutor needs no Celery or Redis"
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        environment = _environment(services[name])
        assert environment["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert environment["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/asn/dags", name
        assert environment["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False", name
        api = urlsplit(environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert (api.hostname, api.port, api.path) == ("airflow-apiserver", 8080, "/execution/"), name


def test_postgres_is_the_metadata_database(services: dict[str, dict[str, Any]]) -> None:
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert any(volume.split(":")[0] == "postgres-db" for volume in postgres["volumes"]), "data in a named volume"
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        url = _environment(services[name])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        connection = urlsplit(_interpolated(url))
        assert connection.scheme == "postgresql+psycopg2", name
        assert (connection.hostname, connection.port, connection.path) == ("postgres", 5432, "/airflow"), name
        assert connection.password == "value-of-airflow-db-password", name


def test_services_start_in_order_and_report_their_health(services: dict[str, dict[str, Any]]) -> None:
    for name in AIRFLOW_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["postgres"] == {"condition": "service_healthy"}, name
        assert depends_on["airflow-init"] == {"condition": "service_completed_successfully"}, name
    assert services["airflow-init"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["superset"]["depends_on"]["superset-init"] == {"condition": "service_completed_successfully"}
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            assert service["restart"] == "no", name
            continue
        assert "test" in service.get("healthcheck", {}), f"{name} has no healthcheck"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}, which has no check"
            if condition["condition"] == "service_completed_successfully":
                assert dependency in ONE_SHOT_SERVICES, f"{name} waits for {dependency} to exit"


def test_init_job_migrates_and_creates_the_writer_pool_and_the_login(services: dict[str, dict[str, Any]]) -> None:
    init = services["airflow-init"]
    script = "\n".join(init["command"])
    assert "airflow db migrate" in script
    assert re.search(rf'^\s*airflow pools set {WRITER_POOL} 1 "[^"]+"$', script, flags=re.MULTILINE), script
    assert "/opt/airflow/auth/passwords.json" in script
    environment = _environment(init)
    assert environment["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == "/opt/airflow/auth/passwords.json"
    assert environment["AIRFLOW_ADMIN_PASSWORD"].startswith("${AIRFLOW_ADMIN_PASSWORD:?")
    assert "airflow-auth:/opt/airflow/auth" in services["airflow-apiserver"]["volumes"]


def test_the_project_is_mounted_where_the_code_expects_it(services: dict[str, dict[str, Any]]) -> None:
    expected = {
        ("./dags", "/opt/asn/dags", "ro"),
        ("./asn_platform", "/opt/asn/asn_platform", "ro"),
        ("./ingestion", "/opt/asn/ingestion", "ro"),
        ("./dbt_project", "/opt/asn/dbt_project", "ro"),
        ("./expectations", "/opt/asn/expectations", "ro"),
        ("./data", "/opt/asn/data", "rw"),
    }
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        assert expected <= set(_binds(services[name])), name
        assert _environment(services[name])["ASN_DATA_DIR"] == "/opt/asn/data", name
        assert _environment(services[name])["ASN_PSEUDONYM_KEY"] == "${ASN_PSEUDONYM_KEY:-}", name


def test_every_build_context_dockerfile_and_bind_mount_exists(services: dict[str, dict[str, Any]]) -> None:
    ignored = (PROJECT_ROOT / ".gitignore").read_text().split()
    for name, service in services.items():
        if "build" in service:
            assert _dockerfile(service).is_file(), f"{name}: {_dockerfile(service)} is missing"
        for source, _, _ in _binds(service):
            if source == "./data" or source.startswith("./data/"):
                # Generated, never committed: Docker creates it and airflow-init hands it to AIRFLOW_UID.
                assert "data/" in ignored, name
                continue
            assert (PROJECT_ROOT / source).exists(), f"{name} mounts {source}, which is not in the repository"


def test_superset_reads_the_published_warehouse_read_only(services: dict[str, dict[str, Any]]) -> None:
    superset = services["superset"]
    assert _binds(superset) == [("./data/published", "/opt/asn/published", "ro")]
    assert PUBLISHED_URI in COMPOSE_FILE.read_text()
    assert PUBLISHED_URI in (PROJECT_ROOT / "docs" / "deployment.md").read_text()
    environment = _environment(superset)
    assert environment["SUPERSET_SECRET_KEY"].startswith("${SUPERSET_SECRET_KEY:?")
    assert environment["SCARF_ANALYTICS"] == "false"
    dockerfile = _dockerfile(superset)
    requirements = (dockerfile.parent / "requirements.txt").read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", requirements, flags=re.MULTILINE))
    assert {"duckdb", "duckdb-engine", "psycopg2-binary"} <= set(pins)
    # DuckDB 1.4 and later read storage version v1.4.0 (what serving.publish writes); 2.x is not what BI bundles.
    major, minor = (int(part) for part in pins["duckdb"].split(".")[:2])
    assert major == 1, pins["duckdb"]
    assert minor >= 4, pins["duckdb"]
    lines = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==\S+", line) for line in lines), "every package pinned with =="
    config = (dockerfile.parent / "superset_config.py").read_text()
    assert 'SECRET_KEY = _required("SUPERSET_SECRET_KEY")' in config
    assert "load_examples" not in "\n".join(services["superset-init"]["command"])


def test_superset_init_imports_the_repositorys_assets(services: dict[str, dict[str, Any]]) -> None:
    """The dashboards come from bi/superset/assets, imported by superset-init on every start, and their database is
    the published warehouse at the path the superset service mounts, read-only."""
    init = services["superset-init"]
    [(source, target, mode)] = _binds(init)
    assert (source, mode) == ("./bi/superset", "ro")
    command = "\n".join(init["command"])
    lines = command.splitlines()
    importing = next(index for index, line in enumerate(lines) if "import_assets.py" in line)
    # After the schema, the admin who owns the assets and the roles exist.
    assert importing > next(index for index, line in enumerate(lines) if line.strip() == "superset init")
    assert lines[importing].split()[1:3] == [f"{target}/import_assets.py", f"{target}/assets"]
    [database] = (PROJECT_ROOT / source / "assets" / "databases").glob("*.yaml")
    assert yaml.safe_load(database.read_text())["sqlalchemy_uri"] == PUBLISHED_URI
    assert (PROJECT_ROOT / source / "assets" / "metadata.yaml").is_file()


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    pinned = re.compile(r"^[a-z0-9./_-]+:(?!latest$)[A-Za-z0-9_.-]*[0-9]+\.[0-9]+[A-Za-z0-9_.-]*$")
    for name, service in services.items():
        assert pinned.match(service["image"]), f"{name}: {service['image']} is not a pinned version tag"
        if "build" in service:
            for image in _from_images(_dockerfile(service)):
                assert pinned.match(image), f"{name}: FROM {image} is not a pinned version tag"


def test_dockerfile_is_the_official_airflow_image_at_the_locked_version(services: dict[str, dict[str, Any]]) -> None:
    airflow = _locked_version("apache-airflow")
    for name in (*AIRFLOW_SERVICES, "airflow-init", "banjarbaru-api"):
        assert services[name]["build"] == ".", name
        assert services[name]["image"] == f"asn-platform-airflow:{airflow}", name
    python = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    # A throwaway Node.js stage for the offline pages' front-end packages, then the official Airflow image.
    web_assets, final = _from_images(PROJECT_ROOT / "Dockerfile")
    assert re.fullmatch(r"node:20\.[0-9]+-bookworm-slim", web_assets)
    assert final == f"apache/airflow:{airflow}-python3.11"
    assert ">=3.11" in python
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "uv export --locked --no-dev" in dockerfile
    assert "--require-hashes" in dockerfile
    assert "npm ci --ignore-scripts" in dockerfile  # from package-lock.json, like make env
    assert "python -m asn_platform manifest" in dockerfile  # the warehouse DAG imports only with a manifest
    uv_version = re.search(r"^UV_VERSION := (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert uv_version, "the Makefile pins uv"
    assert f'"uv=={uv_version[1]}"' in dockerfile, "the image's uv is the Makefile's"
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {"data/", ".venv/", "node_modules/", ".airflow/", ".env"} <= set(ignored)


def test_telemetry_is_off_in_every_container(services: dict[str, dict[str, Any]]) -> None:
    telemetry = TELEMETRY_OPT_OUTS
    assert {"DO_NOT_TRACK", "SCARF_ANALYTICS"} <= set(telemetry)
    for name in (*AIRFLOW_SERVICES, "airflow-init", "banjarbaru-api", "superset-init", "superset"):
        environment = _environment(services[name])
        for variable, value in telemetry.items():
            assert environment.get(variable) == value, f"{name}: {variable}"
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    for variable, value in telemetry.items():
        assert f"{variable}={value}" in dockerfile, variable


def test_secrets_come_only_from_env_and_every_variable_is_in_env_example(services: dict[str, dict[str, Any]]) -> None:
    text = COMPOSE_FILE.read_text()
    example = (PROJECT_ROOT / ".env.example").read_text()
    variables = {match[0] for match in VARIABLE.findall(text)}
    assert variables, "the compose file reads its settings from .env"
    for variable in sorted(variables):
        assert re.search(rf"^# {variable}=", example, flags=re.MULTILINE), f"{variable} is not in .env.example"
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                assert VARIABLE.search(value), f"{name}: {key} is set in the file, not from .env"
    for secret in ("AIRFLOW_DB_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "SUPERSET_SECRET_KEY"):
        assert f"${{{secret}:?" in text, f"{secret} must be required"
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split()


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    """`docker compose config` needs no engine: run it when the compose plugin is installed."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker client is not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        message = (probe.stderr or probe.stdout).strip().splitlines()
        pytest.skip(f"the docker compose plugin is not installed ({message[0] if message else probe.returncode})")
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    variables = sorted({match[0] for match in VARIABLE.findall(COMPOSE_FILE.read_text())})
    (tmp_path / ".env").write_text("".join(f"{name}=dummy-{name.lower()}\n" for name in variables))
    result = subprocess.run(
        [docker, "compose", "-f", "docker-compose.yml", "config", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
