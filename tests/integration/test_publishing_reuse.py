"""A version costs what changed: publishing reuses the unchanged marts of a kept version (Parquet files hard-linked,
analytics.duckdb started from a copy of its file), writes only the changed ones, and every kept version stays whole
on its own, through rollback and pruning. Real DuckDB files from a gated Langsa build; nothing is mocked (one test
raises the audit rules' version number)."""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

import asn_platform.serving.publish as publishing
from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.serving.publish import (
    IDENTITY_TABLE,
    Publication,
    PublishRefused,
    _fingerprints,
    publish,
    published_versions,
    rollback,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Settings]:
    """One gated Langsa build database (a copy of the session's); each test changes a copy of its own."""
    from conftest import gated_langsa_build

    with gated_langsa_build(tmp_path_factory.mktemp("publishing-reuse"), gated_langsa_template) as settings:
        yield settings


@pytest.fixture
def build(built: Settings, tmp_path: Path) -> Settings:
    """Settings with the test's own copy of the build database (changed between publications) and published
    folder."""
    (tmp_path / "warehouse").mkdir()
    shutil.copyfile(built.warehouse_path, tmp_path / "warehouse" / built.warehouse_path.name)
    return built.model_copy(
        update={
            "warehouse_dir": tmp_path / "warehouse",
            "published_dir": tmp_path / "published",
            "published_versions_kept": 3,
        }
    )


def _manifest(settings: Settings, version: str) -> dict[str, Any]:
    return json.loads((settings.versions_dir / version / "manifest.json").read_text(encoding="utf-8"))


def _parquet_files(settings: Settings, version: str) -> dict[str, Path]:
    folder = settings.versions_dir / version / "parquet"
    return {f"{path.parent.name}.{path.stem}": path for path in sorted(folder.glob("*/*.parquet"))}


def _inodes(settings: Settings, version: str) -> dict[str, int]:
    return {table: path.stat().st_ino for table, path in _parquet_files(settings, version).items()}


def _differences(expected: Path, actual: Path, tables: list[str], settings: Settings) -> list[str]:
    """The tables whose columns (names, types, order) or rows (as multisets) differ between two DuckDB files."""
    differing = []
    with connect(in_memory=True, settings=settings) as connection:
        connection.execute(f"ATTACH '{expected}' AS expected (READ_ONLY)")
        connection.execute(f"ATTACH '{actual}' AS actual (READ_ONLY)")
        for table in tables:
            columns = [  # names and types (a build's NOT NULL constraints are not published)
                [row[:2] for row in connection.execute(f"DESCRIBE {side}.{table}").fetchall()]
                for side in ("expected", "actual")
            ]
            rows = connection.execute(
                f"SELECT (SELECT count(*) FROM (FROM expected.{table} EXCEPT ALL FROM actual.{table})), "
                f"(SELECT count(*) FROM (FROM actual.{table} EXCEPT ALL FROM expected.{table}))"
            ).fetchone()
            if columns[0] != columns[1] or rows != (0, 0):
                differing.append(table)
    return differing


def _parquet_differences(expected: Path, settings: Settings, version: str) -> list[str]:
    """The marts whose Parquet file in `version` holds other rows than the DuckDB file `expected`."""
    differing = []
    with connect(in_memory=True, settings=settings) as connection:
        connection.execute(f"ATTACH '{expected}' AS expected (READ_ONLY)")
        for table, path in _parquet_files(settings, version).items():
            rows = connection.execute(
                f"SELECT (SELECT count(*) FROM (FROM expected.{table} EXCEPT ALL FROM read_parquet('{path}'))), "
                f"(SELECT count(*) FROM (FROM read_parquet('{path}') EXCEPT ALL FROM expected.{table}))"
            ).fetchone()
            if rows != (0, 0):
                differing.append(table)
    return differing


