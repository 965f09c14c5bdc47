"""Every defect the generator injects is caught, and ends up where it should: the manifest says what was injected
where (file, line or sheet row, column); the raw layer, the quarantine and the load audit must agree."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.defects import FILE_DEFECTS, ROW_DEFECTS, DefectRates
from asn_platform.generator.profiles import SAMPLE_PROFILES
from ingestion.service import load_pending

# The quarantine reason a row defect must carry (any of these code prefixes).
EXPECTED_REASONS = {
    "invalid_nip_length": ("bad_format:nip",),
    "invalid_nip_date": ("invalid_nip:birth_date", "invalid_nip:appointment"),
    "invalid_nip_gender": ("invalid_nip:gender",),
    "score_out_of_range": ("out_of_range:score_", "missing:score_"),
    "end_before_start": ("out_of_order:end_date<start_date",),
    "jp_as_text": ("unparseable:jp",),
    "future_date": ("future_date:",),
    "missing_required": ("missing:",),
}
# Not an error in a record: the value is recognised against the region's list of units and loaded in its spelling.
NORMALISED = {"unit_name_variant"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, object]]:
    from conftest import isolated_settings

    monkeypatch = pytest.MonkeyPatch()
    settings = isolated_settings(tmp_path_factory.mktemp("defects"), monkeypatch, key="defects-test-key")
    small = [dataclasses.replace(profile, headcount=600) for profile in SAMPLE_PROFILES]
    generate_sample(settings.landing_dir, 31, profiles=small, api_dir=settings.source_api_dir,
                    defects=DefectRates.realistic())  # fmt: skip
    for profile in small:
        load_pending(settings, profile.region)
    manifest = json.loads((settings.landing_dir / "defects_manifest.json").read_text(encoding="utf-8"))
    yield settings, manifest
    monkeypatch.undo()


def _audit(settings: Settings) -> dict[str, tuple[str, int]]:
    with connect(settings=settings) as connection:
        rows = connection.execute(
            """SELECT source_file, status, coalesce(duplicate_rows, 0) FROM raw.load_audit
               QUALIFY row_number() OVER (PARTITION BY source_file ORDER BY finished_at DESC) = 1"""
        ).fetchall()
    return {file: (status, duplicates) for file, status, duplicates in rows}


def test_every_kind_was_injected(loaded: tuple[Settings, dict[str, object]]) -> None:
    _, manifest = loaded
    assert set(manifest["counts"]) == set(ROW_DEFECTS) | set(FILE_DEFECTS)  # type: ignore[arg-type]


def test_every_damaged_file_is_rejected_with_its_file_named(loaded: tuple[Settings, dict[str, object]]) -> None:
    settings, manifest = loaded
    audit = _audit(settings)
    damaged = [entry for entry in manifest["defects"] if entry["kind"] in FILE_DEFECTS]  # type: ignore[index]
    assert {entry["kind"] for entry in damaged} == set(FILE_DEFECTS)
    for entry in damaged:
        assert audit[entry["file"]][0] == "rejected", entry


def test_every_row_defect_is_quarantined_on_its_line_with_its_reason(
    loaded: tuple[Settings, dict[str, object]],
) -> None:
    settings, manifest = loaded
    audit = _audit(settings)
    entries = [
        entry
        for entry in manifest["defects"]  # type: ignore[index]
        if entry["transport"] == "file" and audit.get(entry["file"], ("",))[0] == "loaded"
    ]
    with connect(settings=settings) as connection:
        quarantined = {
            (file, row): codes
            for file, row, codes in connection.execute(
                "SELECT source_file, source_row, list_transform(reasons, lambda r: r.code) FROM raw.quarantine"
            ).fetchall()
        }
    caught: Counter[str] = Counter()
    for entry in entries:
        kind = entry["kind"]
        if kind in EXPECTED_REASONS:
            codes = quarantined.get((entry["file"], entry["line"]))
            assert codes, f"not quarantined: {entry}"
            assert any(code.startswith(EXPECTED_REASONS[kind]) for code in codes), (entry, codes)
            caught[kind] += 1
    assert set(caught) == set(EXPECTED_REASONS)  # each kind was seen in a delivery that loaded
    # Nothing else is in quarantine: every quarantined record is a defect the manifest lists.
    listed = {(entry["file"], entry["line"]) for entry in entries if entry["kind"] in EXPECTED_REASONS}
    assert set(quarantined) <= listed | _same_nip_as_a_defect(settings, quarantined)


def _same_nip_as_a_defect(settings: Settings, quarantined: dict[tuple[str, int], list[str]]) -> set[tuple[str, int]]:
    """A NIP defect can turn a NIP into another person's; then both records are held as duplicate keys."""
    return {key for key, codes in quarantined.items() if all(code == "duplicate_key:nip" for code in codes)}


def test_duplicate_rows_are_set_aside_and_counted(loaded: tuple[Settings, dict[str, object]]) -> None:
    settings, manifest = loaded
    audit = _audit(settings)
    injected = Counter(
        entry["file"]
        for entry in manifest["defects"]  # type: ignore[index]
        if entry["kind"] == "duplicate_row" and entry["transport"] == "file"
    )
    checked = 0
    for file, count in injected.items():
        status, duplicates = audit.get(file, ("waiting", 0))  # a delta whose full extract was damaged waits
        if status == "loaded":
            assert duplicates == count, file
            checked += 1
    assert checked > 0


def test_unit_name_variants_load_in_the_spelling_of_the_region_s_unit_list(
    loaded: tuple[Settings, dict[str, object]],
) -> None:
    settings, manifest = loaded
    audit = _audit(settings)
    with_unit_list = {
        file.split("/")[0] for file, (status, _) in audit.items() if "/units/" in file and status == "loaded"
    }
    entries = [
        entry
        for entry in manifest["defects"]  # type: ignore[index]
        if entry["kind"] in NORMALISED
        and audit.get(entry["file"], ("",))[0] == "loaded"
        and entry["region"] in with_unit_list  # a region whose list was damaged has nothing to match against
    ]
    assert entries
    with connect(settings=settings) as connection:
        for entry in entries:
            (name,) = connection.execute(
                "SELECT unit_name FROM raw.personnel WHERE _source_file = ? AND _source_row = ?",
                [entry["file"], entry["line"]],
            ).fetchone()
            assert entry["injected"] != entry["original"]
            assert name == entry["original"]  # "DINAS  KESEHATAN " loads as "Dinas Kesehatan"


def test_reconciliation_holds_for_every_delivery(loaded: tuple[Settings, dict[str, object]]) -> None:
    settings, _ = loaded
    with connect(settings=settings) as connection:
        broken = connection.execute(
            """SELECT source_file FROM raw.load_audit WHERE status = 'loaded'
               AND received_rows <> loaded_rows + quarantined_rows + duplicate_rows"""
        ).fetchall()
        delivered_files = connection.execute("SELECT count(DISTINCT source_file) FROM raw.load_audit").fetchone()[0]
    assert broken == []
    assert delivered_files > 30
