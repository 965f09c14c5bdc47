"""The warehouse follows raw's changes incrementally (macros/change_scope.sql): after each delivery of a sequence (new
staff, transfers, retirements and people gone from a full extract, a Medan delta, a late Medan delta that replays
the later ones, a corrected file, a withdrawn delivery) an incremental `dbt run` recomputes only what the changed
keys touch, and leaves every model of staging, intermediate and the marts exactly as a `--full-refresh` build of the
same raw layer."""

from __future__ import annotations

import csv
import gzip
import hashlib
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import TEST_KEY, isolated_settings

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.generator import generate_sample
from asn_platform.generator.profiles import LANGSA, MEDAN
from asn_platform.generator.sample import SAMPLE_AS_OF
from asn_platform.transform.dbt import run_dbt
from ingestion.load import withdraw_delivery
from ingestion.service import load_pending

# Every schema dbt builds models in (the restricted tier's too); `dbt_state` is the build's own bookkeeping.
SCHEMAS = ("staging", "intermediate", "core", "competency", "placement", "service_quality", "restricted")
# Medan smaller than its sample size: the sequence needs its deltas, not its volume.
SMALL_MEDAN = replace(MEDAN, headcount=3_000)
DAY_1, DAY_2 = SAMPLE_AS_OF + timedelta(days=1), SAMPLE_AS_OF + timedelta(days=2)
LATE = date(2026, 10, 31)  # the Medan personnel delta held back, delivered after the later ones


# Deliveries, edited from the sample's files as each region writes them.


def _read(path: Path) -> list[list[str]]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle, delimiter="|"))
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _deliver(settings: Settings, region: str, dataset: str, day: date, rows: list[list[str]]) -> Path:
    """The region's `dataset` delivery of `day`: Langsa's full extract, Medan's delta."""
    if region == "langsa":
        name = LANGSA.files[dataset].format(date=f"{day:%Y%m%d}")
    else:
        name = MEDAN.files[dataset].format(kind="delta", date=f"{day:%Y%m%d}")
    path = settings.landing_dir / region / dataset / day.isoformat() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter="|", lineterminator="\n").writerows(rows)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _first(settings: Settings, region: str, dataset: str) -> list[list[str]]:
    (path,) = sorted((settings.landing_dir / region / dataset).glob("*/*"))[:1]
    return _read(path)


def _with(rows: list[list[str]], line: int, **values: str) -> list[str]:
    row = list(rows[line])
    for column, value in values.items():
        row[rows[0].index(column)] = value
    return row


def _edit(rows: list[list[str]], edits: dict[int, dict[str, str]]) -> list[list[str]]:
    return [_with(rows, line, **edits[line]) if line in edits else list(row) for line, row in enumerate(rows)]


def _transfers(rows: list[list[str]], lines: range, unit: str, name: str) -> dict[int, dict[str, str]]:
    """The people on `lines` move to another unit than their own (the first record's, or the last one's)."""
    edits = {}
    for line in lines:
        to = 1 if rows[line][rows[0].index(unit)] != rows[1][rows[0].index(unit)] else len(rows) - 1
        edits[line] = {unit: rows[to][rows[0].index(unit)], name: rows[to][rows[0].index(name)]}
    return edits


def _hires(rows: list[list[str]], nip: str, count: int) -> list[list[str]]:
    """`count` new people: copies of the last records with a new serial number in the NIP (still a valid NIP)."""
    return [_with(rows, len(rows) - 1 - n, **{nip: rows[-1 - n][rows[0].index(nip)][:15] + f"{990 + n:03d}"})
            for n in range(count)]  # fmt: skip


def _langsa_day_1(settings: Settings) -> list[str]:
    """Langsa's full extracts of the next day: three hires, transfers, two retirements and two people gone;
    training for the hires, two records withdrawn and one corrected; new survey responses (with a phone number in
    a suggestion) and one moved to another unit; a complaint resolved and one moved. Returns the NIPs it touches."""
    people = _first(settings, "langsa", "personnel")
    edited = _edit(people, _transfers(people, range(1, 6), "kode_unit", "nama_unit")
                   | {10: {"status_pegawai": "Pensiun"}, 11: {"status_pegawai": "Pensiun"}})  # fmt: skip
    hires = _hires(people, "nip", 3)
    _deliver(settings, "langsa", "personnel", DAY_1, [*edited[:20], *edited[22:], *hires])
    training = _first(settings, "langsa", "training")
    hired = [{"nip": hire[0], "tgl_mulai": DAY_1.isoformat(), "tgl_selesai": DAY_1.isoformat()} for hire in hires]
    new_training = [_with(training, 1 + n, **values) for n, values in enumerate(hired)]
    training = _edit(training, {3: {"jp": "24"}})
    _deliver(settings, "langsa", "training", DAY_1, [*training[:5], *training[7:], *new_training])
    _deliver(settings, "langsa", "survey_responses", DAY_1, _langsa_survey(settings, new=5))
    complaints = _first(settings, "langsa", "complaints")
    moved = {2: {"kode_unit": complaints[1][1]}} if complaints[2][1] != complaints[1][1] else {}
    _deliver(settings, "langsa", "complaints", DAY_1, _edit(complaints, {1: {"kategori": "Prosedur berbelit"}} | moved))
    return [row[0] for row in people[1:22]] + [hire[0] for hire in hires]


