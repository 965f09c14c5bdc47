"""The whole pipeline exactly as `make run` runs it: real Airflow DAGs in-process, real dbt, real DuckDB files."""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import fastexcel
import pytest

from asn_platform.core.contract import DATASETS
from asn_platform.core.settings import PROJECT_ROOT, Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator.profiles import (
    MEDAN,
    SAMPLE_PROFILES,
    JsonLinesStyle,
    RegionProfile,
    WorkbookStyle,
    reference_profile,
)
from asn_platform.quality import suites_for_stage
from ingestion.load import delivery_suite

pytestmark = pytest.mark.e2e
KEY = "e2e-pseudonym-key"


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asn_platform", "run", "--sample"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("pipeline")
    # Only this test's folders: no ASN_* setting of the developer's (a real landing area, say) leaks in.
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("ASN_")}
    return inherited | {
        "ASN_DATA_DIR": str(root / "data"),
        "AIRFLOW_HOME": str(root / "airflow"),
        "ASN_PSEUDONYM_KEY": KEY,
    }


@pytest.fixture(scope="module")
def first_run(environment: dict[str, str]) -> tuple[Settings, subprocess.CompletedProcess[str]]:
    return Settings.from_env(environment), _run(environment)


def _flatten(record: dict[str, object], prefix: str = "") -> dict[str, str]:
    """A JSON record with nested objects as dotted keys, values as text (as the registry names them)."""
    flat: dict[str, str] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = (
                "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            )
    return flat


def _read_extract(settings: Settings, profile: RegionProfile, dataset: str) -> list[dict[str, str]]:
    """Every record a region delivered of a dataset (all its deliveries, oldest first), read in the region's own
    style (not through the pipeline), keyed by contract field. API datasets: the records the run fetched."""
    if dataset not in profile.columns:  # the reference lists come in the platform's template
        profile = reference_profile(profile)
    rows: list[dict[str, str]] = []
    for path in sorted(settings.landing_dir.glob(f"{profile.region}/{dataset}/*/*")):
        if isinstance(profile.style, WorkbookStyle):
            sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=profile.style.header_row, dtypes="string")
            with duckdb.connect() as connection:
                connection.register("sheet", sheet)
                rows += connection.sql("SELECT * FROM sheet").df().fillna("").to_dict("records")[:-1]  # no JUMLAH
        elif isinstance(profile.style, JsonLinesStyle):
            rows += [_flatten(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]
        else:
            opener = gzip.open if profile.style.gzip else open
            with opener(path, "rt", encoding=profile.style.encoding, newline="") as handle:
                rows += list(csv.DictReader(handle, delimiter=profile.style.delimiter))
    return [{profile.columns[dataset][header]: value for header, value in row.items()} for row in rows]


@pytest.fixture(scope="module")
def delivered(first_run: tuple[Settings, subprocess.CompletedProcess[str]]) -> dict[str, list[dict[str, str]]]:
    """Each sample region's current personnel: its extract, or for Medan the full extract with its deltas applied."""
    settings, _ = first_run
    return {
        profile.region: list({row["nip"]: row for row in _read_extract(settings, profile, "personnel")}.values())
        for profile in SAMPLE_PROFILES
    }


def test_run_succeeds_and_shows_its_result(first_run: tuple[Settings, subprocess.CompletedProcess[str]]) -> None:
    settings, run = first_run
    assert run.returncode == 0, run.stderr[-3000:]
    for profile in SAMPLE_PROFILES:
        assert f"==> DAG asn_ingest_{profile.region}: success" in run.stdout
    assert "==> DAG asn_warehouse: success" in run.stdout
    # Progress throughout, one line per step when not on a terminal: each region generated, each task of each DAG.
    assert re.search(r"/10\] generate: medan files written \(18 deliveries\) in [0-9.]+ s", run.stdout)
    assert re.search(r"\] asn_ingest_langsa: load_deliveries succeeded in ", run.stdout)
    assert re.search(r"/[0-9]+\] asn_warehouse: publish succeeded in ", run.stdout)
    assert "ASN aktif per daerah (mart terbitan core.dim_employee):" in run.stdout  # in Bahasa Indonesia by default
    assert str(settings.analytics_path) in run.stdout


def test_raw_layer_holds_every_delivered_row(
    first_run: tuple[Settings, subprocess.CompletedProcess[str]], delivered: dict[str, list[dict[str, str]]]
) -> None:
    settings, _ = first_run
    datasets = ("complaints", "personnel", "services", "survey_responses", "training", "units")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as build:
        audit = build.execute(
            """SELECT region, dataset, string_agg(DISTINCT status), sum(received_rows), sum(loaded_rows)
               FROM raw.load_audit GROUP BY ALL ORDER BY region, dataset"""
        ).fetchall()
        landed = {
            (region, dataset): build.execute(
                f"SELECT count(*) FROM raw.{dataset} WHERE _region = ?", [region]
            ).fetchone()[0]
            for region in delivered
            for dataset in datasets
        }
    file_rows = {
        (profile.region, dataset): len(_read_extract(settings, profile, dataset))
        for profile in SAMPLE_PROFILES
        for dataset in datasets
    }
    assert landed == file_rows
    # Medan's deltas add changed versions of people already in its full extract; the current staff is the headcount.
    assert {region: len(rows) for region, rows in delivered.items()} == {
        profile.region: profile.headcount for profile in SAMPLE_PROFILES
    }
    assert landed["medan", "personnel"] > MEDAN.headcount
    assert audit == [(region, dataset, "loaded", rows, rows) for (region, dataset), rows in sorted(file_rows.items())]


def _identifier_leaks(path: Path, delivered: dict[str, list[dict[str, str]]]) -> list[str]:
    """Every published column holding a NIP-like number (18 digits standing alone), a delivered NIP or full name as a
    value, or the pseudonym key anywhere: scanned in DuckDB, column by column."""
    identifiers = sorted(
        {row["nip"].replace(" ", "") for rows in delivered.values() for row in rows}
        | {row["full_name"] for rows in delivered.values() for row in rows}
    )
    leaks = []
    with duckdb.connect() as scan:
        scan.execute("ATTACH ? AS analytics (READ_ONLY)", [str(path)])
        scan.execute("CREATE TABLE identifiers AS SELECT unnest(?::VARCHAR[]) AS value", [identifiers])
        columns = scan.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = 'analytics'"
        ).fetchall()
        for schema, table, column in columns:
            text = f'CAST("{column}" AS VARCHAR)'
            (found,) = scan.execute(
                f"""SELECT count(*) FROM analytics."{schema}"."{table}"
                    WHERE regexp_matches({text}, '(^|[^0-9a-f])[0-9]{{18}}([^0-9a-f]|$)')
                       OR contains({text}, ?)
                       OR {text} IN (SELECT value FROM identifiers)""",
                [KEY],
            ).fetchone()
            if found:
                leaks.append(f"{schema}.{table}.{column}: {found} values")
    return leaks


