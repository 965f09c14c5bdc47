"""Each gate checks what changed since its last passing run (asn_platform.quality.scope), on a real build of Kota
Langsa's sample: the raw gate the rows of loads it has not seen, the marts gate the partitions whose fingerprint
changed, and both the whole-table rules whole. What was checked is recorded (dq.gate_scope, and each expectation's
element count in dq.expectation_results); a defect in what changed still blocks publishing.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import itertools
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator.sample import SAMPLE_AS_OF
from asn_platform.orchestration.stages import gate
from asn_platform.quality import QualityGateFailed, suites_for_stage
from asn_platform.quality.scope import GateRun
from asn_platform.serving.publish import publish
from ingestion.service import load_pending

IKM = "service_quality.ikm_unit_period"


@dataclass(frozen=True)
class Built:
    settings: Settings
    pristine: Path
    published: Path
    published_sha256: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Built]:
    """Langsa's build, through both gates once (so each has a passing run to compare with), then published."""
    from conftest import gated_langsa_build

    root = tmp_path_factory.mktemp("gate-scope")
    with gated_langsa_build(root, gated_langsa_template) as settings:
        published = publish(settings)
        pristine, published_copy = root / "pristine.duckdb", root / "published.duckdb"
        shutil.copyfile(settings.warehouse_path, pristine)
        shutil.copyfile(published.path, published_copy)
        yield Built(settings, pristine, published_copy, _sha256(published.path))


@pytest.fixture
def warehouse(built: Built) -> Iterator[Settings]:
    shutil.copyfile(built.pristine, built.settings.warehouse_path)
    built.settings.analytics_path.unlink()
    shutil.copyfile(built.published, built.settings.analytics_path)
    landing = sorted(built.settings.landing_dir.rglob("*"))
    yield built.settings
    for path in sorted(built.settings.landing_dir.rglob("*"), reverse=True):  # deliveries a test added
        if path not in landing:
            path.unlink() if path.is_file() else path.rmdir()
    assert _sha256(built.settings.analytics_path) == built.published_sha256


_RUNS = itertools.count()


def _run(settings: Settings, stage: str, *, whole: bool = False) -> str:
    """Run the stage's gate; its run id."""
    run_id = f"test-{stage}-{next(_RUNS)}"
    gate(stage, settings, run_id=run_id, whole=whole)
    return run_id


def _scopes(settings: Settings, run_id: str) -> dict[str, dict[str, object]]:
    with connect(settings=settings, read_only=True) as connection:
        relation = connection.execute("SELECT * FROM dq.gate_scope WHERE run_id = ?", [run_id])
        names = [column[0] for column in relation.description]
        return {row[2]: dict(zip(names, row, strict=True)) for row in relation.fetchall()}


def _element_counts(settings: Settings, run_id: str, suite: str) -> dict[tuple[str, str | None], int | None]:
    with connect(settings=settings, read_only=True) as connection:
        return {
            (expectation, column): count
            for expectation, column, count in connection.execute(
                """SELECT expectation, column_name, element_count FROM dq.expectation_results
                   WHERE run_id = ? AND suite = ?""",
                [run_id, suite],
            ).fetchall()
        }


def _execute(settings: Settings, *statements: str) -> None:
    with connect(settings=settings) as connection:
        for statement in statements:
            connection.execute(statement)


def _gate_then_publish(stage: str, settings: Settings) -> str:
    """The DAG's order: the stage's gate, and only then publishing. Returns the gate's failure message."""

    def in_dag_order() -> None:
        gate(stage, settings)
        publish(settings)

    with pytest.raises(QualityGateFailed) as failure:
        in_dag_order()
    return str(failure.value)


def _row(settings: Settings, query: str) -> tuple[object, ...]:
    with connect(settings=settings, read_only=True) as connection:
        return connection.execute(query).fetchone()


def _scalar(settings: Settings, query: str) -> object:
    return _row(settings, query)[0]


def test_with_nothing_changed_no_row_is_checked_again_and_every_rule_is_recorded(warehouse: Settings) -> None:
    raw, marts = _run(warehouse, "raw"), _run(warehouse, "marts")
    raw_scopes, mart_scopes = _scopes(warehouse, raw), _scopes(warehouse, marts)
    assert raw_scopes["raw.load_audit"]["scope"] == "whole"  # the audit's reconciliations are whole every run
    for suite in ("raw.personnel", "raw.training", "raw.survey_responses", "raw.complaints"):
        assert (raw_scopes[suite]["scope"], raw_scopes[suite]["rows_checked"]) == ("new loads", 0)
    for suite in suites_for_stage("marts"):
        scope = mart_scopes[suite.name]
        if suite.name == "marts.dim_date" or scope["rows_total"] == 0:
            assert scope["scope"] == "whole"  # a calendar, not partitioned; an empty mart (movements, one delivery)
            continue
        assert (scope["scope"], scope["partitions_checked"], scope["rows_checked"]) == ("changed partitions", 0, 0)
        # Every expectation is recorded, as before: the row-level ones over the 0 rows checked.
        recorded = _scalar(
            warehouse,
            f"SELECT count(*) FROM dq.expectation_results WHERE run_id = '{marts}' AND suite = '{suite.name}'",
        )
        assert recorded == len(suite.expectations)
    counts = _element_counts(warehouse, marts, "marts.ikm_unit_period")
    assert counts[("expect_column_values_to_be_between", "ikm")] == 0
    # A share of the whole table (a warning with `mostly`) is not partition-local: whole.
    assert counts[("expect_column_values_to_be_in_set", "is_drift_warning")] == _scalar(
        warehouse, f"FROM {IKM} SELECT count(*)"
    )


