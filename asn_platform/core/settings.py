"""Project settings: the one place that reads the environment.

Every path and secret the pipeline uses comes from here, each from an environment variable with a documented default
(see `.env.example` and `docs/settings.md`). Nothing else in the project reads `os.environ` for configuration.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

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
# DuckDB takes 80 % of the machine by default; a national build stays within this and spills the rest to disk.
DEFAULT_MEMORY_LIMIT = "4GB"
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


def _parse_connection(name: str, raw: str) -> ApiConnection:
    """Airflow's connection formats: a URI (`http://:TOKEN@host:port`, token as the password) or JSON
    (`{"conn_type": "http", "host": ..., "port": ..., "password": ...}`)."""
    if raw.lstrip().startswith("{"):
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as error:
            raise SettingsError(f"{name} is not valid JSON: {error.msg}") from None
        if not isinstance(document, dict):
            raise SettingsError(f"{name} must be a JSON object (or a URI)")
        scheme = document.get("schema") or ("https" if document.get("conn_type") == "https" else "http")
        host, port, token = document.get("host"), document.get("port"), document.get("password")
    else:
        parts = urlsplit(raw.strip())
        scheme, host, port, token = parts.scheme, parts.hostname, parts.port, unquote(parts.password or "")
    if scheme not in {"http", "https"} or not host:
        raise SettingsError(f"{name} must name an http(s) host, like http://:TOKEN@127.0.0.1:8765")
    if not token:
        raise SettingsError(f"{name} has no token (the connection's password)")
    host = f"[{host}]" if ":" in str(host) else host  # an IPv6 address keeps its brackets in a URL
    return ApiConnection(f"{scheme}://{host}{f':{port}' if port else ''}", str(token))


def _as_of(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"ASN_AS_OF={raw!r} is not a date like 2026-11-01") from None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_dir: Path
    published_dir: Path
    # Static pages for people: the report index, Great Expectations Data Docs, reports with charts.
    reports_dir: Path
    airflow_home: Path
    pseudonym_key: str | None
    storage_version: str
    # DuckDB's memory cap for every connection (the build, dbt, gates, publishing); past it, DuckDB spills to disk.
    duckdb_memory_limit: str
    # dbt's worker threads: models run side by side, each with DuckDB's own threads.
    dbt_threads: int
    dq_chunk_rows: int
    sample_seed: int
    source_api_dir: Path
    # The day freshness is judged against (a region's latest delivery may be at most its freshness_days older);
    # None: today. Pinned for the sample, whose deliveries are dated SAMPLE_AS_OF.
    as_of: date | None = None
    published_versions_kept: int = DEFAULT_VERSIONS_KEPT
    # "id" (Bahasa Indonesia, Indonesian number and date formats) or "en".
    report_language: str = REPORT_LANGUAGES[0]
    sources_dir: Path = SOURCES_DIR
    regional_api_token: str | None = field(default=None, repr=False, compare=False)
    # AIRFLOW_CONN_<ID> values as given: the same variables Airflow itself reads its connections from.
    connections: Mapping[str, str] = field(default_factory=dict, repr=False, hash=False, compare=False)

    def api_connection(self, connection_id: str) -> ApiConnection:
        name = f"AIRFLOW_CONN_{connection_id.upper()}"
        if name not in self.connections:
            raise SettingsError(f"connection {connection_id!r} is not configured: set {name}")
        return _parse_connection(name, self.connections[name])

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
        Airflow connection asn_serving_postgres; None when it is not configured."""
        name = f"AIRFLOW_CONN_{SERVING_POSTGRES_CONNECTION.upper()}"
        raw = self.connections.get(name, "").strip()
        if not raw:
            return None
        parts = urlsplit(raw)
        if parts.scheme not in {"postgres", "postgresql"} or not parts.hostname or not parts.path.strip("/"):
            raise SettingsError(f"{name} must be a URI like postgresql://user:password@127.0.0.1:5432/dbname")
        return raw

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def path(name: str, default: Path) -> Path:
            raw = env.get(name, "").strip()
            return Path(raw).expanduser().resolve() if raw else default

        def integer(name: str, default: int, minimum: int) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = int(raw.replace("_", ""))
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a whole number") from None
            if value < minimum:
                raise SettingsError(f"{name}={value} must be at least {minimum}")
            return value

        data_dir = path("ASN_DATA_DIR", PROJECT_ROOT / "data")
        storage_version = env.get("ASN_DUCKDB_STORAGE_VERSION", "").strip() or DEFAULT_STORAGE_VERSION
        if not storage_version.startswith("v"):
            raise SettingsError(
                f"ASN_DUCKDB_STORAGE_VERSION={storage_version!r} must look like 'v1.4.0' (or 'latest' is not allowed: "
                "BI tools bundle DuckDB 1.x)"
            )
        memory_limit = env.get("ASN_DUCKDB_MEMORY_LIMIT", "").strip().replace(" ", "") or DEFAULT_MEMORY_LIMIT
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?([KMGT]i?B)", memory_limit, flags=re.IGNORECASE):
            raise SettingsError(f"ASN_DUCKDB_MEMORY_LIMIT={memory_limit!r} must be a size like 4GB or 512MiB")
        report_language = env.get("ASN_REPORT_LANGUAGE", "").strip().lower() or REPORT_LANGUAGES[0]
        if report_language not in REPORT_LANGUAGES:
            raise SettingsError(f"ASN_REPORT_LANGUAGE={report_language!r} must be one of {', '.join(REPORT_LANGUAGES)}")
        return cls(
            data_dir=data_dir,
            landing_dir=path("ASN_LANDING_DIR", data_dir / "landing"),
            warehouse_dir=path("ASN_WAREHOUSE_DIR", data_dir / "warehouse"),
            published_dir=path("ASN_PUBLISHED_DIR", data_dir / "published"),
            reports_dir=path("ASN_REPORTS_DIR", data_dir / "reports"),
            airflow_home=path("AIRFLOW_HOME", PROJECT_ROOT / ".airflow"),
            pseudonym_key=env.get("ASN_PSEUDONYM_KEY", "").strip() or None,
            storage_version=storage_version,
            duckdb_memory_limit=memory_limit,
            dbt_threads=integer("ASN_DBT_THREADS", 1, minimum=1),
            dq_chunk_rows=integer("ASN_DQ_CHUNK_ROWS", 500_000, minimum=1_000),
            sample_seed=integer("ASN_SAMPLE_SEED", 20261123, minimum=0),
            source_api_dir=path("ASN_SOURCE_API_DIR", data_dir / "source_api"),
            as_of=_as_of(env.get("ASN_AS_OF", "").strip()),
            published_versions_kept=integer("ASN_PUBLISHED_VERSIONS_KEPT", DEFAULT_VERSIONS_KEPT, minimum=1),
            report_language=report_language,
            sources_dir=path("ASN_SOURCES_DIR", SOURCES_DIR),
            regional_api_token=env.get("ASN_REGIONAL_API_TOKEN", "").strip() or None,
            connections={name: value for name, value in env.items() if name.startswith("AIRFLOW_CONN_")},
        )

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs of the latest data-quality runs, linked from the report index."""
        return self.reports_dir / "data-docs"

    def freshness_date(self) -> date:
        return self.as_of or date.today()

    def ensure_dirs(self) -> None:
        for directory in (self.landing_dir, self.warehouse_dir, self.published_dir, self.reports_dir):
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