def test_published_mart_is_complete_pseudonymous_and_read_only(
    first_run: tuple[Settings, subprocess.CompletedProcess[str]], delivered: dict[str, list[dict[str, str]]]
) -> None:
    settings, _ = first_run
    path = settings.analytics_path
    assert path.stat().st_mode & 0o777 == 0o444
    assert not Path(f"{path}.wal").exists()
    served = sorted(p.name for p in settings.published_dir.iterdir() if not p.name.startswith("."))
    assert served == ["analytics.duckdb", "current", "hr_restricted.duckdb", "parquet", "versions"]
    with duckdb.connect(str(path), read_only=True) as analytics:
        (tag,) = analytics.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'analytics'"
        ).fetchone()
        statuses = dict(
            analytics.execute("SELECT region || ':' || status, count(*) FROM core.dim_employee GROUP BY 1").fetchall()
        )
        keys = set(analytics.execute("SELECT region, employee_key FROM core.dim_employee").fetchall())
        columns = {row[0] for row in analytics.execute("DESCRIBE core.dim_employee").fetchall()}
    leaks = _identifier_leaks(path, delivered)
    assert tag == "v1.4.0+"  # readable by the DuckDB 1.4/1.5 inside BI tools
    expected_statuses: Counter[str] = Counter()
    expected_keys = set()
    for profile in SAMPLE_PROFILES:
        contract_status = {label: value for value, label in profile.values["status"].items()}
        for row in delivered[profile.region]:
            expected_statuses[f"{profile.region}:{contract_status[row['status']]}"] += 1
            nip = row["nip"].replace(" ", "")
            expected_keys.add((profile.region, hashlib.sha256(f"{KEY}:{nip}".encode()).hexdigest()))
    assert statuses == dict(expected_statuses)
    assert keys == expected_keys
    assert not columns & {"nip", "full_name", "birth_date"}
    assert leaks == []


