"""dbt build, the mart gate and publishing, called as the DAG's tasks call them, on a real build database."""

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sample_figures import LANGSA_PUBLISHED_ROWS

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.orchestration.stages import build, gate_marts, ingest
from asn_platform.quality import QualityGateFailed
from asn_platform.serving.publish import LOCK_FILE, PublishRefused, publish
from asn_platform.transform.dbt import DbtFailed, dbt_paths, run_dbt


@pytest.fixture
def built(tmp_path: Path, gated_langsa_template: Path) -> Iterator[Settings]:
    """Langsa's sample ingested, built and through both gates: a copy of the session's build, for this test alone."""
    from conftest import gated_langsa_build

    with gated_langsa_build(tmp_path, gated_langsa_template) as settings:
        yield settings


def test_mart_gate_failure_names_expectation_table_and_values(built: Settings) -> None:
    with connect(settings=built) as connection:
        connection.execute("UPDATE core.dim_employee SET status = 'on_leave' WHERE unit_code = 'LGS-BAPPEDA'")
        (changed,) = connection.execute("SELECT count(*) FROM core.dim_employee WHERE status = 'on_leave'").fetchone()
    with pytest.raises(QualityGateFailed) as failure:
        gate_marts(built)
    message = str(failure.value)
    assert f"[error] expect_column_values_to_be_in_set(status) on core.dim_employee: {changed:,} of 3,000" in message
    assert '"status": "on_leave"' in message
    assert "employee_key" in message  # the failing rows are identified by their key


@pytest.mark.slow  # a dbt build of a broken model
def test_dbt_failure_names_the_failing_node(built: Settings) -> None:
    # Value sets of published marts are the marts gate's (docs/data-quality.md); dbt keeps those of intermediates.
    with connect(settings=built) as connection:
        connection.execute("UPDATE intermediate.int_ikm__unit_year SET mutu = 'E' WHERE true")
    with pytest.raises(DbtFailed) as failure:
        run_dbt(["test", "--select", "int_ikm__unit_year"], built, echo=False)
    message = str(failure.value)
    assert message.startswith("`dbt test --select int_ikm__unit_year` failed (exit 1):")
    assert "test.asn.accepted_values_int_ikm__unit_year_mutu__A__B__C__D" in message
    assert "fail: Got 1 result, configured to fail if != 0" in message  # one distinct wrong value


def test_the_pipeline_build_leaves_unit_tests_to_make_test_which_runs_them(built: Settings) -> None:
    target, _ = dbt_paths(built)
    built_nodes = [result["unique_id"] for result in json.loads((target / "run_results.json").read_text())["results"]]
    assert any(node.startswith("test.") for node in built_nodes)  # the data tests ran with the models
    assert not [node for node in built_nodes if node.startswith("unit_test.")]
    unit_tests = json.loads((target / "manifest.json").read_text())["unit_tests"]
    result = run_dbt(["test", "--select", "test_type:unit"], built, echo=False)
    assert result.statuses == {"pass": len(unit_tests)}
    assert len(unit_tests) >= 10


def test_publish_refuses_a_mart_no_suite_guards(built: Settings) -> None:
    with connect(settings=built) as connection:
        connection.execute(
            "CREATE TABLE core.headcount AS SELECT region, count(*) AS n FROM core.dim_employee GROUP BY 1"
        )
    with pytest.raises(PublishRefused, match=r"no suite in expectations/marts guards \['core.headcount'\]"):
        publish(built)
    assert not built.analytics_path.exists()


def test_publish_refuses_a_direct_identifier_column(built: Settings) -> None:
    with connect(settings=built) as connection:
        connection.execute("ALTER TABLE core.dim_employee ADD COLUMN nip VARCHAR")
    with pytest.raises(PublishRefused, match=r"direct identifiers .*\('core.dim_employee', 'nip'\)"):
        publish(built)


def test_publish_swaps_atomically_while_a_reader_holds_the_old_version(built: Settings) -> None:
    first = publish(built)
    reader = duckdb.connect(str(first.path), read_only=True)
    try:
        before = reader.execute("SELECT published_at FROM main.publication").fetchone()[0]
        second = publish(built)  # does not wait for, or disturb, the open reader
        assert reader.execute("SELECT count(*) FROM core.dim_employee").fetchone()[0] == 3000
        assert reader.execute("SELECT published_at FROM main.publication").fetchone()[0] == before
    finally:
        reader.close()
    with duckdb.connect(str(second.path), read_only=True) as fresh:
        assert fresh.execute("SELECT published_at FROM main.publication").fetchone()[0] > before
    assert second.tables == LANGSA_PUBLISHED_ROWS
    served = sorted(p.name for p in built.published_dir.iterdir() if not p.name.startswith("."))
    assert served == ["analytics.duckdb", "current", "hr_restricted.duckdb", "parquet", "versions"]


def test_nothing_to_publish_is_an_error_and_keeps_no_partial_file(settings: Settings) -> None:
    with connect(settings=settings) as connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS raw")
    with pytest.raises(RuntimeError, match="nothing to publish"):
        publish(settings)
    left = sorted(path.relative_to(settings.published_dir) for path in settings.published_dir.rglob("*"))
    assert left == [Path(LOCK_FILE), Path("versions")]  # the lock one publication at a time holds, and no version


