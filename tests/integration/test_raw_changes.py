"""Raw keeps changes, losslessly: a full extract stores what changed, any delivery can be rebuilt from raw and from the
archive, and corrected, late and withdrawn deliveries keep their meaning (ingestion/changes.py)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import isolated_settings

from asn_platform.core.contract import DATASETS
from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA, MEDAN
from asn_platform.generator.sample import SAMPLE_AS_OF
from asn_platform.orchestration.stages import gate
from ingestion import changes, load
from ingestion.archive import ArchiveError, restore
from ingestion.load import ensure_raw_tables, withdraw_delivery
from ingestion.service import load_pending

PERSONNEL = DATASETS["personnel"]
FIELDS = ", ".join(field.name for field in PERSONNEL.fields)


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _next_day(settings: Settings, first: Path, day: date, edit) -> Path:
    """Langsa's personnel extract as delivered on `day`: the first one, edited."""
    return _write(settings.landing_dir / "langsa" / "personnel" / day.isoformat() / first.name, edit(_read(first)))


def _transfer(rows: list[list[str]], lines: range) -> list[list[str]]:
    """People on `lines` (1 = first record) move to the unit of the record after them."""
    unit = rows[0].index("kode_unit")
    name = rows[0].index("nama_unit")
    rows = [list(row) for row in rows]
    for line in lines:
        rows[line][unit], rows[line][name] = rows[line + 1][unit], rows[line + 1][name]
    return rows


def _hire(rows: list[list[str]], count: int) -> list[list[str]]:
    """`count` new people: copies of the last records with a new serial number in the NIP (still a valid NIP)."""
    nip = rows[0].index("nip")
    new = [list(row) for row in rows[-count:]]
    for number, row in enumerate(new):
        row[nip] = row[nip][:15] + f"{990 + number:03d}"
    return [*rows, *new]


@pytest.fixture
def langsa_first(settings: Settings) -> Path:
    files = generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA,))
    for other in settings.landing_dir.glob("langsa/*"):
        if other.name not in {"personnel", "units"}:
            shutil.rmtree(other)
    return next(path for path in files if "/personnel/" in path.as_posix())


def _versions(settings: Settings, dataset: str = "personnel") -> list[tuple[object, ...]]:
    """Every row version in raw: content hash, the delivery that brought it and the one that ended it."""
    with connect(settings=settings, read_only=True) as connection:
        return connection.execute(
            f"SELECT _region, _row_hash, _delivery_id, _ended_delivery_id FROM raw.{dataset} ORDER BY ALL"
        ).fetchall()


def _standing(settings: Settings, dataset: str = "personnel") -> list[tuple[object, ...]]:
    with connect(settings=settings, read_only=True) as connection:
        return connection.execute(
            f"SELECT _region, _row_hash FROM raw.{dataset} WHERE _ended_load_id IS NULL ORDER BY ALL"
        ).fetchall()


def _raw_gate_errors(settings: Settings) -> list[str]:
    return [outcome.describe() for report in gate("raw", settings) for outcome in report.errors]


def test_a_full_extract_stores_only_what_changed_and_ends_what_it_replaced(
    settings: Settings, langsa_first: Path
) -> None:
    load_pending(settings, "langsa")
    day = SAMPLE_AS_OF + timedelta(days=1)
    # Three transfers, two people gone (lines 11 and 12), one hired.
    _next_day(settings, langsa_first, day, lambda rows: _hire(_transfer(rows, range(1, 4))[:11] + rows[13:], 1))
    (result,) = [r for r in load_pending(settings, "langsa", "personnel") if r.status == "loaded"]
    assert (result.received, result.loaded, result.ended) == (LANGSA.headcount - 1, 4, 5)
    assert result.unchanged == LANGSA.headcount - 5
    with connect(settings=settings, read_only=True) as connection:
        (stored, standing) = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE _ended_load_id IS NULL) FROM raw.personnel"
        ).fetchone()
        audit = connection.execute(
            """SELECT received_rows, loaded_rows, unchanged_rows, ended_rows, quarantined_rows, duplicate_rows
               FROM raw.load_audit WHERE delivery_id = ?""",
            [f"langsa/personnel/{day}"],
        ).fetchone()
    assert (stored, standing) == (LANGSA.headcount + 4, LANGSA.headcount - 1)
    assert audit == (LANGSA.headcount - 1, 4, LANGSA.headcount - 5, 5, 0, 0)
    assert _raw_gate_errors(settings) == []