def _serves(settings: Settings, publication: Publication, build_snapshot: Path) -> None:
    """What is served (both tiers and the Parquet export) is `publication`'s version, equal to the build it came
    from, table by table."""
    marts = sorted(publication.tables)
    assert _differences(build_snapshot, settings.analytics_path, marts, settings) == []
    assert _differences(build_snapshot, settings.restricted_path, [*marts, IDENTITY_TABLE], settings) == []
    assert _parquet_differences(build_snapshot, settings, publication.version) == []
    assert settings.parquet_dir.resolve() == (settings.versions_dir / publication.version / "parquet").resolve()
    for path in (settings.analytics_path, settings.restricted_path):
        with connect(path, read_only=True, settings=settings) as connection:
            assert connection.execute("SELECT version FROM main.publication").fetchone()[0] == publication.version


def _snapshot(settings: Settings, name: str) -> Path:
    """A copy of the build database as it is now, to compare a version with later."""
    path = settings.warehouse_dir.parent / "snapshots" / f"{name}.duckdb"
    path.parent.mkdir(exist_ok=True)
    shutil.copyfile(settings.warehouse_path, path)
    return path


def _change(settings: Settings, statement: str) -> None:
    with connect(settings=settings) as connection:
        connection.execute(statement)


def test_publishing_with_no_change_reuses_every_mart(build: Settings) -> None:
    first, second = publish(build), publish(build)
    assert first.written == tuple(sorted(first.tables))
    assert first.reused == ()
    assert first.reused_from is None
    assert second.written == ()
    assert second.reused == tuple(sorted(second.tables))
    assert second.reused_from == first.version

    manifest = _manifest(build, second.version)
    assert manifest["reused_from"] == first.version
    assert manifest["duckdb"] == "copied"
    assert {mart["status"] for mart in manifest["marts"].values()} == {"reused"}
    assert {mart["audit"] for mart in manifest["marts"].values()} == {"reused"}  # the same identities: nothing new
    assert manifest["marts"] == {
        table: {**mart, "status": "reused", "audit": "reused"}
        for table, mart in _manifest(build, first.version)["marts"].items()
    }
    assert manifest["quality_results"] > 0

    # Every Parquet file is the first version's (one inode, two names); the DuckDB files are the version's own.
    assert _inodes(build, second.version) == _inodes(build, first.version)
    assert len(_inodes(build, second.version)) == len(second.tables) == 17
    for path in _parquet_files(build, second.version).values():
        assert path.stat().st_nlink == 2
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    for name, mode in (("analytics.duckdb", 0o444), ("hr_restricted.duckdb", 0o400)):
        old, new = build.versions_dir / first.version / name, build.versions_dir / second.version / name
        assert old.stat().st_ino != new.stat().st_ino
        assert stat.S_IMODE(new.stat().st_mode) == mode
        # Starting from a copy of the previous file neither grows it nor changes its storage format.
        assert new.stat().st_size <= old.stat().st_size
        with duckdb.connect(str(new), read_only=True) as connection:
            (tag,) = connection.execute(
                "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()"
            ).fetchone()
            assert tag == "v1.4.0+"
            assert connection.execute("SELECT free_blocks FROM pragma_database_size()").fetchone()[0] == 0
            tables = connection.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
        assert sorted(name for (name,) in tables) == sorted(
            [*second.tables, "dq.expectation_results", "main.publication"]
            + (manifest["restricted_tables"] if name == "hr_restricted.duckdb" else [])
        )
    assert not list(build.versions_dir.glob(f"{second.version}/*.wal"))
    _serves(build, second, build.warehouse_path)