def test_a_changed_partition_is_checked_alone(warehouse: Settings) -> None:
    quarter = _scalar(warehouse, f"SELECT min(quarter_start) FROM {IKM}")
    rows = _scalar(warehouse, f"SELECT count(*) FROM {IKM} WHERE quarter_start = DATE '{quarter}'")
    total = _scalar(warehouse, f"SELECT count(*) FROM {IKM}")
    _execute(warehouse, f"UPDATE {IKM} SET minimum_sample = minimum_sample + 1 WHERE quarter_start = DATE '{quarter}'")
    marts = _run(warehouse, "marts")
    scopes = _scopes(warehouse, marts)
    ikm = scopes["marts.ikm_unit_period"]
    assert ikm["scope"] == "changed partitions"
    assert (ikm["partitions_checked"], ikm["rows_checked"], ikm["rows_total"]) == (1, rows, total)
    assert ikm["checked"] == f'[["langsa", "{quarter}"]]'
    counts = _element_counts(warehouse, marts, "marts.ikm_unit_period")
    # Row-level rules and the key's uniqueness on the changed quarter's rows only; the row count on the whole table.
    assert counts[("expect_column_values_to_be_between", "ikm")] == rows
    assert counts[("expect_column_values_to_be_between", "minimum_sample")] == rows
    assert counts[("expect_compound_columns_to_be_unique", None)] == rows
    assert rows < total
    # No other mart changed, so none of their partitions was checked.
    others = {name: scope["partitions_checked"] for name, scope in scopes.items() if name != "marts.ikm_unit_period"}
    assert set(others.values()) <= {0, None}, others
    # The next run has nothing to check again: the passing run kept the quarter's new fingerprint.
    again = _scopes(warehouse, _run(warehouse, "marts"))["marts.ikm_unit_period"]
    assert (again["partitions_checked"], again["rows_checked"]) == (0, 0)


def test_a_defect_in_a_changed_partition_blocks_publishing_until_it_is_fixed(warehouse: Settings) -> None:
    with connect(settings=warehouse, read_only=True) as connection:
        kept_before = connection.execute("SELECT * FROM dq.mart_fingerprints ORDER BY ALL").fetchall()
    _execute(
        warehouse,
        f"""UPDATE {IKM} SET ikm = 104.2 WHERE quarter_start = (SELECT max(quarter_start) FROM {IKM})
            AND service_name = (SELECT min(service_name) FROM {IKM})""",
    )
    for _ in range(2):  # nothing is kept from a failed run: the next one checks the partition again
        message = _gate_then_publish("marts", warehouse)
        assert "[error] expect_column_values_to_be_between(ikm) on service_quality.ikm_unit_period: 1 of " in message
        assert '"ikm": 104.2' in message
    with connect(settings=warehouse, read_only=True) as connection:
        assert connection.execute("SELECT * FROM dq.mart_fingerprints ORDER BY ALL").fetchall() == kept_before
    # (The fixture asserts the published warehouse is byte for byte as it was.)


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _deliver_next_day_with_transfers(settings: Settings, people: int) -> None:
    """Langsa's personnel extract of the next day: the first `people` records moved to the next record's unit."""
    (first,) = sorted(settings.landing_dir.glob("langsa/personnel/*/*.csv"))
    rows = _read(first)
    unit, name = rows[0].index("kode_unit"), rows[0].index("nama_unit")
    for line in range(1, people + 1):
        rows[line][unit], rows[line][name] = rows[line + 1][unit], rows[line + 1][name]
    day = (SAMPLE_AS_OF + timedelta(days=1)).isoformat()
    path = settings.landing_dir / "langsa" / "personnel" / day / first.name
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_the_raw_gate_checks_the_rows_of_loads_it_has_not_seen(warehouse: Settings) -> None:
    _deliver_next_day_with_transfers(warehouse, 4)
    (result,) = [r for r in load_pending(warehouse, "langsa", "personnel") if r.status == "loaded"]
    assert result.loaded == 4  # a full extract stores only its new and changed rows
    raw = _run(warehouse, "raw")
    scopes = _scopes(warehouse, raw)
    assert (scopes["raw.personnel"]["scope"], scopes["raw.personnel"]["rows_checked"]) == ("new loads", 4)
    assert _element_counts(warehouse, raw, "raw.personnel")[("expect_column_values_to_match_regex", "nip")] == 4
    assert scopes["raw.training"]["rows_checked"] == 0
    assert scopes["raw.load_audit"]["scope"] == "whole"


