"""Write-audit-publish on a real Langsa build: the two tiers, the Parquet export, kept versions and rollback, and the
proof that no direct identifier reaches analytics.duckdb."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from asn_platform.__main__ import main
from asn_platform.core.settings import MART_SCHEMAS, Settings
from asn_platform.core.warehouse import connect
from asn_platform.serving.publish import PublishRefused, VersionNotFound, publish, published_versions, rollback

# Written independently of the publish step's own patterns: Python's re over every value.
NIP_OR_NIK = re.compile(r"(?<![0-9A-Za-z])(\d{16}|\d{18}|\d{8} \d{6} \d \d{3})(?![0-9A-Za-z])")
PHONE = re.compile(r"(\+62|(?<![0-9A-Za-z])0)8\d{1,2}[ .-]?\d{3,4}[ .-]?\d{3,5}(?![0-9A-Za-z])")
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+\.[A-Za-z]{2,}")
HONORIFIC_NAME = re.compile(r"\b(?i:bapak|pak|ibu|bu|sdr|saudara|saudari|mbak|mas)\.? +[A-Z][a-z]+")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Settings]:
    """One gated Langsa build database (a copy of the session's), published from by every test into a folder of
    its own."""
    from conftest import gated_langsa_build

    with gated_langsa_build(tmp_path_factory.mktemp("publishing"), gated_langsa_template) as settings:
        yield settings


@pytest.fixture
def served(built: Settings, tmp_path: Path) -> Settings:
    """The build's settings with a published folder of the test's own."""
    return built.model_copy(update={"published_dir": tmp_path / "published", "published_versions_kept": 2})


def _text_values(connection: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, str]]:
    """(table.column, value) for every text value of every table."""
    columns = connection.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' "
        "AND database_name = current_database() ORDER BY ALL"
    ).fetchall()
    for schema, table, column in columns:
        for (value,) in connection.execute(f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}"').fetchall():
            if value is not None:
                yield f"{schema}.{table}.{column}", value


def test_both_tiers_and_the_parquet_export_are_published_with_their_permissions(served: Settings) -> None:
    publication = publish(served)
    assert stat.S_IMODE(served.analytics_path.stat().st_mode) == 0o444
    assert stat.S_IMODE(served.restricted_path.stat().st_mode) & 0o077 == 0  # owner-only
    assert served.parquet_dir.is_symlink()
    with connect(served.analytics_path, read_only=True, settings=served) as analytics:
        schemas = {row[0] for row in analytics.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert schemas == {*MART_SCHEMAS, "dq", "main"}
        assert analytics.execute("SELECT version, tier FROM main.publication").fetchone() == (
            publication.version,
            "pseudonymous",
        )
        for table, rows in publication.tables.items():
            schema, name = table.split(".")
            parquet = served.parquet_dir / schema / f"{name}.parquet"
            assert analytics.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone()[0] == rows, table
    assert "survey_suggestions" in str(sorted(publication.tables))
    with connect(served.restricted_path, read_only=True, settings=served) as restricted:
        identities, people = restricted.execute(
            "SELECT count(*), count(DISTINCT nip) FROM restricted.employee_identity"
        ).fetchone()
        employees = restricted.execute("SELECT count(*) FROM core.dim_employee").fetchone()[0]
        assert identities == people == employees == publication.tables["core.dim_employee"] > 0
        # The re-identification table joins the pseudonymous marts back to people.
        joined = restricted.execute(
            "SELECT count(*) FROM core.dim_employee JOIN restricted.employee_identity USING (region, employee_key)"
        ).fetchone()[0]
        assert joined == employees
        assert restricted.execute("SELECT tier FROM main.publication").fetchone()[0] == "restricted"


def test_no_direct_identifier_reaches_analytics(served: Settings) -> None:
    publish(served)
    with connect(served.warehouse_path, read_only=True, settings=served) as build_db:
        names = {name for (name,) in build_db.execute("SELECT full_name FROM raw.personnel").fetchall()}
        nips = {nip for (nip,) in build_db.execute("SELECT nip FROM raw.personnel").fetchall()}
        delivered_with_phones = build_db.execute(
            "SELECT count(*) FROM raw.survey_responses WHERE suggestion LIKE '%dihubungi kembali di 08%'"
        ).fetchone()[0]
        delivered_with_names = build_db.execute(
            "SELECT count(*) FROM raw.survey_responses WHERE suggestion LIKE '%kepada Ibu %'"
        ).fetchone()[0]
    assert len(names) > 1000
    assert delivered_with_phones > 0
    assert delivered_with_names > 0
    leaks: list[str] = []
    scanned = 0
    with connect(served.analytics_path, read_only=True, settings=served) as analytics:
        for where, value in _text_values(analytics):
            scanned += 1
            found = [
                kind
                for kind, pattern in (("NIP/NIK", NIP_OR_NIK), ("phone", PHONE), ("e-mail", EMAIL))
                if pattern.search(value)
            ]
            if HONORIFIC_NAME.search(value):
                found.append("honorific + name")
            if value in names or value in nips or any(name in value for name in names if len(value) >= len(name)):
                found.append("generated name or NIP")
            leaks += [f"{where}: {kind}: {value!r}" for kind in found]
        masked = analytics.execute(
            "SELECT count(*) FROM service_quality.survey_suggestions WHERE was_masked"
        ).fetchone()[0]
    assert scanned > 5000
    assert leaks == []
    assert masked == delivered_with_phones + delivered_with_names


def test_a_value_that_looks_like_an_identifier_stops_publishing_and_the_last_version_keeps_serving(
    served: Settings, tmp_path: Path
) -> None:
    first = publish(served)
    before = served.analytics_path.stat().st_ino
    build_copy = tmp_path / "leaky.duckdb"
    build_copy.write_bytes(served.warehouse_path.read_bytes())
    leaky = served.model_copy(update={"warehouse_dir": tmp_path})
    (tmp_path / "warehouse.duckdb").unlink(missing_ok=True)
    build_copy.rename(tmp_path / "warehouse.duckdb")
    with connect(settings=leaky) as connection:
        connection.execute(
            "UPDATE service_quality.survey_suggestions SET suggestion = 'hubungi 0812-3456-7890' "
            "WHERE rowid = (SELECT min(rowid) FROM service_quality.survey_suggestions)"
        )
        connection.execute("UPDATE core.dim_unit SET unit_name = 'kontak: kepala@langsakota.go.id' WHERE rowid = 0")
    with pytest.raises(PublishRefused) as refused:
        publish(leaky)
    message = str(refused.value)
    assert "service_quality.survey_suggestions.suggestion: 1 distinct values look like a phone number" in message
    assert "core.dim_unit.unit_name: 1 distinct values look like a e-mail address" in message
    assert served.analytics_path.stat().st_ino == before
    assert [version.version for version in published_versions(served)] == [first.version]
    assert not list(served.versions_dir.glob(".incoming-*"))


# What singles a civil servant out in combination, per mart, written here independently of the marts' yml meta.
QUASI_IDENTIFIERS = {
    "core.dim_employee": ["unit_code", "gender", "age_band", "employment_type", "golongan", "education_level",
                          "status"],
    "placement.employee_fit": ["unit_code", "unit_sector", "position_type", "education_sector",
                               "years_in_position_band"],
    "placement.placement_history": ["unit_code", "position_type", "golongan", "status", "valid_from_month",
                                    "valid_to_month", "previous_unit_code", "previous_golongan", "previous_status"],
}  # fmt: skip


def test_the_pseudonymous_tier_is_k_anonymous_and_its_manifest_says_so(served: Settings) -> None:
    """Issue 19: 19 % of employees were unique on dim_employee's own fields, 99.9 % adding years in position and
    golongan, 98 % on placement_history's exact dates, and SKP ratings and discipline flags were published per
    person. Every combination of a per-person mart's quasi-identifiers is now shared by at least 5 people of a
    region, measured on the served file; no SKP or discipline column and no exact date of placement_history is left
    in the pseudonymous tier, and the HR agency's tier keeps them."""
    publication = publish(served)
    with connect(served.analytics_path, read_only=True, settings=served) as analytics:
        for table, columns in QUASI_IDENTIFIERS.items():
            smallest, people = analytics.execute(
                f"SELECT min(people), sum(people) FROM (SELECT count(DISTINCT employee_key) AS people FROM {table} "
                f"GROUP BY region, {', '.join(columns)})"
            ).fetchone()
            assert smallest >= 5, f"{table}: a class of {smallest} people"
            (suppressed,) = analytics.execute(f"SELECT count_if(qi_suppressed) FROM {table}").fetchone()
            assert 0 < suppressed < people  # some suppressed, most kept
            manifest = json.loads((served.versions_dir / publication.version / "manifest.json").read_text())
            assert manifest["k_anonymity_min"] == 5
            assert manifest["marts"][table]["k_anonymity"] == {
                "quasi_identifiers": columns, "k": smallest, "suppressed_rows": suppressed
            }  # fmt: skip
        performance = analytics.execute(
            "SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns "
            "WHERE column_name LIKE 'skp%' OR column_name IN ('sanction_free', 'discipline_sanction', "
            "'is_merit_eligible') ORDER BY 1"
        ).fetchall()
        assert performance == []
        # The golongan is generalised to its roman numeral (III, not III/a).
        for table in ("core.dim_employee", "placement.placement_history"):
            golongan = {row[0] for row in analytics.execute(f"SELECT DISTINCT golongan FROM {table}").fetchall()}
            assert golongan <= {"I", "II", "III", "IV", None}, table
        # Delivery dates to the month, no TMT dates: the exact ones are the HR agency's.
        history_columns = {
            row[0]
            for row in analytics.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'placement_history'"
            ).fetchall()
        }
        assert not history_columns & {"valid_from", "valid_to", "position_start", "golongan_start"}
        (later_than_first,) = analytics.execute(
            "SELECT count(*) FROM placement.placement_history WHERE day(valid_from_month) > 1"
        ).fetchone()
        assert later_than_first == 0
    with connect(served.restricted_path, read_only=True, settings=served) as restricted:
        rows, dated = restricted.execute(
            "SELECT count(*), count(valid_from) FROM restricted.placement_history_detail"
        ).fetchone()
        assert rows == dated == 3000  # one version per person of the sample, each with its exact dates


