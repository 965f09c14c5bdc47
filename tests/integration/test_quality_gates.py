"""The raw and mart gates, each kind of expectation broken on purpose in a real build of Kota Langsa's sample.

Every error must name the expectation, the table and the failing values, and stop its stage: the published
warehouse stays byte for byte as it was. Warnings are recorded and do not stop anything. (Each delivery's own
checks, before it loads, are broken by the defect generator in test_defects_caught.py.)
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.orchestration.stages import gate
from asn_platform.quality import QualityGateFailed
from asn_platform.serving.publish import publish


@dataclass(frozen=True)
class Built:
    settings: Settings
    pristine: Path  # a copy of the build database as the good run left it
    published: Path  # and of the published warehouse
    published_sha256: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Built]:
    from conftest import gated_langsa_build

    root = tmp_path_factory.mktemp("gates")
    with gated_langsa_build(root, gated_langsa_template) as settings:
        published = publish(settings)
        pristine, published_copy = root / "pristine.duckdb", root / "published.duckdb"
        shutil.copyfile(settings.warehouse_path, pristine)
        shutil.copyfile(published.path, published_copy)
        yield Built(settings, pristine, published_copy, _sha256(published.path))


@pytest.fixture
def warehouse(built: Built) -> Iterator[Built]:
    """The good build database and published file in place before each test; afterwards, the published file must
    be as it was."""
    shutil.copyfile(built.pristine, built.settings.warehouse_path)
    built.settings.analytics_path.unlink()
    shutil.copyfile(built.published, built.settings.analytics_path)
    yield built
    assert _sha256(built.settings.analytics_path) == built.published_sha256


# The raw gate checks the rows of loads it has not seen (asn_platform.quality.scope): a raw row broken in place
# belongs to a load the build's gate already passed, so the breaking statements also make that load one the gate has
# not seen, as a corrected re-delivery would be (test_gate_scope.py holds the scoping itself).
def _unseen(dataset: str) -> str:
    return f"UPDATE raw.load_audit SET finished_at = now() WHERE dataset = '{dataset}'"


def _break(settings: Settings, *statements: str) -> None:
    with connect(settings=settings) as connection:
        for statement in statements:
            connection.execute(statement)


def _gate_then_publish(stage: str, settings: Settings) -> str:
    """The DAG's order: a stage's gate, and only then publishing. Returns the gate's failure message."""

    def in_dag_order() -> None:
        gate(stage, settings)
        publish(settings)

    with pytest.raises(QualityGateFailed) as failure:
        in_dag_order()
    return str(failure.value)