def _checked_records(settings: Settings, delivery_id: str) -> int:
    """How many records the delivery's row rules ran on (its not-null rule on the NIP, as recorded)."""
    with connect(settings=settings, read_only=True) as connection:
        (checked,) = connection.execute(
            """SELECT r.element_count FROM dq.expectation_results AS r JOIN raw.load_audit AS a ON r.run_id = a.load_id
               WHERE a.delivery_id = ? AND a.status = 'loaded' AND r.column_name = 'nip'
                 AND r.expectation = 'expect_column_values_to_not_be_null'""",
            [delivery_id],
        ).fetchone()
    return int(checked)


def test_a_full_extract_checks_what_changed_and_still_every_record_for_keys_and_units(
    settings: Settings, langsa_first: Path
) -> None:
    load_pending(settings, "langsa")
    day = SAMPLE_AS_OF + timedelta(days=1)
    # The region closes one unit (its people stay as they were); three people move; a hire reuses the NIP of an
    # unchanged record; one record changes to a sex the contract does not know.
    (units_file,) = settings.landing_dir.glob("langsa/units/*/*.csv")
    units = _read(units_file)
    closed = units[-1][units[0].index("unit_code")]
    _write(settings.landing_dir / "langsa" / "units" / day.isoformat() / units_file.name, units[:-1])

    def edit(rows: list[list[str]]) -> list[list[str]]:
        rows = _transfer(rows, range(1, 4))
        header = rows[0]
        unit, name, sex = header.index("kode_unit"), header.index("nama"), header.index("jenis_kelamin")
        hire = list(rows[20])  # line 21 stands unchanged; someone else under its NIP
        hire[name] = "Orang Lain"
        rows[30][sex] = "X"
        assert closed not in (rows[20][unit], rows[30][unit])
        return [*rows, hire]

    _next_day(settings, langsa_first, day, edit)
    in_closed_unit = sum(row[_read(langsa_first)[0].index("kode_unit")] == closed for row in _read(langsa_first)[1:])
    assert in_closed_unit > 0
    results = {r.delivery.dataset: r for r in load_pending(settings, "langsa") if r.status == "loaded"}
    delivery_id = f"langsa/personnel/{day}"
    assert _checked_records(settings, delivery_id) == 5  # the row rules ran on the changed records alone
    with connect(settings=settings, read_only=True) as connection:
        reasons = connection.execute(
            """SELECT source_row, list_sort(list_transform(reasons, lambda reason: reason.code))
               FROM raw.quarantine WHERE delivery_id = ? AND NOT list_contains(
                   list_transform(reasons, lambda reason: reason.code), 'unknown_unit:unit_code')
               ORDER BY source_row""",
            [delivery_id],
        ).fetchall()
        (unknown_unit,) = connection.execute(
            """SELECT count(*) FROM raw.quarantine WHERE delivery_id = ?
               AND list_contains(list_transform(reasons, lambda reason: reason.code), 'unknown_unit:unit_code')""",
            [delivery_id],
        ).fetchone()
    # Uniqueness ran over every record: the unchanged line 21 and the hire on the last line share a NIP.
    last_line = LANGSA.headcount + 2
    assert reasons == [(21, ["duplicate_key:nip"]), (31, ["not_allowed:gender"]), (last_line, ["duplicate_key:nip"])]
    assert unknown_unit == in_closed_unit  # unchanged records in the closed unit, caught on every record
    personnel = results["personnel"]
    assert personnel.quarantined == 3 + in_closed_unit
    assert (personnel.loaded, personnel.unchanged) == (3, LANGSA.headcount - 5 - in_closed_unit)
    assert _raw_gate_errors(settings) == []