def test_a_mart_that_singles_a_person_out_is_refused_naming_it_its_quasi_identifiers_and_k(
    served: Settings, tmp_path: Path
) -> None:
    first = publish(served)
    build_copy = tmp_path / "warehouse" / "warehouse.duckdb"
    build_copy.parent.mkdir()
    build_copy.write_bytes(served.warehouse_path.read_bytes())
    singling = served.model_copy(update={"warehouse_dir": build_copy.parent})
    with connect(settings=singling) as connection:
        # One person alone in a unit of their own: the build would have suppressed them; a hand edit did not.
        connection.execute(
            "UPDATE core.dim_employee SET unit_code = 'LONE-UNIT' "
            "WHERE employee_key = (SELECT min(employee_key) FROM core.dim_employee)"
        )
    with pytest.raises(PublishRefused) as refused:
        publish(singling)
    assert (
        "core.dim_employee: k = 1 on its quasi-identifiers ['unit_code', 'gender', 'age_band', 'employment_type', "
        "'golongan', 'education_level', 'status'] (per region; at least 5 people must share each combination)"
    ) in str(refused.value)
    assert [version.version for version in published_versions(served)] == [first.version]
    assert not list(served.versions_dir.glob(".incoming-*"))


def test_versions_are_kept_rolled_back_to_and_pruned(served: Settings) -> None:
    first = publish(served)
    Path(f"{served.analytics_path}.wal").write_bytes(b"stale")  # as if a writer had once crashed here
    with connect(served.analytics_path, read_only=True, settings=served) as reader:
        second = publish(served)
        # The reader opened before the swap still reads its own version, whole.
        assert reader.execute("SELECT version FROM main.publication").fetchone()[0] == first.version
        assert reader.execute("SELECT count(*) FROM core.dim_employee").fetchone()[0] > 0
    assert not Path(f"{served.analytics_path}.wal").exists()
    assert [(v.version, v.serving) for v in published_versions(served)] == [
        (first.version, False),
        (second.version, True),
    ]

    rolled = rollback(first.version, served)
    assert rolled.serving
    for path in (served.analytics_path, served.restricted_path):
        with connect(path, read_only=True, settings=served) as connection:
            assert connection.execute("SELECT version FROM main.publication").fetchone()[0] == first.version
    assert served.parquet_dir.resolve() == (served.versions_dir / first.version / "parquet").resolve()

    # Two versions are kept: a third publication serves itself and prunes the oldest.
    third = publish(served)
    assert [(v.version, v.serving) for v in published_versions(served)] == [
        (second.version, False),
        (third.version, True),
    ]
    assert not (served.versions_dir / first.version).exists()
    with pytest.raises(VersionNotFound, match=f"version '{first.version}' is not kept"):
        rollback(first.version, served)