def test_publishing_after_one_mart_changed_writes_only_that_mart(build: Settings) -> None:
    first = publish(build)
    _change(build, "UPDATE core.dim_region SET region_name = 'Kota Langsa (Aceh)'")
    second = publish(build)

    assert second.written == ("core.dim_region",)
    assert set(second.reused) == set(second.tables) - {"core.dim_region"}
    manifest = _manifest(build, second.version)
    assert manifest["reused_from"] == first.version
    assert manifest["duckdb"] == "copied"
    assert {table for table, mart in manifest["marts"].items() if mart["status"] == "written"} == {"core.dim_region"}
    assert manifest["marts"]["core.dim_region"]["audit"] == "full"
    before, after = _inodes(build, first.version), _inodes(build, second.version)
    assert {table for table in after if after[table] != before[table]} == {"core.dim_region"}
    assert (build.parquet_dir / "core" / "dim_region.parquet").stat().st_nlink == 1

    _serves(build, second, build.warehouse_path)
    with connect(build.analytics_path, read_only=True, settings=build) as analytics:
        assert analytics.execute("SELECT DISTINCT region_name FROM core.dim_region").fetchall() == [
            ("Kota Langsa (Aceh)",)
        ]
        parquet = build.parquet_dir / "core" / "dim_region.parquet"
        assert analytics.execute(f"SELECT DISTINCT region_name FROM '{parquet}'").fetchall() == [
            ("Kota Langsa (Aceh)",)
        ]
    # The first version still serves its own data, whole, when rolled back to.
    rollback(first.version, build)
    with connect(build.analytics_path, read_only=True, settings=build) as analytics:
        assert analytics.execute("SELECT DISTINCT region_name FROM core.dim_region").fetchall() == [("Kota Langsa",)]


def test_every_kept_version_rolls_back_to_exactly_its_data_and_pruning_keeps_the_others_whole(
    build: Settings,
) -> None:
    changes = [
        None,
        "UPDATE core.dim_unit SET unit_name = unit_name || ' (baru)' WHERE rowid = 0",
        "DELETE FROM service_quality.training_needs WHERE rowid = 0",
        "UPDATE core.dim_region SET region_name = 'Kota Langsa (Aceh)'",
    ]
    publications, snapshots = [], {}
    for change in changes:
        if change:
            _change(build, change)
        publication = publish(build)
        publications.append(publication)
        snapshots[publication.version] = _snapshot(build, publication.version)
    first, *kept = publications
    assert [len(publication.written) for publication in publications] == [17, 1, 1, 1]

    # Three versions are kept: the fourth pruned the first, whose Parquet files the others still link.
    assert [version.version for version in published_versions(build)] == [p.version for p in kept]
    assert not (build.versions_dir / first.version).exists()
    for publication in kept:
        files = _parquet_files(build, publication.version)
        assert set(files) == set(publication.tables)
        manifest = _manifest(build, publication.version)
        for table, path in files.items():
            with duckdb.connect() as connection:
                rows = connection.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0]
            assert rows == manifest["marts"][table]["rows"], (publication.version, table)

    for publication in [*reversed(kept), kept[-1]]:
        rollback(publication.version, build)
        assert [v.version for v in published_versions(build) if v.serving] == [publication.version]
        _serves(build, publication, snapshots[publication.version])


def test_a_reused_mart_is_audited_against_the_names_new_in_the_identity_table(build: Settings) -> None:
    publish(build)
    # A person newly named like a unit: core.dim_unit did not change, but now carries a person's name.
    with connect(settings=build) as connection:
        (unit,) = connection.execute("SELECT unit_name FROM core.dim_unit ORDER BY unit_code LIMIT 1").fetchone()
    _change(build, f"UPDATE {IDENTITY_TABLE} SET full_name = '{unit}' WHERE rowid = 0")
    with pytest.raises(
        PublishRefused, match=r"core\.dim_unit\.unit_name: 1 distinct values look like a a person.s NIP"
    ):
        publish(build)
    assert not list(build.versions_dir.glob(".incoming-*"))

    # A new name found nowhere in the marts: the reused marts are checked against it, and pass.
    _change(build, f"UPDATE {IDENTITY_TABLE} SET full_name = 'Cut Nyak Meutia Baru' WHERE rowid = 0")
    third = publish(build)
    manifest = _manifest(build, third.version)
    assert third.written == ()
    assert {mart["audit"] for mart in manifest["marts"].values()} == {"new identities"}
    with connect(build.restricted_path, read_only=True, settings=build) as restricted:
        assert restricted.execute(
            f"SELECT count(*) FROM {IDENTITY_TABLE} WHERE full_name = 'Cut Nyak Meutia Baru'"
        ).fetchone() == (1,)