def test_every_record_is_checked_again_when_the_rules_change(
    settings: Settings, langsa_first: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_pending(settings, "langsa")
    days = [SAMPLE_AS_OF + timedelta(days=n) for n in (1, 2)]
    _next_day(settings, langsa_first, days[0], lambda rows: _transfer(rows, range(1, 4)))
    load_pending(settings, "langsa", "personnel")
    assert _checked_records(settings, f"langsa/personnel/{days[0]}") == 3
    # As if the suite, the registry or the rules' code had changed since: a new digest.
    monkeypatch.setattr(load, "checks_digest", lambda dataset, config: "rules edited")
    _next_day(settings, langsa_first, days[1], lambda rows: _transfer(rows, range(5, 7)))
    load_pending(settings, "langsa", "personnel")
    assert _checked_records(settings, f"langsa/personnel/{days[1]}") == LANGSA.headcount


def test_every_delivered_snapshot_rebuilds_from_raw_and_from_the_archive(
    settings: Settings, langsa_first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = [SAMPLE_AS_OF + timedelta(days=n) for n in (1, 2, 3)]
    _next_day(settings, langsa_first, days[0], lambda rows: _transfer(rows, range(5, 25)))
    _next_day(settings, langsa_first, days[1], lambda rows: _hire(rows[:100] + rows[140:], 7))
    _next_day(settings, langsa_first, days[2], lambda rows: _transfer(rows, range(30, 31)))
    load_pending(settings, "langsa")
    with connect(settings=settings, read_only=True) as connection:
        loads = connection.execute(
            """SELECT load_id, delivery_id, source_file, file_sha256, archive_path FROM raw.load_audit
               WHERE dataset = 'personnel' ORDER BY delivery_date"""
        ).fetchall()
    assert len(loads) == 4
    for load_id, delivery_id, source_file, sha256, archive_path in loads:
        # The file alone, loaded into an empty warehouse: every accepted row of it, as delivered.
        alone = isolated_settings(tmp_path / load_id, monkeypatch)
        restored = restore(settings.archive_dir, archive_path, sha256, tmp_path / "restored" / load_id)
        assert hashlib.sha256(restored.read_bytes()).hexdigest() == sha256
        assert restored.read_bytes() == (settings.landing_dir / source_file).read_bytes()
        landing = alone.landing_dir / source_file
        landing.parent.mkdir(parents=True)
        shutil.copy(restored, landing)
        assert [r.status for r in load_pending(alone, "langsa", "personnel")] == ["loaded"]
        with connect(settings=alone, read_only=True) as connection:
            expected = connection.execute(f"SELECT {FIELDS}, _row_hash FROM raw.personnel ORDER BY ALL").fetchall()
        with connect(settings=settings) as connection:
            ensure_raw_tables(connection)
            rebuilt = changes.snapshot(connection, PERSONNEL, "langsa", load_id)
            actual = connection.execute(f"SELECT {FIELDS}, _row_hash FROM {rebuilt} ORDER BY ALL").fetchall()
        assert len(actual) == len(expected) > 0, delivery_id
        assert actual == expected, delivery_id
    # An archived file that no longer matches its checksum is refused, not restored.
    tampered = settings.archive_dir / loads[0][4]
    tampered.write_bytes(gzip.compress(b"nip,nama\n1,someone else\n"))
    with pytest.raises(ArchiveError, match="does not match the SHA-256"):
        restore(settings.archive_dir, loads[0][4], loads[0][3], tmp_path / "tampered")


def test_a_corrected_re_delivery_of_an_earlier_day_replaces_it_and_the_later_days_still_apply(
    settings: Settings, langsa_first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = SAMPLE_AS_OF + timedelta(days=1), SAMPLE_AS_OF + timedelta(days=2)
    _next_day(settings, langsa_first, first, lambda rows: _transfer(rows, range(1, 11)))
    _next_day(settings, langsa_first, second, lambda rows: _transfer(rows, range(1, 3)))
    load_pending(settings, "langsa")
    # The region corrects the first day: only three people moved that day, not ten.
    corrected = _next_day(settings, langsa_first, first, lambda rows: _transfer(rows, range(1, 4)))
    (result,) = [r for r in load_pending(settings, "langsa", "personnel") if r.status == "loaded"]
    assert result.delivery.path == corrected
    assert "replayed" in result.message
    # The same as if the corrected file had come in the first place.
    in_order = isolated_settings(tmp_path / "in-order", monkeypatch)
    shutil.copytree(settings.landing_dir, in_order.landing_dir, dirs_exist_ok=True)
    load_pending(in_order, "langsa")
    assert _versions(settings) == _versions(in_order)
    assert _standing(settings) == _standing(in_order)
    monkeypatch.setenv("ASN_DATA_DIR", str(settings.data_dir))
    assert _raw_gate_errors(settings) == []


@pytest.fixture
def medan_files(settings: Settings) -> list[Path]:
    files = generate_sample(settings.landing_dir, settings.sample_seed, profiles=(MEDAN,))
    return [path for path in files if "/personnel/" in path.as_posix()]


def test_a_late_delta_is_put_in_its_place(
    settings: Settings, medan_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_order = isolated_settings(tmp_path / "in-order", monkeypatch)
    shutil.copytree(settings.landing_dir, in_order.landing_dir, dirs_exist_ok=True)
    assert {r.status for r in load_pending(in_order, "medan", "personnel")} == {"loaded"}
    late = medan_files[2]  # the second delta arrives after the third
    held = tmp_path / late.name
    shutil.move(late, held)
    load_pending(settings, "medan", "personnel")
    shutil.move(held, late)
    (result,) = [r for r in load_pending(settings, "medan", "personnel") if r.status == "loaded"]
    assert result.delivery.path == late
    assert "1 later load(s) replayed" in result.message
    assert _versions(settings) == _versions(in_order)
    monkeypatch.setenv("ASN_DATA_DIR", str(settings.data_dir))
    assert _raw_gate_errors(settings) == []


def test_a_withdrawn_delivery_leaves_history_as_if_it_never_came(
    settings: Settings, langsa_first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = [SAMPLE_AS_OF + timedelta(days=n) for n in (1, 2)]
    _next_day(settings, langsa_first, days[0], lambda rows: _transfer(rows, range(1, 300)))  # sent in error
    _next_day(settings, langsa_first, days[1], lambda rows: _transfer(rows, range(1, 6)))
    without = isolated_settings(tmp_path / "without", monkeypatch)
    shutil.copytree(settings.landing_dir, without.landing_dir, dirs_exist_ok=True)
    shutil.rmtree(without.landing_dir / "langsa" / "personnel" / days[0].isoformat())
    load_pending(without, "langsa")
    monkeypatch.setenv("ASN_DATA_DIR", str(settings.data_dir))
    load_pending(settings, "langsa")
    assert len({version[2] for version in _versions(settings)}) == 3
    with connect(settings=settings) as connection:
        withdrawn = withdraw_delivery(connection, f"langsa/personnel/{days[0]}", "sent in error")
    assert [load.delivery_id for load in withdrawn] == [f"langsa/personnel/{days[0]}"]
    assert _versions(settings) == _versions(without)
    # Still in the landing area, it does not load again.
    results = load_pending(settings, "langsa", "personnel")
    assert [r.message for r in results if r.delivery.delivery_date == days[0]] == [
        "withdrawn by the region (sent in error); a corrected file of this delivery loads"
    ]
    assert _raw_gate_errors(settings) == []


def test_a_full_extract_after_deltas_stands_alone(settings: Settings, medan_files: list[Path]) -> None:
    load_pending(settings, "medan", "personnel")
    full = medan_files[0]
    later = full.parent.parent / (SAMPLE_AS_OF + timedelta(days=1)).isoformat() / full.name
    later.parent.mkdir()
    shutil.copy(full, later)  # the region's first full extract since its deltas: the state before them again
    (result,) = [r for r in load_pending(settings, "medan", "personnel") if r.status == "loaded"]
    assert result.ended >= result.loaded > 0  # what the deltas changed is changed back, who they added is gone
    with connect(settings=settings) as connection:
        ensure_raw_tables(connection)
        (first_load,) = connection.execute(
            "SELECT load_id FROM raw.load_audit WHERE dataset = 'personnel' ORDER BY delivery_date LIMIT 1"
        ).fetchone()
        first = changes.snapshot(connection, PERSONNEL, "medan", first_load)
        delivered = connection.execute(f"SELECT _row_hash FROM {first} ORDER BY 1").fetchall()
        standing = connection.execute(
            "SELECT _row_hash FROM raw.personnel WHERE _ended_load_id IS NULL ORDER BY 1"
        ).fetchall()
    assert standing == delivered
    assert len(standing) == MEDAN.headcount


def test_a_raw_table_from_before_change_storage_is_upgraded_in_place(
    settings: Settings, langsa_first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _next_day(settings, langsa_first, SAMPLE_AS_OF + timedelta(days=1), lambda rows: _hire(rows[:-40], 3))
    _next_day(settings, langsa_first, SAMPLE_AS_OF + timedelta(days=2), lambda rows: _transfer(rows, range(1, 9)))
    load_pending(settings, "langsa", "personnel")
    # The same warehouse as it was before change storage: every load's rows whole, no end columns.
    old = isolated_settings(tmp_path / "old", monkeypatch)
    shutil.copy(settings.warehouse_path, old.warehouse_path)
    with connect(settings=old) as connection:
        ensure_raw_tables(connection)
        loads = connection.execute(
            "SELECT load_id, delivery_id FROM raw.load_audit WHERE dataset = 'personnel' ORDER BY delivery_date"
        ).fetchall()
        whole = " UNION ALL ".join(
            f"""SELECT * EXCLUDE (_load_id, _delivery_id, _ended_load_id, _ended_delivery_id),
                       '{load_id}' AS _load_id, '{delivery_id}' AS _delivery_id
                FROM {changes.snapshot(connection, PERSONNEL, "langsa", load_id)}"""
            for load_id, delivery_id in loads
        )
        connection.execute(f"CREATE TABLE raw.personnel_whole AS {whole}")
        connection.execute("DROP TABLE raw.personnel")
        connection.execute("ALTER TABLE raw.personnel_whole RENAME TO personnel")
        assert connection.execute("SELECT count(*) FROM raw.personnel").fetchone()[0] > 2 * LANGSA.headcount
    with connect(settings=old) as connection:
        ensure_raw_tables(connection)  # finds the old shape and upgrades it
    assert _versions(old) == _versions(settings)
    assert _raw_gate_errors(old) == []
