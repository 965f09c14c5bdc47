from pathlib import Path

import pytest

from asn_platform.core.settings import PROJECT_ROOT, Settings, SettingsError


def test_defaults_live_under_the_project_data_folder() -> None:
    settings = Settings.from_env({})
    assert settings.landing_dir == PROJECT_ROOT / "data" / "landing"
    assert settings.warehouse_path == PROJECT_ROOT / "data" / "warehouse" / "warehouse.duckdb"
    assert settings.analytics_path == PROJECT_ROOT / "data" / "published" / "analytics.duckdb"
    assert settings.airflow_home == PROJECT_ROOT / ".airflow"
    assert settings.storage_version == "v1.4.0"
    assert settings.dq_chunk_rows == 500_000
    assert settings.duckdb_memory_limit == "4GB"
    assert settings.pseudonym_key is None


def test_data_dir_moves_every_folder_and_each_can_be_set_alone(tmp_path: Path) -> None:
    settings = Settings.from_env({"ASN_DATA_DIR": str(tmp_path), "ASN_PUBLISHED_DIR": str(tmp_path / "serve")})
    assert settings.landing_dir == tmp_path / "landing"
    assert settings.warehouse_dir == tmp_path / "warehouse"
    assert settings.published_dir == tmp_path / "serve"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ASN_DQ_CHUNK_ROWS": "many"}, "ASN_DQ_CHUNK_ROWS='many': Input should be a valid integer"),
        ({"ASN_DQ_CHUNK_ROWS": "10"}, "ASN_DQ_CHUNK_ROWS='10': Input should be greater than or equal to 1000"),
        ({"ASN_SAMPLE_SEED": "-1"}, "ASN_SAMPLE_SEED='-1': Input should be greater than or equal to 0"),
        ({"ASN_DUCKDB_STORAGE_VERSION": "latest"}, "ASN_DUCKDB_STORAGE_VERSION='latest': must look like 'v1.4.0'"),
        ({"ASN_DBT_THREADS": "0"}, "ASN_DBT_THREADS='0': Input should be greater than or equal to 1"),
        ({"ASN_DUCKDB_MEMORY_LIMIT": "lots"}, "ASN_DUCKDB_MEMORY_LIMIT='lots': must be a size like 4GB or 512MiB"),
        ({"ASN_AS_OF": "1 Nov 2026"}, "ASN_AS_OF='1 Nov 2026': Input should be a valid date"),
        ({"ASN_PUBLISHED_VERSIONS_KEPT": "0"}, "ASN_PUBLISHED_VERSIONS_KEPT='0': Input should be greater than or"),
        ({"ASN_REPORT_LANGUAGE": "jawa"}, "ASN_REPORT_LANGUAGE='jawa': Input should be 'id' or 'en'"),
        ({"ASN_WAREHOUSE_LOCK_WAIT_S": "-1"}, "ASN_WAREHOUSE_LOCK_WAIT_S='-1': Input should be greater than or"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_reports_are_in_indonesian_unless_english_is_chosen() -> None:
    assert Settings.from_env({}).report_language == "id"
    assert Settings.from_env({"ASN_REPORT_LANGUAGE": " EN "}).report_language == "en"


def test_numbers_accept_underscores() -> None:
    assert Settings.from_env({"ASN_DQ_CHUNK_ROWS": "250_000"}).dq_chunk_rows == 250_000


def test_a_blank_variable_is_a_missing_one_and_values_are_trimmed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"ASN_DBT_THREADS": "  ", "ASN_LANDING_DIR": "", "ASN_DATA_DIR": f" {tmp_path} ", "ASN_PSEUDONYM_KEY": " k "}
    )
    assert settings.dbt_threads == 1
    assert settings.landing_dir == tmp_path / "landing"
    assert settings.pseudonym_key == "k"


def test_only_the_mapping_given_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASN_DBT_THREADS", "7")
    assert Settings.from_env({}).dbt_threads == 1
    assert Settings.from_env().dbt_threads == 7


@pytest.mark.parametrize(
    ("value", "base_url"),
    [
        ("http://:tok%2Fen@127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("https://:tok%2Fen@api.example.go.id", "https://api.example.go.id"),
        ("http://:tok%2Fen@[::1]:8765", "http://[::1]:8765"),
        (
            '{"conn_type": "http", "host": "10.0.0.2", "port": 80, "schema": "https", "password": "tok/en"}',
            "https://10.0.0.2:80",
        ),
    ],
)
def test_an_api_connection_is_read_as_airflow_reads_it(value: str, base_url: str) -> None:
    connection = Settings.from_env({"AIRFLOW_CONN_REGION_API": value}).api_connection("region_api")
    assert (connection.base_url, connection.token) == (base_url, "tok/en")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("http://127.0.0.1:8765", "connection 'region_api' needs a host and the API token as its password"),
        ('{"conn_type": "http", "host": ', "AIRFLOW_CONN_REGION_API is not an Airflow connection"),
    ],
)
def test_an_unusable_api_connection_is_named(value: str, message: str) -> None:
    settings = Settings.from_env({"AIRFLOW_CONN_REGION_API": value})
    with pytest.raises(SettingsError, match=message):
        settings.api_connection("region_api")
    with pytest.raises(SettingsError, match="connection 'other' is not configured: set AIRFLOW_CONN_OTHER"):
        settings.api_connection("other")