def test_a_defect_in_a_new_load_is_caught_and_old_loads_are_not_checked_again(warehouse: Settings) -> None:
    old_load, old_file = _row(warehouse, "SELECT load_id, source_file FROM raw.load_audit WHERE dataset = 'personnel'")
    _deliver_next_day_with_transfers(warehouse, 4)
    load_pending(warehouse, "langsa", "personnel")
    new_load, new_file = _row(
        warehouse,
        f"SELECT load_id, source_file FROM raw.load_audit WHERE dataset = 'personnel' AND load_id <> '{old_load}'",
    )
    # One row of each load broken the same way; only the new load's is checked.
    for load_id in (old_load, new_load):
        _execute(
            warehouse,
            f"""UPDATE raw.personnel SET birth_date = birth_date + 1
                WHERE _source_row = (SELECT min(_source_row) FROM raw.personnel WHERE _load_id = '{load_id}')
                  AND _load_id = '{load_id}'""",
        )
    message = _gate_then_publish("raw", warehouse)
    assert (
        '[error] unexpected_rows_expectation("a NIP\'s birth date and gender digits agree with the record") on '
        "raw.personnel: 1 unexpected rows"
    ) in message
    assert new_file in message
    assert old_file not in message


def test_a_first_run_a_changed_suite_and_a_whole_run_check_every_table_whole(warehouse: Settings) -> None:
    whole = _scopes(warehouse, _run(warehouse, "marts", whole=True))
    assert {scope["scope"] for scope in whole.values()} == {"whole"}
    assert {scope["reason"] for name, scope in whole.items() if name != "marts.dim_date"} == {"whole run asked for"}
    # A suite whose rules changed has no passing run to compare with: its table is checked whole.
    suite = next(s for s in suites_for_stage("marts") if s.name == "marts.ikm_unit_period")
    changed = dataclasses.replace(suite, expectations=suite.expectations[:-1])
    with (
        connect(settings=warehouse) as connection,
        GateRun(connection, "marts", settings=warehouse, run_id="changed-suite") as run,
    ):
        assert run.scope_of(suite).scope == "changed partitions"
        scope = run.scope_of(changed)
    assert (scope.scope, scope.reason, scope.rows_checked) == (
        "whole",
        "no passing run of this suite yet",
        scope.rows_total,
    )


@pytest.mark.slow  # two regions ingested and built twice
def test_a_delivery_from_one_region_rechecks_only_that_regions_partitions(settings: Settings) -> None:
    from asn_platform.generator import generate_sample
    from asn_platform.generator.profiles import LANGSA, SORONG
    from asn_platform.orchestration.stages import build, ingest

    settings = settings.model_copy(update={"as_of": SAMPLE_AS_OF})
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA, SORONG))
    for region in ("langsa", "sorong"):
        ingest(region, settings)
    gate("raw", settings)
    build(settings)
    gate("marts", settings)
    # The next day Langsa moves ten people; Sorong sends nothing.
    _deliver_next_day_with_transfers(settings, 10)
    (result,) = [r for r in load_pending(settings, "langsa", "personnel") if r.status == "loaded"]
    raw = _run(settings, "raw")
    build(settings)
    marts = _run(settings, "marts")
    assert _scopes(settings, raw)["raw.personnel"]["rows_checked"] == result.loaded
    checked = {}
    for suite, scope in _scopes(settings, marts).items():
        if scope["scope"] == "changed partitions":
            checked[suite] = [key[0] for key in json.loads(str(scope["checked"]))]
            assert scope["rows_checked"] < scope["rows_total"]
    # Only Langsa's partitions were checked again (the people moved change its dimension and placement marts).
    assert {region for regions in checked.values() for region in regions} == {"langsa"}
    assert checked["marts.dim_employee"] == ["langsa"]
    assert checked["marts.placement_history"] == ["langsa"]
    assert checked["marts.placement_history_detail"] == ["langsa"]
    # Sorong's rows were not read by a row-level rule: the element counts are Langsa's rows.
    langsa_people = _scalar(settings, "SELECT count(*) FROM core.dim_employee WHERE region = 'langsa'")
    counts = _element_counts(settings, marts, "marts.dim_employee")
    assert counts[("expect_column_values_to_match_regex", "employee_key")] == langsa_people