# (stage, id, statements that break the data, what the failure message must say)
ERRORS = [
    (
        "raw",
        "cross-field",
        ["UPDATE raw.load_audit SET finished_at = started_at - INTERVAL 5 MINUTE WHERE dataset = 'units'"],
        ["[error] expect_column_pair_values_a_to_be_greater_than_b(finished_at,started_at) on raw.load_audit: "
         "1 of 6 rows failed", '"load_id": "'],
    ),
    (
        "raw",
        "value set",
        ["UPDATE raw.load_audit SET status = 'loading' WHERE dataset = 'complaints'"],
        ["[error] expect_column_values_to_be_in_set(status) on raw.load_audit: 1 of 6 rows failed",
         '"status": "loading"'],
    ),
    (
        "raw",
        "reconciliation: audit and raw",
        ["DELETE FROM raw.training WHERE _source_row <= 7"],  # lines 2-7 (line 1 is the header)
        ["[error] unexpected_rows_expectation(\"each raw table holds exactly the rows its loads' audit rows say\") "
         "on raw.load_audit: 1 unexpected rows", '"dataset": "training"', '"audit_rows": 31749', '"raw_rows": 31743'],
    ),
    (
        "raw",
        "idempotency",
        ["INSERT INTO raw.load_audit SELECT * REPLACE (load_id || '-again' AS load_id) FROM raw.load_audit "
         "WHERE dataset = 'units'"],
        ["[error] unexpected_rows_expectation('no delivery file is loaded twice') on raw.load_audit: 1 unexpected rows",
         '"delivery_id": "langsa/units/2026-11-01"', '"loads": 2'],
    ),
    (
        "raw",
        "NIP structure",
        ["UPDATE raw.personnel SET birth_date = birth_date + 1 WHERE _source_row = 3", _unseen("personnel")],
        ["[error] unexpected_rows_expectation(\"a NIP's birth date and gender digits agree with the record\") on "
         "raw.personnel: 1 unexpected rows", '"_source_row": 3', '"nip_birth_digits": "'],
    ),
    (
        "raw",
        "NIP format",
        ["UPDATE raw.personnel SET nip = '1985031220100110' WHERE _source_row = 4", _unseen("personnel")],
        ["[error] expect_column_values_to_match_regex(nip) on raw.personnel: 1 of 3,000 rows failed",
         '"nip": "1985031220100110"'],
    ),
    (
        "marts",
        "schema",
        ["ALTER TABLE core.dim_employee ADD COLUMN birth_year INTEGER"],
        ["[error] expect_table_columns_to_match_set(table) on core.dim_employee: observed "
         "{'missing': [], 'unexpected': ['birth_year']}"],
    ),
    (
        "marts",
        "row count",
        ["DELETE FROM placement.unit_fit"],
        ["[error] expect_table_row_count_to_be_between(table) on placement.unit_fit: observed 0"],
    ),
    (
        "marts",
        "uniqueness",
        ["INSERT INTO core.dim_unit SELECT * FROM core.dim_unit WHERE unit_code = 'LGS-BAPPEDA'"],
        ["[error] expect_compound_columns_to_be_unique(region,unit_code) on core.dim_unit: 2 of 17 rows failed",
         '"unit_code": "LGS-BAPPEDA", "rows": 2'],
    ),
    (
        "marts",
        "required",
        ["UPDATE service_quality.ikm_unit_period SET mutu = NULL WHERE service_name = (SELECT min(service_name) "
         "FROM service_quality.ikm_unit_period) AND quarter_start = DATE '2025-01-01'"],
        ["[error] expect_column_values_to_not_be_null(mutu) on service_quality.ikm_unit_period: ", '"mutu": null'],
    ),
    (
        "marts",
        "format",
        ["UPDATE core.dim_employee SET employee_key = upper(employee_key) WHERE unit_code = 'LGS-BAPPEDA' "
         "AND gender = 'F'"],
        ["[error] expect_column_values_to_match_regex(employee_key) on core.dim_employee: ", "rows failed",
         '"employee_key": "'],
    ),
    (
        "marts",
        "range",
        ["UPDATE service_quality.ikm_unit_period SET ikm = 104.2 WHERE quarter_start = (SELECT max(quarter_start) "
         "FROM service_quality.ikm_unit_period) AND service_name = (SELECT min(service_name) "
         "FROM service_quality.ikm_unit_period)"],
        ["[error] expect_column_values_to_be_between(ikm) on service_quality.ikm_unit_period: ", '"ikm": 104.2',
         '(expected {"min_value": 24.975, "max_value": 100})'],
    ),
    (
        "marts",
        "value set",
        ["UPDATE service_quality.ikm_unit_period SET mutu = 'E' WHERE mutu = 'B'"],
        ["[error] expect_column_values_to_be_in_set(mutu) on service_quality.ikm_unit_period: ", '"mutu": "E"'],
    ),
    (
        "marts",
        "cross-field",
        ["UPDATE service_quality.complaints_unit_period SET resolved = complaints + 1 WHERE complaints = "
         "(SELECT max(complaints) FROM service_quality.complaints_unit_period)"],
        ["[error] expect_column_pair_values_a_to_be_greater_than_b(complaints,resolved) on "
         "service_quality.complaints_unit_period: "],
    ),
    (
        "marts",
        "reconciliation: latest delivery",
        ["DELETE FROM core.dim_employee WHERE employee_key IN (SELECT employee_key FROM core.dim_employee "
         "WHERE unit_code = 'LGS-BAPPEDA' AND status = 'active' ORDER BY employee_key LIMIT 2)"],
        ["[error] unexpected_rows_expectation(\"active staff per unit equal the latest personnel delivery's\") on "
         "core.dim_employee: 1 unexpected rows", '"unit_code": "LGS-BAPPEDA"'],
    ),
    (
        "marts",
        "reconciliation: mart and fact",
        ["UPDATE competency.training_records SET jp = jp + 3 WHERE counts_toward_jp AND training_year = 2025 "
         "AND employee_key = (SELECT min(employee_key) FROM competency.training_records WHERE training_year = 2025 "
         "AND counts_toward_jp)"],
        ["[error] unexpected_rows_expectation(\"JP per region and year equal training_records's passed JP of the "
         "people in employee_year\") on competency.employee_year: 1 unexpected rows", '"calendar_year": 2025'],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("stage", "kind", "statements", "expected"), ERRORS, ids=[e[1] + f" ({e[0]})" for e in ERRORS])
def test_a_broken_rule_stops_its_stage_naming_expectation_table_and_values(
    warehouse: Built, stage: str, kind: str, statements: list[str], expected: list[str]
) -> None:
    _break(warehouse.settings, *statements)
    message = _gate_then_publish(stage, warehouse.settings)
    for fragment in expected:
        assert fragment in message, f"{kind}: {fragment!r} not in:\n{message}"


def test_the_dimension_reconciliation_shows_both_counts(warehouse: Built) -> None:
    # The unit's people by the re-identification table: k-anonymity suppressed the unit of a few in dim_employee.
    in_unit = "SELECT employee_key FROM restricted.employee_identity WHERE unit_code = 'LGS-BAPPEDA'"
    with connect(settings=warehouse.settings) as connection:
        (before,) = connection.execute(
            f"SELECT count(*) FROM core.dim_employee WHERE employee_key IN ({in_unit}) AND status = 'active'"
        ).fetchone()
    _break(warehouse.settings, f"DELETE FROM core.dim_employee WHERE employee_key IN ({in_unit}) AND status = 'active'")
    message = _gate_then_publish("marts", warehouse.settings)
    assert f'"delivered": {before}, "in_dim_employee": 0' in message


def test_failures_are_recorded_in_the_dq_schema_with_their_sample(warehouse: Built) -> None:
    _break(warehouse.settings, "UPDATE service_quality.ikm_unit_period SET mutu = 'E' WHERE mutu = 'B'")
    _gate_then_publish("marts", warehouse.settings)
    with connect(settings=warehouse.settings, read_only=True) as connection:
        rows = connection.execute(
            """SELECT stage, suite, table_name, severity, success, unexpected_count,
                      unexpected_sample->0->>'mutu'
               FROM dq.expectation_results
               WHERE suite = 'marts.ikm_unit_period' AND expectation = 'expect_column_values_to_be_in_set'
                 AND column_name = 'mutu'
               ORDER BY validated_at DESC LIMIT 1"""
        ).fetchall()
        (failed_runs,) = connection.execute(
            "SELECT count(DISTINCT run_id) FROM dq.expectation_results WHERE NOT success AND severity = 'error'"
        ).fetchone()
    ((stage, suite, table, severity, success, unexpected, sampled),) = rows
    assert (stage, suite, table, severity, success, sampled) == (
        "marts", "marts.ikm_unit_period", "service_quality.ikm_unit_period", "error", False, "E"
    )  # fmt: skip
    assert unexpected > 0
    assert failed_runs == 1


def test_warnings_are_recorded_and_do_not_stop_the_stage(warehouse: Built) -> None:
    _break(
        warehouse.settings,
        # A trainee no personnel delivery knows, and every IKM row flagged as drifting.
        "INSERT INTO raw.training SELECT * REPLACE ('199001012020011999' AS nip) FROM raw.training LIMIT 1",
        "UPDATE raw.load_audit SET loaded_rows = loaded_rows + 1, received_rows = received_rows + 1 "
        "WHERE dataset = 'training'",
        _unseen("training"),
        "UPDATE service_quality.ikm_unit_period SET is_drift_warning = true",
    )
    # Eight months after the sample's deliveries, every dataset but the reference lists is overdue.
    later = warehouse.settings.model_copy(update={"as_of": date(2027, 7, 1)})
    raw = {report.suite: report for report in gate("raw", later)}
    marts = {report.suite: report for report in gate("marts", later)}
    (stale,) = raw["raw.load_audit"].warnings
    assert stale.label == "unexpected_rows_expectation('each region delivered each dataset within its schedule')"
    # Langsa's four monthly datasets are 242 days old (its lists of units and services may be a year old); the
    # four regions of the registry that have delivered nothing yet are overdue with all six.
    assert stale.unexpected_count == 4 + 4 * 6
    langsa = {row["dataset"]: row["age_days"] for row in stale.unexpected_sample if row["region"] == "langsa"}
    assert langsa == {"complaints": 242, "personnel": 242, "survey_responses": 242, "training": 242}
    assert {"region": "banjarbaru", "dataset": "personnel", "latest_delivery": None, "freshness_days": 35,
            "age_days": None} in stale.unexpected_sample  # fmt: skip
    (unknown,) = raw["raw.training"].warnings
    assert unknown.unexpected_sample == [{"region": "langsa", "nip": "199001012020011999", "trainings": 1}]
    drift = [o for o in marts["marts.ikm_unit_period"].warnings if o.spec.column == "is_drift_warning"]
    assert len(drift) == 1
    assert not drift[0].success


def test_a_training_record_of_someone_not_in_personnel_is_shown_not_blocking(warehouse: Built) -> None:
    """A passed training of a NIP the region's personnel delivery lacks stays in training_records (the raw gate
    warns of it) and credits nobody's yearly JP: the JP reconciliation leaves it out instead of stopping every
    region's publication."""
    _break(
        warehouse.settings,
        "INSERT INTO competency.training_records SELECT * REPLACE (repeat('f', 64) AS employee_key, NULL AS unit_code) "
        "FROM competency.training_records WHERE counts_toward_jp LIMIT 1",
    )
    marts = {report.suite: report for report in gate("marts", warehouse.settings)}
    reconciliation = [outcome for outcome in marts["marts.employee_year"].outcomes if "passed JP" in outcome.label]
    assert [outcome.success for outcome in reconciliation] == [True]


@pytest.mark.slow  # the warehouse DAG run in-process
def test_a_failed_raw_gate_fails_the_warehouse_dag_before_dbt_runs(warehouse: Built) -> None:
    from asn_platform.local.run import failed_tasks, load_dag_bag, prepare_airflow, run_dag
    from asn_platform.orchestration.runtime import use_settings
    from asn_platform.transform.manifest import ensure_manifest

    _break(warehouse.settings, "DELETE FROM raw.training WHERE _source_row <= 7")
    prepare_airflow(warehouse.settings)
    ensure_manifest(warehouse.settings)  # the DAG renders its dbt tasks from it
    bag = load_dag_bag()
    progress: list[str] = []
    with use_settings(warehouse.settings):
        outcome, dag_run = run_dag(bag, "asn_warehouse", progress.append)
    assert outcome.state == "failed"
    # Each task that ran is reported as it ended (the run's own listener), here the one that failed.
    assert [line for line in progress if re.search(r"/[0-9]+\] asn_warehouse: gate_raw FAILED in [0-9.]+ s$", line)]
    # Every task of cosmos's dbt group ("dbt.<node>.<command>") is held back with the gate after it.
    dbt_tasks = {task_id for task_id in bag.dags["asn_warehouse"].task_ids if task_id.startswith("dbt.")}
    assert dbt_tasks
    assert failed_tasks(dag_run) == {
        "gate_raw": "failed", "gate_marts": "upstream_failed", "publish": "upstream_failed",
        "serve_postgres": "upstream_failed",
    } | dict.fromkeys(dbt_tasks, "upstream_failed")  # fmt: skip