def test_generated_pseudonym_key_is_private_random_and_stable(tmp_path: Path) -> None:
    settings = Settings.from_env({"ASN_DATA_DIR": str(tmp_path)})
    key = settings.resolve_pseudonym_key()
    key_file = settings.warehouse_dir / ".pseudonym_key"
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert settings.resolve_pseudonym_key() == key
    other = Settings.from_env({"ASN_DATA_DIR": str(tmp_path / "elsewhere")}).resolve_pseudonym_key()
    assert other != key


def test_key_from_the_environment_wins_and_no_file_is_written(tmp_path: Path) -> None:
    settings = Settings.from_env({"ASN_DATA_DIR": str(tmp_path), "ASN_PSEUDONYM_KEY": "from-vault"})
    assert settings.resolve_pseudonym_key() == "from-vault"
    assert not (settings.warehouse_dir / ".pseudonym_key").exists()


def test_dbt_and_airflow_environments_point_at_the_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"ASN_DATA_DIR": str(tmp_path), "ASN_PSEUDONYM_KEY": "k", "AIRFLOW_HOME": "/x/af"})
    assert settings.dbt_env() == {
        "ASN_WAREHOUSE_PATH": str(tmp_path / "warehouse" / "warehouse.duckdb"),
        "ASN_DUCKDB_STORAGE_VERSION": "v1.4.0",
        "ASN_DUCKDB_MEMORY_LIMIT": "4GB",
        "ASN_DBT_THREADS": "1",
        "ASN_PSEUDONYM_KEY": "k",
    }
    assert settings.airflow_env()["AIRFLOW_HOME"] == "/x/af"
    assert settings.airflow_env()["AIRFLOW__CORE__DAGS_FOLDER"] == str(PROJECT_ROOT / "dags")


def test_the_memory_limit_reaches_duckdb_and_dbt(tmp_path: Path) -> None:
    from asn_platform.core.warehouse import connect

    settings = Settings.from_env({"ASN_DATA_DIR": str(tmp_path), "ASN_DUCKDB_MEMORY_LIMIT": "512 MiB"})
    with connect(settings=settings) as connection:
        (limit,) = connection.execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit == "512.0 MiB"
    assert settings.dbt_env()["ASN_DUCKDB_MEMORY_LIMIT"] == "512MiB"


@pytest.mark.parametrize(
    "uri", ["mysql://u:p@127.0.0.1/asn", "postgresql://u:p@127.0.0.1:5432", '{"conn_type": "postgres"}']
)
def test_a_serving_postgres_uri_without_scheme_host_or_database_is_named(uri: str) -> None:
    settings = Settings.from_env({"AIRFLOW_CONN_ASN_SERVING_POSTGRES": uri})
    with pytest.raises(SettingsError, match="AIRFLOW_CONN_ASN_SERVING_POSTGRES must be a URI like postgresql://"):
        settings.serving_postgres_uri()


def test_the_serving_postgres_uri_is_optional_and_kept_as_given() -> None:
    assert Settings.from_env({}).serving_postgres_uri() is None
    uri = "postgresql://asn:secret@10.0.0.5:5433/asn"
    assert Settings.from_env({"AIRFLOW_CONN_ASN_SERVING_POSTGRES": uri}).serving_postgres_uri() == uri


def test_the_serving_postgres_connection_may_be_airflows_json_form() -> None:
    document = '{"conn_type": "postgres", "host": "10.0.0.5", "port": 5433, "login": "asn", "password": "s@cret", '
    document += '"schema": "asn"}'
    uri = Settings.from_env({"AIRFLOW_CONN_ASN_SERVING_POSTGRES": document}).serving_postgres_uri()
    assert uri == "postgres://asn:s%40cret@10.0.0.5:5433/asn"


def test_the_folders_holding_personal_data_are_the_owners_only(tmp_path: Path) -> None:
    settings = Settings.from_env({"ASN_DATA_DIR": str(tmp_path / "data")})
    settings.warehouse_dir.mkdir(parents=True, mode=0o755)  # made before, by hand or by an older version
    settings.warehouse_dir.chmod(0o755)
    settings.ensure_dirs()
    modes = {path.name: path.stat().st_mode & 0o777 for path in (tmp_path / "data").iterdir()}
    assert modes == {"landing": 0o700, "warehouse": 0o700, "published": 0o755, "reports": 0o755}