@pytest.mark.slow  # a whole dbt build
def test_a_region_that_has_sent_only_personnel_still_builds(settings: Settings, sample_delivery: Path) -> None:
    for other in ("training", "survey_responses", "complaints"):
        for path in settings.landing_dir.glob(f"langsa/{other}/*/*"):
            path.unlink()
    ingest("langsa", settings)
    build(settings)
    with connect(settings=settings, read_only=True) as connection:
        (people,) = connection.execute("SELECT count(*) FROM core.dim_employee").fetchone()
        (trainings,) = connection.execute("SELECT count(*) FROM staging.stg_diklat__training").fetchone()
    assert (people, trainings) == (3_000, 0)


def test_plain_dbt_in_the_project_folder_builds_with_the_key_kept_beside_the_database(
    built: Settings, tmp_path: Path
) -> None:
    """`dbt build` run by hand in dbt_project/, without the variables `python -m asn_platform dbt` sets: the profile
    defaults to the settings' build database, and the pseudonyms come from the key a local installation keeps beside
    it, so they equal the pipeline's."""
    import os
    import subprocess

    import yaml

    from asn_platform.core.settings import DBT_PROJECT_DIR, PSEUDONYM_KEY_FILE
    from asn_platform.transform.dbt import DBT_EXECUTABLE

    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["asn"]["outputs"]["duckdb"]
    default_path = profile["path"].split("'")[3]  # env_var('ASN_WAREHOUSE_PATH', '<default>')
    assert (DBT_PROJECT_DIR / default_path).resolve() == Settings.from_env({}).warehouse_path

    sum_of_keys = "SELECT sum(hash(employee_key)), count(*) FROM core.dim_employee"
    with connect(settings=built) as connection:
        before = connection.execute(sum_of_keys).fetchone()
    env = {name: value for name, value in os.environ.items() if not name.startswith("ASN_")}
    env["ASN_WAREHOUSE_PATH"] = str(built.warehouse_path)  # this test's database, not the checkout's data/
    command = [
        str(DBT_EXECUTABLE),
        "run",
        "-s",
        "int_simpeg__employees",
        "dim_employee",
        "--target-path",
        str(tmp_path / "target"),
    ]
    command += ["--log-path", str(tmp_path / "logs")]

    without_key = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    assert without_key.returncode != 0
    assert "ASN_PSEUDONYM_KEY is not set and no key is kept beside the build database" in without_key.stdout

    local_key = "5e" * 32  # a local installation's key, as `resolve_pseudonym_key` writes it
    (built.warehouse_dir / PSEUDONYM_KEY_FILE).write_text(local_key)
    done = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    with connect(settings=built) as connection:
        by_hand = connection.execute(sum_of_keys).fetchone()
    assert by_hand[1] == before[1]
    assert by_hand[0] != before[0]  # the key file's pseudonyms, not the ones the test's key gave

    run_dbt(
        ["run", "-s", "int_simpeg__employees", "dim_employee"],
        built.model_copy(update={"pseudonym_key": local_key}),
        echo=False,
    )
    with connect(settings=built) as connection:
        assert connection.execute(sum_of_keys).fetchone() == by_hand  # what the pipeline gives with that key


def test_source_freshness_is_judged_from_the_load_audit(built: Settings) -> None:
    """`dbt source freshness`: each dataset's age is that of the region gone longest without a successful load of it;
    past the registry's longest delivery interval (35 days) it warns, past 70 days it fails."""
    target, _ = dbt_paths(built)

    def freshness() -> dict[str, str]:
        with contextlib.suppress(DbtFailed):  # an error-level source exits 1; sources.json still says which
            run_dbt(["source", "freshness"], built, echo=False)
        results = json.loads((target / "sources.json").read_text())["results"]
        return {result["unique_id"].removeprefix("source.asn."): result["status"] for result in results}

    datasets = ["diklat.training", "pengaduan.complaints", "simpeg.personnel", "simpeg.units", "skm.services"]
    datasets.append("skm.survey_responses")
    assert freshness() == dict.fromkeys(datasets, "pass")  # the registry and the audit itself are not judged
    with connect(settings=built) as connection:
        connection.execute("""UPDATE raw.load_audit SET finished_at = now() - INTERVAL 40 DAY
                              WHERE dataset = 'training'""")
        connection.execute("""UPDATE raw.load_audit SET finished_at = now() - INTERVAL 71 DAY
                              WHERE dataset = 'complaints'""")
        # A rejected delivery of today does not make complaints fresh: only loads that brought data count.
        connection.execute("""UPDATE raw.load_audit SET finished_at = now(), status = 'rejected'
                              WHERE dataset = 'complaints' AND load_id = (
                                  SELECT max(load_id) FROM raw.load_audit WHERE dataset = 'complaints')""")
    statuses = freshness()
    assert statuses["diklat.training"] == "warn"
    assert statuses["pengaduan.complaints"] == "error"
    assert statuses["simpeg.personnel"] == "pass"


def test_a_table_no_model_makes_any_more_is_dropped_by_the_next_build(built: Settings) -> None:
    """An installation built before a mart was renamed (competency.fct_training, now training_records) keeps the old
    table until a build drops it; publishing, which refuses a table no suite guards, works again right after."""
    tables = "SELECT table_schema || '.' || table_name FROM information_schema.tables ORDER BY 1"
    with connect(settings=built) as connection:
        before = [name for (name,) in connection.execute(tables).fetchall()]
        connection.execute("CREATE TABLE competency.fct_training AS FROM competency.training_records")
        connection.execute("CREATE VIEW staging.stg_simpeg__old AS SELECT 1 AS x")
    with pytest.raises(PublishRefused, match=r"competency\.fct_training"):
        publish(built)

    run_dbt(["run", "--select", "dim_date"], built, echo=False)  # any build, whatever it selects

    with connect(settings=built) as connection:
        assert [name for (name,) in connection.execute(tables).fetchall()] == before
    assert publish(built).tables
