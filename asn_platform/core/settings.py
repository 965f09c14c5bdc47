"""Project settings: the one place that reads the environment.

Every path and secret the pipeline uses comes from here, each from an environment variable with a documented default
(see `.env.example` and `docs/settings.md`), read and validated by pydantic-settings. Nothing else in the project reads
`os.environ` for configuration. Airflow connections (AIRFLOW_CONN_<ID>) are read by Airflow's own `Connection`.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # asn_platform/core/settings.py -> the checkout
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DAGS_DIR = PROJECT_ROOT / "dags"
SOURCES_DIR = PROJECT_ROOT / "ingestion" / "sources"

# The schemas the published warehouse carries; raw, staging and dq stay in the private build database.
MART_SCHEMAS = ("core", "competency", "placement", "service_quality")

# DuckDB 2.x writes files DuckDB 1.x cannot read unless told otherwise; BI tools bundle DuckDB 1.4/1.5.
DEFAULT_STORAGE_VERSION = "v1.4.0"
PSEUDONYM_KEY_FILE = ".pseudonym_key"
# Folders holding personal data (the landing area, the build database's folder): the owner only.
PRIVATE_FOLDER_MODE = 0o700
# DuckDB takes 80 % of the machine by default; a national build stays within this and spills the rest to disk.
DEFAULT_MEMORY_LIMIT = "4GB"
# A writer holds the build database for a region's load (1-4 s in the sample; a national load of every region in one
# process, ~19 min, holds it throughout): 10 minutes covers a region's load or a build step, not a national load.
DEFAULT_LOCK_WAIT_S = 600.0
# Published versions kept beside the serving files, to roll back to (`python -m asn_platform rollback`).
DEFAULT_VERSIONS_KEPT = 5
# The Airflow connection of the PostgreSQL serving target (AIRFLOW_CONN_ASN_SERVING_POSTGRES); unset: not served.
SERVING_POSTGRES_CONNECTION = "asn_serving_postgres"
# The languages people-facing output (reports, the run summary, the dbt docs overview) is written in; the first is
# the default: most readers are regional HR and planning staff who work in Bahasa Indonesia.
REPORT_LANGUAGES = ("id", "en")


def stored_pseudonym_key(warehouse_dir: Path) -> str | None:
    """The key a local installation keeps beside its build database (`Settings.resolve_pseudonym_key` writes it);
    None when there is none."""
    key_file = warehouse_dir / PSEUDONYM_KEY_FILE
    if not key_file.exists():
        return None
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise SettingsError(f"{key_file} holds no usable key (under 32 characters); restore it from backup")
    return key


class SettingsError(ValueError):
    """A setting's environment variable holds a value the pipeline cannot use."""


@dataclass(frozen=True)
class ApiConnection:
    """Where a regional API answers and the bearer token it expects."""

    base_url: str
    token: str = field(repr=False)

    @classmethod
    def of(cls, connection: Any) -> ApiConnection:
        """From an Airflow connection (`airflow.sdk.Connection`): the scheme is its `schema` when that names one
        (how Airflow's HTTP hook reads it), else its type's; the token is its password."""
        if connection.schema in {"http", "https"}:
            scheme = connection.schema
        else:
            scheme = "https" if connection.conn_type == "https" else "http"
        if not connection.host or not connection.password:
            raise SettingsError(f"connection {connection.conn_id!r} needs a host and the API token as its password")
        host = f"[{connection.host}]" if ":" in connection.host else connection.host  # IPv6 keeps its brackets
        port = f":{connection.port}" if connection.port else ""
        return cls(f"{scheme}://{host}{port}", connection.password)


def _airflow_connection(variable: str, raw: str) -> Any:
    """An AIRFLOW_CONN_<ID> value read as Airflow reads it: a URI or a JSON document. (Airflow's task SDK takes ~3 s
    to import, so only when a connection is used.)"""
    from airflow.sdk.definitions.connection import Connection

    conn_id = variable.removeprefix("AIRFLOW_CONN_").lower()
    try:
        if raw.lstrip().startswith("{"):
            return Connection.from_json(raw, conn_id=conn_id)
        return Connection.from_uri(raw.strip(), conn_id=conn_id)
    except (ValueError, TypeError) as error:
        raise SettingsError(f"{variable} is not an Airflow connection (a URI or a JSON object): {error}") from None


# The mapping `Settings.from_env` reads, for the environment source below; None: os.environ.
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("asn_settings_environment", default=None)