def test_placement_history_shows_the_transfers_medans_deltas_carry(
    first_run: tuple[Settings, subprocess.CompletedProcess[str]],
) -> None:
    """Medan sends a full extract, then daily deltas: every change of unit between one record of a person and their
    next is a transfer in placement.movements, and the latest record is the current placement version."""
    settings, run = first_run
    units_over_time: dict[str, list[str]] = {}
    for row in _read_extract(settings, MEDAN, "personnel"):  # oldest delivery first
        units_over_time.setdefault(row["nip"].replace(" ", ""), []).append(row["unit_code"])
    transfers = sum(
        before != after for units in units_over_time.values() for before, after in itertools.pairwise(units)
    )
    with duckdb.connect(str(settings.analytics_path), read_only=True) as analytics:
        (published,) = analytics.execute(
            "SELECT sum(movements) FROM placement.movements WHERE region = 'medan' AND movement_type = 'transfer'"
        ).fetchone()
        # k-anonymous: a unit is left out (NULL) where fewer than 5 people share the version's quasi-identifiers.
        analysts_current = dict(
            analytics.execute(
                "SELECT employee_key, unit_code FROM placement.placement_history WHERE region = 'medan' AND is_current"
            ).fetchall()
        )
    with duckdb.connect(str(settings.restricted_path), read_only=True) as restricted:
        current = dict(
            restricted.execute(
                "SELECT employee_key, unit_code FROM restricted.placement_history_detail "
                "WHERE region = 'medan' AND is_current"
            ).fetchall()
        )
    assert transfers > 10
    assert published == transfers
    assert current == {
        hashlib.sha256(f"{KEY}:{nip}".encode()).hexdigest(): units[-1] for nip, units in units_over_time.items()
    }
    assert analysts_current.keys() == current.keys()
    assert all(unit in (None, current[key]) for key, unit in analysts_current.items())
    assert "Angka utama, tahun lengkap terakhir" in run.stdout


def test_every_gate_ran_and_passed(first_run: tuple[Settings, subprocess.CompletedProcess[str]]) -> None:
    settings, _ = first_run
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as build:
        rows = build.execute(
            """SELECT stage, count(*), count(*) FILTER (NOT success AND severity = 'error')
               FROM dq.expectation_results GROUP BY stage ORDER BY stage"""
        ).fetchall()
        loads = build.execute("SELECT dataset, delivery_kind FROM raw.load_audit WHERE status = 'loaded'").fetchall()
    delivery_checks = sum(len(delivery_suite(DATASETS[dataset], kind).expectations) for dataset, kind in loads)
    mart_checks = sum(len(suite.expectations) for suite in suites_for_stage("marts"))
    raw_checks = sum(len(suite.expectations) for suite in suites_for_stage("raw"))
    assert delivery_checks > 20  # the contract's rules plus expectations/delivery/personnel.yml
    assert rows == [("delivery", delivery_checks, 0), ("marts", mart_checks, 0), ("raw", raw_checks, 0)]


def test_a_region_breaking_a_mart_rule_is_held_back_and_keeps_serving_its_last_good_data(
    first_run: tuple[Settings, subprocess.CompletedProcess[str]], environment: dict[str, str]
) -> None:
    """Runs last: a later Langsa unit list without a unit its staff still work in. Every delivery loads, dbt builds,
    and the marts gate's unit references fail for Langsa's rows only (docs/data-quality.md): the gate holds Langsa
    back, the other regions publish, and Langsa's published rows stay those of the last good version."""
    settings, _ = first_run
    langsa_units = "SELECT count(*), sum(hash(unit_code, unit_name)) FROM core.dim_unit WHERE region = 'langsa'"
    with connect(settings.analytics_path, read_only=True, settings=settings) as analytics:
        before = analytics.execute(langsa_units).fetchone()
        (version_before,) = analytics.execute("SELECT version FROM main.publication").fetchone()
    (first_list,) = settings.landing_dir.glob("langsa/units/*/*.csv")
    lines = first_list.read_text(encoding="utf-8").splitlines(keepends=True)
    later = settings.landing_dir / "langsa" / "units" / "2026-11-08" / "units_20261108.csv"
    later.parent.mkdir(parents=True)
    later.write_text("".join(line for line in lines if ",LGS-BAPPEDA," not in line), encoding="utf-8")

    run = _run(environment)

    assert run.returncode == 0, run.stderr[-3000:]
    assert "==> DAG asn_warehouse: success" in run.stdout
    held = run.stdout.split("Daerah yang ditahan oleh gerbang mutu mart", 1)[1].splitlines()[1]
    assert held.startswith(
        "  langsa: unexpected_rows_expectation('every (region, unit_code) is in core.dim_unit') on core.dim_employee: "
        "1 of its rows"
    )
    with connect(settings.analytics_path, read_only=True, settings=settings) as analytics:
        assert analytics.execute(langsa_units).fetchone() == before  # LGS-BAPPEDA still there: the last good data
        assert analytics.execute("SELECT version FROM main.publication").fetchone()[0] != version_before