def _langsa_survey(settings: Settings, new: int, score: str = "4") -> list[list[str]]:
    survey = _first(settings, "langsa", "survey_responses")
    other_unit = next(row for row in survey[1:] if row[1] != survey[1][1])
    edited = _edit(survey, {1: {"kode_unit": other_unit[1], "jenis_layanan": other_unit[2]}})
    responses = [
        _with(survey, 2 + n, id_responden=f"LGS-SKM-99{n:05d}", tanggal_survei=DAY_1.isoformat(), u_waktu=score,
              saran="Tolong hubungi Ibu Siti di 0812 3456 7890" if n == 0 else "")
        for n in range(new)
    ]  # fmt: skip
    return [*edited, *responses]


def _medan_day_1(settings: Settings) -> list[str]:
    """Medan's deltas of the next day: four transfers, a retirement and a hire; three new training records.
    Returns the NIPs it touches."""
    people = _first(settings, "medan", "personnel")
    changed = _edit(people, _transfers(people, range(1, 5), "kd_unor", "nm_unor") | {5: {"sts_peg": "PENSIUN"}})
    _deliver(settings, "medan", "personnel", DAY_1, [people[0], *changed[1:6], *_hires(people, "nip_baru", 1)])
    training = _first(settings, "medan", "training")
    new = [_with(training, n, kd_dik=f"TEK-X-{n}", tgl_mulai=f"{DAY_1:%Y%m%d}", tgl_sls=f"{DAY_1:%Y%m%d}")
           for n in (1, 2, 3)]  # fmt: skip
    _deliver(settings, "medan", "training", DAY_1, [training[0], *new])
    return [row[2] for row in people[1:6]] + [row[0] for row in training[1:4]]


def _langsa_day_2(settings: Settings) -> None:
    """Langsa's personnel extract two days on: the day before's, with two promotions and one transfer back."""
    (path,) = (settings.landing_dir / "langsa" / "personnel" / DAY_1.isoformat()).glob("*")
    people = _read(path)
    step = {"III/a": "III/b", "III/b": "III/c", "III/c": "III/d", "III/d": "IV/a"}
    promoted = {line: {"golongan": step[people[line][5]], "tmt_golongan": DAY_2.isoformat()}
                for line in range(30, 60) if people[line][5] in step}  # fmt: skip
    original = _first(settings, "langsa", "personnel")
    _deliver(settings, "langsa", "personnel", DAY_2,
             _edit(people, dict(list(promoted.items())[:2]) | {1: {"kode_unit": original[1][8],
                                                                   "nama_unit": original[1][9]}}))  # fmt: skip


# The warehouse: built, compared, marked.


def _build(settings: Settings, *args: str) -> None:
    run_dbt(["run", *args], settings, echo=False)


def _checksums(settings: Settings) -> dict[str, tuple[int, int]]:
    """Every table and view dbt built in its schemas: row count and an order-independent sum of row hashes."""
    with connect(settings=settings, read_only=True) as connection:
        relations = connection.execute(
            f"""SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN {SCHEMAS}
                UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE schema_name IN {SCHEMAS}
                ORDER BY ALL"""
        ).fetchall()
        return {
            f"{schema}.{name}": connection.execute(
                f'SELECT count(*), coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0) FROM "{schema}"."{name}"'
            ).fetchone()
            for schema, name in relations
        }