class _Environment(EnvSettingsSource):
    def _load_env_vars(self) -> Mapping[str, str | None]:
        given = _ENVIRONMENT.get()
        environment = os.environ if given is None else given
        return parse_env_vars(environment, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _explained(error: ValidationError) -> str:
    """The first problem, named as the operator wrote it: the variable, its value, and what it must be."""
    problem = error.errors()[0]
    field_name = str(problem["loc"][0]) if problem["loc"] else ""
    variable = Settings.variables().get(field_name, field_name)
    reason = problem["msg"].removeprefix("Value error, ")
    if problem["type"] == "string_pattern_mismatch" and variable == "ASN_DUCKDB_STORAGE_VERSION":
        reason = "must look like 'v1.4.0' ('latest' is not allowed: BI tools bundle DuckDB 1.x)"
    return f"{variable}={problem['input']!r}: {reason}"


# Folders that default to a place in the data folder.
_DATA_SUBFOLDERS = {
    "landing_dir": "landing",
    "warehouse_dir": "warehouse",
    "published_dir": "published",
    "reports_dir": "reports",
    "source_api_dir": "source_api",
}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _folder(value: object) -> Path:
    return Path(str(value).strip()).expanduser().resolve()


class Settings(BaseSettings):
    """Every setting, each from its environment variable (ASN_<NAME>, or the one named by its alias); a blank
    variable is a missing one. Read once by `Settings.from_env` and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="ASN_", case_sensitive=False, env_ignore_empty=True, frozen=True, extra="ignore"
    )

    data_dir: Path = PROJECT_ROOT / "data"
    # Each defaults to its subfolder of data_dir (_DATA_SUBFOLDERS).
    landing_dir: Path
    warehouse_dir: Path
    published_dir: Path
    # Static pages for people: the report index, Great Expectations Data Docs, reports with charts.
    reports_dir: Path
    source_api_dir: Path
    airflow_home: Path = Field(PROJECT_ROOT / ".airflow", validation_alias="AIRFLOW_HOME")
    pseudonym_key: str | None = Field(None, repr=False)
    # DuckDB 2.x writes files DuckDB 1.x cannot read unless told otherwise; 'latest' is refused (BI tools bundle 1.x).
    storage_version: str = Field(
        DEFAULT_STORAGE_VERSION, pattern=r"^v[0-9]", validation_alias="ASN_DUCKDB_STORAGE_VERSION"
    )
    # DuckDB's memory cap for every connection (the build, dbt, gates, publishing); past it, DuckDB spills to disk.
    duckdb_memory_limit: str = DEFAULT_MEMORY_LIMIT
    # How long a process waits for a DuckDB file another process holds (a second writer, a reader during a load)
    # before it gives up with a clear error; 0: no waiting.
    warehouse_lock_wait_s: float = Field(DEFAULT_LOCK_WAIT_S, ge=0)
    # dbt's worker threads: models run side by side, each with DuckDB's own threads.
    dbt_threads: int = Field(1, ge=1)
    dq_chunk_rows: int = Field(500_000, ge=1_000)
    sample_seed: int = Field(20261123, ge=0)
    # The day freshness is judged against (a region's latest delivery may be at most its freshness_days older);
    # None: today. Pinned for the sample, whose deliveries are dated SAMPLE_AS_OF.
    as_of: date | None = None
    published_versions_kept: int = Field(DEFAULT_VERSIONS_KEPT, ge=1)
    # "id" (Bahasa Indonesia, Indonesian number and date formats) or "en".
    report_language: Literal["id", "en"] = REPORT_LANGUAGES[0]
    sources_dir: Path = SOURCES_DIR
    regional_api_token: str | None = Field(None, repr=False)
    # AIRFLOW_CONN_<ID> values as given: the same variables Airflow itself reads its connections from.
    connections: Mapping[str, str] = Field(default_factory=dict, repr=False)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file: the compose stack's .env holds container paths and server secrets, not a local run's.
        return init_settings, _Environment(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _folders_under_data_dir(cls, values: dict[str, Any]) -> dict[str, Any]:
        data_dir = PROJECT_ROOT / "data" if _blank(values.get("data_dir")) else _folder(values["data_dir"])
        defaults = {name: data_dir / sub for name, sub in _DATA_SUBFOLDERS.items() if _blank(values.get(name))}
        return {name: value for name, value in values.items() if not _blank(value)} | defaults

    @field_validator(
        "data_dir",
        "landing_dir",
        "warehouse_dir",
        "published_dir",
        "reports_dir",
        "source_api_dir",
        "airflow_home",
        "sources_dir",
        mode="before",
    )
    @classmethod
    def _absolute(cls, value: object) -> Path:
        return _folder(value)

    @field_validator("pseudonym_key", "regional_api_token", "storage_version", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("report_language", mode="before")
    @classmethod
    def _language(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("duckdb_memory_limit", mode="before")
    @classmethod
    def _memory_size(cls, value: object) -> str:
        size = str(value).replace(" ", "")
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?([KMGT]i?B)", size, flags=re.IGNORECASE):
            raise ValueError("must be a size like 4GB or 512MiB")
        return size

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Each setting's environment variable, by field (the connections are every AIRFLOW_CONN_<ID>)."""
        names = {}
        for name, model_field in cls.model_fields.items():
            if name != "connections":
                alias = model_field.validation_alias
                names[name] = alias if isinstance(alias, str) else f"ASN_{name.upper()}"
        return names

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings from `env` (default: this process's environment); a bad value raises SettingsError naming
        the variable, the value and what it must be."""
        env = os.environ if env is None else env
        token = _ENVIRONMENT.set(env)
        try:
            return cls(connections={name: value for name, value in env.items() if name.startswith("AIRFLOW_CONN_")})
        except ValidationError as error:
            raise SettingsError(_explained(error)) from None
        finally:
            _ENVIRONMENT.reset(token)

    def api_connection(self, connection_id: str) -> ApiConnection:
        name = f"AIRFLOW_CONN_{connection_id.upper()}"
        if name not in self.connections:
            raise SettingsError(f"connection {connection_id!r} is not configured: set {name}")
        return ApiConnection.of(_airflow_connection(name, self.connections[name]))

    @property
    def warehouse_path(self) -> Path:
        """The private build database: raw, staging, marts and data-quality results."""
        return self.warehouse_dir / "warehouse.duckdb"

    @property
    def archive_dir(self) -> Path:
        """Every loaded delivery file as it came (compressed, checksummed in the load audit), beside the raw layer."""
        return self.warehouse_dir / "archive"

    @property
    def analytics_path(self) -> Path:
        """The published, pseudonymous warehouse that analysts and BI tools read."""
        return self.published_dir / "analytics.duckdb"

    @property
    def restricted_path(self) -> Path:
        """The HR agency's tier: the same marts plus the re-identification table; owner-only permissions."""
        return self.published_dir / "hr_restricted.duckdb"

    @property
    def parquet_dir(self) -> Path:
        """Every published mart as Parquet, `<schema>/<table>.parquet` (a link to the serving version's export)."""
        return self.published_dir / "parquet"

    @property
    def versions_dir(self) -> Path:
        """The last `published_versions_kept` published versions, one folder each, newest last by name."""
        return self.published_dir / "versions"

    def serving_postgres_uri(self) -> str | None:
        """The PostgreSQL serving target as a libpq URI (postgresql://user:password@host:port/dbname), from the
        Airflow connection asn_serving_postgres (a URI, kept as given, or Airflow's JSON form); None when it is not
        configured."""
        name = f"AIRFLOW_CONN_{SERVING_POSTGRES_CONNECTION.upper()}"
        raw = self.connections.get(name, "").strip()
        if not raw:
            return None
        connection = _airflow_connection(name, raw)
        if connection.conn_type not in {"postgres", "postgresql"} or not connection.host or not connection.schema:
            raise SettingsError(f"{name} must be a URI like postgresql://user:password@127.0.0.1:5432/dbname")
        return raw if not raw.startswith("{") else connection.get_uri()

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs of the latest data-quality runs, linked from the report index."""
        return self.reports_dir / "data-docs"

    def freshness_date(self) -> date:
        return self.as_of or date.today()

    def ensure_dirs(self) -> None:
        """The data folders, the landing area and the build database's folder owner-only (0700): they hold NIPs,
        names and birth dates (UU 27/2022); the published and report folders stay readable for their readers."""
        for directory in (self.landing_dir, self.warehouse_dir):
            directory.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
            if directory.stat().st_mode & 0o777 != PRIVATE_FOLDER_MODE and directory.stat().st_uid == os.getuid():
                directory.chmod(PRIVATE_FOLDER_MODE)  # a folder made before, by hand or by an older version
        for directory in (self.published_dir, self.reports_dir):
            directory.mkdir(parents=True, exist_ok=True)

    def resolve_pseudonym_key(self) -> str:
        """The key for the keyed hash that turns a NIP into a pseudonymous employee_key.

        Production sets ASN_PSEUDONYM_KEY from a secret store. A local installation without one gets a random key,
        kept beside the build database with owner-only permissions, so keys stay stable between runs and no key is
        ever committed.
        """
        if self.pseudonym_key:
            return self.pseudonym_key
        key_file = self.warehouse_dir / PSEUDONYM_KEY_FILE
        if not key_file.exists():
            self.warehouse_dir.mkdir(parents=True, exist_ok=True)
            # Written whole under a private name, then linked into place: a racing process either wins or reads
            # the winner's complete key, never a half-written one.
            draft = key_file.with_name(f"{PSEUDONYM_KEY_FILE}.{secrets.token_hex(4)}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        key = stored_pseudonym_key(self.warehouse_dir)
        assert key is not None  # written just above
        return key

    def airflow_env(self) -> dict[str, str]:
        """What a local, in-process Airflow needs: a project-local home with SQLite metadata and the project's DAGs."""
        return {
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }

    def dbt_env(self) -> dict[str, str]:
        """The variables the committed dbt profile reads (dbt_project/profiles.yml)."""
        return {
            "ASN_WAREHOUSE_PATH": str(self.warehouse_path),
            "ASN_DUCKDB_STORAGE_VERSION": self.storage_version,
            "ASN_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "ASN_DBT_THREADS": str(self.dbt_threads),
            "ASN_PSEUDONYM_KEY": self.resolve_pseudonym_key(),
        }