def test_the_command_line_lists_versions_and_rolls_back(
    built: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASN_PUBLISHED_DIR", str(tmp_path / "published"))
    current = Settings.from_env()  # what the command line reads
    assert current.published_dir == tmp_path / "published"
    assert current.warehouse_path == built.warehouse_path
    first, second = publish(current), publish(current)
    assert main(["versions"]) == 0
    listing = capsys.readouterr().out
    assert f"{first.version}" in listing
    assert re.search(rf"{second.version}.*serving", listing)
    assert main(["rollback", first.version]) == 0
    assert f"serving {first.version}" in capsys.readouterr().out
    assert main(["rollback", "20990101T000000Z-000000"]) == 2
    assert "is not kept" in capsys.readouterr().err


def test_rolling_back_to_an_incomplete_version_is_refused_and_changes_nothing(served: Settings) -> None:
    first, second = publish(served), publish(served)
    first_folder = served.versions_dir / first.version
    (first_folder / served.restricted_path.name).unlink()
    with pytest.raises(
        VersionNotFound, match=f"version '{first.version}' .* is incomplete: \\['hr_restricted.duckdb'\\]"
    ):
        rollback(first.version, served)
    assert [v.version for v in published_versions(served) if v.serving] == [second.version]


def test_a_version_is_written_owner_only_and_opened_to_readers_once_complete(
    served: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publisher killed half-way leaves its work folder behind, with the restricted tier (names and NIPs) in it
    before its mode is set: the folder itself lets nobody else in."""
    from asn_platform.serving import publish as publishing

    write_products = publishing._write_products
    while_written: list[int] = []

    def watched(settings: Settings, folder: Path, *args: object) -> dict:
        while_written.append(stat.S_IMODE(folder.stat().st_mode))
        return write_products(settings, folder, *args)

    monkeypatch.setattr(publishing, "_write_products", watched)
    publication = publish(served)
    assert while_written == [0o700]
    assert stat.S_IMODE((served.versions_dir / publication.version).stat().st_mode) == 0o755


def test_two_publications_at_once_take_turns_and_both_complete(
    served: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second publisher started while the first writes (a DAG run and a person, say) waits for it: it must not
    take the first's work folder for a dead publisher's and prune it."""
    import threading

    from asn_platform.serving import publish as publishing

    write_products = publishing._write_products
    first_writing, second_done = threading.Event(), threading.Event()

    def slow_first(settings: Settings, folder: Path, *args: object) -> dict:
        if not first_writing.is_set():
            first_writing.set()
            second_done.wait(timeout=10)  # long enough for a second publisher to run through, were it let in
        return write_products(settings, folder, *args)

    monkeypatch.setattr(publishing, "_write_products", slow_first)
    results: dict[str, object] = {}

    def run(name: str) -> None:
        try:
            results[name] = publish(served)
        except Exception as error:  # the test's verdict, below
            results[name] = error
        if name == "second":
            second_done.set()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert first_writing.wait(timeout=120)
    second = threading.Thread(target=run, args=("second",))
    second.start()
    first.join(timeout=300)
    second.join(timeout=300)
    assert [type(results[name]).__name__ for name in ("first", "second")] == ["Publication", "Publication"], results
    versions = sorted(path.name for path in served.versions_dir.iterdir() if not path.name.startswith("."))
    assert versions == sorted(results[name].version for name in ("first", "second"))  # type: ignore[union-attr]
    assert not list(served.versions_dir.glob(".incoming-*"))


def test_failing_value_samples_of_restricted_marts_stay_out_of_analytics(served: Settings) -> None:
    """The data-quality results travel with a version for DQ trends; a failing-value sample of a restricted mart
    (NIPs, names, per-person performance) must not reach the analysts' file, a pseudonymous mart's may."""
    with connect(settings=served) as build:
        for table, sample in (("restricted.employee_identity", '[{"nip": "198503122010011001"}]'),
                              ("core.dim_employee", '[{"golongan": "IX"}]')):  # fmt: skip
            build.execute(
                """INSERT INTO dq.expectation_results SELECT * REPLACE (
                       'leak-check' AS run_id, ? AS table_name, ?::JSON AS unexpected_sample)
                   FROM dq.expectation_results WHERE stage = 'marts' LIMIT 1""",
                [table, sample],
            )
    try:
        publish(served)
        with connect(served.analytics_path, read_only=True, settings=served) as analytics:
            samples = dict(
                analytics.execute(
                    "SELECT table_name, unexpected_sample::VARCHAR FROM dq.expectation_results "
                    "WHERE run_id = 'leak-check'"
                ).fetchall()
            )
    finally:
        with connect(settings=served) as build:
            build.execute("DELETE FROM dq.expectation_results WHERE run_id = 'leak-check'")
    assert samples == {"restricted.employee_identity": None, "core.dim_employee": '[{"golongan": "IX"}]'}