def _assert_equals_full_refresh(settings: Settings, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the warehouse rebuilt with --full-refresh: every model the same, row for row."""
    refreshed = isolated_settings(root, monkeypatch)
    shutil.copy(settings.warehouse_path, refreshed.warehouse_path)
    _build(refreshed, "--full-refresh")
    incremental, full = _checksums(settings), _checksums(refreshed)
    assert len(full) >= 30
    assert list(incremental) == list(full)
    assert {name: sums for name, sums in incremental.items() if sums != full[name]} == {}


def _key(nip: str) -> str:
    return hashlib.sha256(f"{TEST_KEY}:{nip}".encode()).hexdigest()


MARKED = {"competency.training_records": "course_title", "competency.employee_year": "employment_type",
          "restricted.placement_history_detail": "position_type"}  # fmt: skip


def _mark(settings: Settings, region: str, untouched: list[str]) -> dict[str, tuple[str, list[object]]]:
    """Overwrite a text column of one person of `region` that the next delivery does not touch, in the person-level
    incremental marts (a rebuilt person loses the mark); returns what to put back."""
    keys = [_key(nip) for nip in untouched]
    marked = {}
    with connect(settings=settings) as connection:
        for table, column in MARKED.items():
            (key,) = connection.execute(
                f"SELECT min(employee_key) FROM {table} WHERE region = ? AND NOT list_contains(?, employee_key)",
                [region, keys],
            ).fetchone()
            rows = connection.execute(
                f"SELECT rowid, {column} FROM {table} WHERE region = ? AND employee_key = ?", [region, key]
            ).fetchall()
            connection.execute(f"UPDATE {table} SET {column} = 'marked' WHERE region = ? AND employee_key = ?",
                               [region, key])  # fmt: skip
            marked[table] = (key, rows)
    return marked


def _unmark(settings: Settings, marked: dict[str, tuple[str, list[object]]]) -> None:
    with connect(settings=settings) as connection:
        for table, (key, rows) in marked.items():
            assert connection.execute(
                f"SELECT count(*) FROM {table} WHERE employee_key = ? AND {MARKED[table]} = 'marked'", [key]
            ).fetchone() == (len(rows),), f"{table}: a person no delivery touched was recomputed"
            for rowid, value in rows:
                connection.execute(f"UPDATE {table} SET {MARKED[table]} = ? WHERE rowid = ?", [value, rowid])


def _loaded(settings: Settings, region: str) -> list[str]:
    return [f"{r.delivery.dataset}/{r.delivery.delivery_date}:{r.message}"
            for r in load_pending(settings, region) if r.status == "loaded"]  # fmt: skip


@pytest.mark.slow  # seven dbt runs and two full refreshes over two sample regions
def test_incremental_runs_after_each_delivery_equal_a_full_refresh(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_sample(settings.landing_dir, settings.sample_seed, profiles=(LANGSA, SMALL_MEDAN))
    (late,) = (settings.landing_dir / "medan" / "personnel" / LATE.isoformat()).glob("*")
    held = shutil.move(late, tmp_path / late.name)
    for region in ("langsa", "medan"):
        load_pending(settings, region)
    run_dbt(["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"], settings, echo=False)

    # 1. Langsa's next full extracts: hires, transfers, retirements, people gone; training, survey, complaints.
    langsa_nips = _langsa_day_1(settings)
    assert len(_loaded(settings, "langsa")) == 4
    _build(settings)

    # 2. Medan's next deltas; Langsa sends nothing, and a Medan person the deltas do not name is not recomputed.
    medan_nips = _medan_day_1(settings)
    assert len(_loaded(settings, "medan")) == 2
    marks = {region: _mark(settings, region, medan_nips) for region in ("langsa", "medan")}
    _build(settings)
    for marked in marks.values():
        _unmark(settings, marked)

    # 3. Medan's personnel delta of 31 October arrives after those of 1 and 2 November: they are replayed on it.
    shutil.move(held, late)
    (message,) = [m for m in _loaded(settings, "medan") if m.startswith("personnel/")]
    assert "2 later load(s) replayed" in message
    _build(settings)
    _assert_equals_full_refresh(settings, tmp_path / "after-late-delta", monkeypatch)

    # 4. Langsa corrects its survey extract of the day (same delivery, new bytes): two new responses, not five.
    _deliver(settings, "langsa", "survey_responses", DAY_1, _langsa_survey(settings, new=2, score="2"))
    assert [m.split(":")[0] for m in _loaded(settings, "langsa")] == [f"survey_responses/{DAY_1}"]
    _build(settings)

    # 5. Medan withdraws its training delta of the day (sent in error).
    with connect(settings=settings) as connection:
        withdraw_delivery(connection, f"medan/training/{DAY_1}", "sent in error")
    _build(settings)

    # 6. Langsa's personnel two days on: promotions, a transfer back.
    _langsa_day_2(settings)
    assert len(_loaded(settings, "langsa")) == 1
    _build(settings)
    assert langsa_nips  # the first day's people: recomputed then, compared now with the rest
    _assert_equals_full_refresh(settings, tmp_path / "at-the-end", monkeypatch)