def test_other_audit_rules_audit_the_reused_marts_again_in_full(
    build: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(build)
    monkeypatch.setattr(publishing, "AUDIT_RULES_VERSION", publishing.AUDIT_RULES_VERSION + 1)
    second = publish(build)
    manifest = _manifest(build, second.version)
    assert second.reused == tuple(sorted(second.tables))
    assert {mart["audit"] for mart in manifest["marts"].values()} == {"full"}
    assert manifest["audit_rules"] != _manifest(build, second.reused_from or "")["audit_rules"]


def test_when_most_rows_changed_the_duckdb_files_are_written_whole_and_the_rest_still_linked(
    build: Settings,
) -> None:
    first = publish(build)
    marts = _manifest(build, first.version)["marts"]
    total, changed = sum(mart["rows"] for mart in marts.values()), []
    for table in sorted(marts, key=lambda table: -marts[table]["rows"]):  # the largest marts, over half the rows
        if 2 * sum(marts[name]["rows"] for name in changed) > total:
            break
        changed.append(table)
        _change(build, f"DELETE FROM {table} WHERE rowid % 10 = 0")
    second = publish(build)
    manifest = _manifest(build, second.version)
    assert manifest["duckdb"] == "written"  # copying the file to drop most of it would cost more
    assert second.written == tuple(sorted(changed))
    before, after = _inodes(build, first.version), _inodes(build, second.version)
    assert {table for table in after if after[table] != before[table]} == set(changed)
    assert set(changed) != set(marts)  # the unchanged marts' Parquet is still linked
    _serves(build, second, build.warehouse_path)


def test_another_storage_version_writes_the_duckdb_files_and_still_links_the_parquet(build: Settings) -> None:
    first = publish(build)
    older = build.model_copy(update={"storage_version": "v1.2.0"})
    second = publish(older)
    manifest = _manifest(build, second.version)
    assert manifest["duckdb"] == "written"
    assert manifest["reused_from"] == first.version
    assert second.reused == tuple(sorted(second.tables))
    assert _inodes(build, second.version) == _inodes(build, first.version)
    with duckdb.connect(str(build.analytics_path), read_only=True) as connection:
        (tag,) = connection.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
    assert tag == "v1.2.0+"
    _serves(build, second, build.warehouse_path)


def test_a_fingerprint_tells_tables_apart_by_content_and_columns_not_row_order() -> None:
    with duckdb.connect() as connection:
        for name, sql in {
            "base": "SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'c')) t(id, label)",
            "reordered": "SELECT * FROM (VALUES (3, 'c'), (1, 'a'), (2, NULL)) t(id, label)",
            "bigint": "SELECT id::BIGINT AS id, label FROM (VALUES (1, 'a'), (2, NULL), (3, 'c')) t(id, label)",
            "renamed": "SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'c')) t(id, name)",
            "swapped": "SELECT * FROM (VALUES ('a', 1), (NULL, 2), ('c', 3)) t(label, id)",
            "null_moved": "SELECT * FROM (VALUES (1, 'a'), (NULL, '2'), (3, 'c')) t(id, label)",
            "duplicated": "SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'c'), (3, 'c'), (3, 'c')) t(id, label)",
            "pairs": "SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'c'), (4, 'd'), (4, 'd')) t(id, label)",
            "empty": "SELECT * FROM (VALUES (1, 'a')) t(id, label) WHERE false",
        }.items():
            connection.execute(f"CREATE TABLE {name} AS {sql}")
        tables = [name for (name,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        prints = _fingerprints(connection, "memory", [f"main.{table}" for table in tables])
    assert prints["main.reordered"] == prints["main.base"]
    others = [fingerprint.digest for table, fingerprint in prints.items() if table != "main.reordered"]
    assert len(set(others)) == len(others)  # every other change tells
    assert prints["main.empty"].rows == 0
    assert prints["main.duplicated"].rows == 5
