import csv
import gzip
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from asn_platform.generator.defects import (
    DEFECT_KINDS,
    EXTRA_FIELD,
    FILE_DEFECTS,
    ROW_DEFECTS,
    DefectRates,
    InjectedDefect,
    damage_file,
    header_defect,
    inject_row_defects,
)
from asn_platform.generator.personnel import Unit, generate_personnel
from asn_platform.generator.profiles import LANGSA, SOFIFI, SORONG, RegionProfile
from asn_platform.generator.service_quality import UnitProfile, generate_complaints, generate_surveys, services
from asn_platform.generator.training import generate_training
from asn_platform.generator.writers import write_extract

AS_OF = date(2026, 11, 1)
DATASETS = ("personnel", "training", "survey_responses", "complaints")
# The row kinds that apply to each dataset (the others need a column the dataset does not have).
APPLICABLE = {
    "personnel": {"duplicate_row", "unit_name_variant", "invalid_nip_length", "invalid_nip_date",
                  "invalid_nip_gender", "future_date", "missing_required"},
    "training": {"duplicate_row", "end_before_start", "jp_as_text", "future_date", "missing_required"},
    "survey_responses": {"duplicate_row", "score_out_of_range", "future_date", "missing_required"},
    "complaints": {"duplicate_row", "future_date", "missing_required"},
}  # fmt: skip
EVERY_ROW_KIND = DefectRates(dict.fromkeys(ROW_DEFECTS, 0.03))


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    """Small frames built the way sample.py builds a region's (Kota Langsa's units and names)."""
    units = [Unit(*unit) for unit in LANGSA.units]
    male, female = LANGSA.given_names
    people = generate_personnel(np.random.default_rng(11), 400, units, AS_OF, (male, female, LANGSA.family_names))
    training = generate_training(
        np.random.default_rng(12),
        nips=people["nip"].to_numpy(),
        sectors=people["unit_sector"].to_numpy(),
        appointed=people["appointed"].to_numpy(),
        years=(2026,),
        as_of=AS_OF,
    )
    rng = np.random.default_rng(13)
    profiles = [UnitProfile(unit.code, unit.sector, 0.5, 0.7) for unit in units]
    surveys = generate_surveys(
        rng, units=profiles, service_list=services(rng, profiles), first=date(2026, 8, 1), as_of=AS_OF,
        id_prefix="LGS-SKM-",
    )  # fmt: skip
    complaints = generate_complaints(rng, units=profiles, first=date(2026, 1, 1), as_of=AS_OF, id_prefix="LGS-ADU-")
    complaints = complaints.rename(columns={"status": "complaint_status"})
    return {"personnel": people, "training": training, "survey_responses": surveys, "complaints": complaints}


def _inject(frame: pd.DataFrame, dataset: str, seed: int = 1, rates: DefectRates = EVERY_ROW_KIND):
    return inject_row_defects(frame, dataset, np.random.default_rng(seed), rates, as_of=AS_OF)


def _column(dataset: str, field: str) -> str:
    return "complaint_status" if (dataset, field) == ("complaints", "status") else field


def _shows(value: object, text: str | None) -> bool:
    """Does a frame value show as the record's text?"""
    if text is None:
        return bool(pd.isna(value))
    if isinstance(value, pd.Timestamp):
        return value == pd.Timestamp(text)
    return str(value) == text


def _source_rows(out: pd.DataFrame, records: list[InjectedDefect]) -> np.ndarray:
    """For every returned row, the input row it came from (a duplicate's copy: its original)."""
    is_copy = np.zeros(len(out), dtype=bool)
    is_copy[[r.row for r in records if r.kind == "duplicate_row"]] = True
    return np.cumsum(~is_copy) - 1


def _as_text(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(value) else str(value) for value in values.astype(object)]


def test_kinds_are_listed_once() -> None:
    assert DEFECT_KINDS == ROW_DEFECTS + FILE_DEFECTS
    assert len(set(DEFECT_KINDS)) == len(DEFECT_KINDS)
    assert {"renamed_column", "extra_column", "truncated_file", "empty_file", "wrong_encoding"} == set(FILE_DEFECTS)


@pytest.mark.parametrize("dataset", DATASETS)
def test_same_seed_same_frame_and_records(frames: dict[str, pd.DataFrame], dataset: str) -> None:
    first, first_records = _inject(frames[dataset], dataset, seed=4)
    second, second_records = _inject(frames[dataset], dataset, seed=4)
    _, other_records = _inject(frames[dataset], dataset, seed=5)
    pd.testing.assert_frame_equal(first, second)
    assert first_records == second_records
    assert first_records != other_records


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_applicable_kind_is_injected_at_its_rate(frames: dict[str, pd.DataFrame], dataset: str) -> None:
    frame = frames[dataset]
    _, records = _inject(frame, dataset)
    assert {r.kind for r in records} == APPLICABLE[dataset]
    assert all(r.dataset == dataset for r in records)
    # Every row is eligible for a duplicate, and duplicates are chosen first: exactly the rate's share.
    assert sum(r.kind == "duplicate_row" for r in records) == max(1, round(0.03 * len(frame)))
    # Realistic rates are small, but still hit every applicable kind at least once.
    _, realistic = _inject(frame, dataset, rates=DefectRates.realistic())
    assert {r.kind for r in realistic} == APPLICABLE[dataset]
    assert len(realistic) < 0.05 * len(frame) + len(APPLICABLE[dataset])


@pytest.mark.parametrize("dataset", DATASETS)
def test_records_point_at_the_rows_that_changed(frames: dict[str, pd.DataFrame], dataset: str) -> None:
    frame = frames[dataset]
    before = {column: _as_text(frame[column]) for column in frame.columns}
    out, records = _inject(frame, dataset)
    copies = {r.row for r in records if r.kind == "duplicate_row"}
    assert len(out) == len(frame) + len(copies)
    source = _source_rows(out, records)
    for record in records:
        if record.kind == "duplicate_row":
            assert record.column is None
            pd.testing.assert_series_equal(out.iloc[record.row], out.iloc[record.row - 1], check_names=False)
            assert _as_text(out.iloc[record.row]) == [before[c][source[record.row]] for c in frame.columns]
            continue
        column = _column(dataset, record.column)
        assert _shows(out[column].iloc[record.row], record.injected), record
        assert _shows(frame[column].iloc[source[record.row]], record.original), record
        assert record.original != record.injected
    # Nothing else changed: every differing cell is in a row a record names.
    kept = out.drop(index=sorted(copies)).reset_index(drop=True)
    changed_rows = {int(source[r.row]) for r in records if r.kind != "duplicate_row"}
    for column in frame.columns:
        differs = {i for i, (a, b) in enumerate(zip(before[column], _as_text(kept[column]), strict=True)) if a != b}
        assert differs <= changed_rows, column


@pytest.mark.parametrize("dataset", DATASETS)
def test_no_row_holds_two_defects(frames: dict[str, pd.DataFrame], dataset: str) -> None:
    _, records = _inject(frames[dataset], dataset, rates=DefectRates(dict.fromkeys(ROW_DEFECTS, 0.2)))
    rows = [r.row for r in records]
    assert len(rows) == len(set(rows))
    originals = {r.row - 1 for r in records if r.kind == "duplicate_row"}
    assert not originals & set(rows)


def test_defects_are_what_their_kind_says(frames: dict[str, pd.DataFrame]) -> None:
    for dataset in DATASETS:
        out, records = _inject(frames[dataset], dataset, seed=9)
        for record in records:
            after = record.injected
            if record.kind == "invalid_nip_length":
                assert after is not None
                assert len(after) in {17, 19}
            elif record.kind == "invalid_nip_date":
                assert after is not None
                assert len(after) == 18
                month, day, tmt_month = int(after[4:6]), int(after[6:8]), int(after[12:14])
                assert not (1 <= month <= 12 and 1 <= day <= 31 and 1 <= tmt_month <= 12)
            elif record.kind == "invalid_nip_gender":
                assert after is not None
                assert after[14] not in "12"
                assert len(after) == 18
            elif record.kind == "unit_name_variant":
                assert after is not None
                assert after != record.original
                assert " ".join(after.split()).lower() == record.original.lower()
            elif record.kind == "score_out_of_range":
                assert record.column.startswith("score_")
                assert after in {"0", "5", None}
            elif record.kind == "end_before_start":
                assert out["end_date"].iloc[record.row] < out["start_date"].iloc[record.row]
            elif record.kind == "jp_as_text":
                assert after == f"{record.original} JP"
            elif record.kind == "future_date":
                assert pd.Timestamp(after) > pd.Timestamp(AS_OF)
            elif record.kind == "missing_required":
                assert after is None
                assert record.original is not None


def test_dtypes_stay_writable_and_untouched_columns_keep_theirs(frames: dict[str, pd.DataFrame]) -> None:
    blank_scores = DefectRates({"score_out_of_range": 0.2, "missing_required": 0.2})
    surveys, records = _inject(frames["survey_responses"], "survey_responses", rates=blank_scores)
    assert any(r.kind == "score_out_of_range" and r.injected is None for r in records)
    touched = {r.column for r in records}
    for column, dtype in frames["survey_responses"].dtypes.items():
        if column.startswith("score_") and column in touched:
            assert surveys[column].dtype == "Int64"  # a blank prints as '', not 4.0
        elif column not in touched:
            assert surveys[column].dtype == dtype, column
    assert pd.api.types.is_datetime64_any_dtype(surveys["response_date"])

    training, _ = _inject(frames["training"], "training", rates=DefectRates({"jp_as_text": 0.1}))
    assert training["jp"].dtype == object
    assert (training.dtypes.drop("jp") == frames["training"].dtypes.drop("jp")).all()
    moved, _ = _inject(frames["complaints"], "complaints", rates=DefectRates({"future_date": 0.2}))
    assert (moved.dtypes == frames["complaints"].dtypes).all()


def test_input_is_untouched(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["training"]
    copy = frame.copy()
    out, _ = _inject(frame, "training")
    pd.testing.assert_frame_equal(frame, copy)
    assert out is not frame


@pytest.mark.parametrize("dataset", DATASETS)
def test_no_rates_change_nothing(frames: dict[str, pd.DataFrame], dataset: str) -> None:
    out, records = _inject(frames[dataset], dataset, rates=DefectRates.none())
    assert records == []
    pd.testing.assert_frame_equal(out, frames[dataset].reset_index(drop=True))


def test_record_row_is_the_file_line_the_writer_puts_it_on(frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    out, records = _inject(frames["training"], "training")
    path = tmp_path / "2026-11-01" / "diklat.csv"
    writer = write_extract(out, LANGSA, "training", path)
    lines = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    header = lines[0]
    headers = {field: header for header, field in LANGSA.columns["training"].items()}
    for record in records:
        line = lines[record.row + writer.first_record_position - 1]
        if record.kind == "duplicate_row":
            assert line == lines[record.row + writer.first_record_position - 2]
        elif record.column in {"jp", "end_date", "start_date"}:
            assert line[header.index(headers[record.column])] == (record.injected or "")


def test_parse() -> None:
    assert DefectRates.parse("none") == DefectRates.none()
    assert DefectRates.parse(" realistic ") == DefectRates.realistic()
    rates = DefectRates.parse("duplicate_row=0.01, jp_as_text=0.002,truncated_file=1")
    assert rates.rate("duplicate_row") == 0.01
    assert rates.rate("truncated_file") == 1
    assert rates.rate("empty_file") == 0
    assert DefectRates.parse(str(rates)) == rates
    assert DefectRates.parse(str(DefectRates.realistic())) == DefectRates.realistic()
    realistic = DefectRates.realistic()
    assert all(0 < realistic.rate(kind) <= 0.01 for kind in ROW_DEFECTS)
    assert all(realistic.rate(kind) == 1 for kind in FILE_DEFECTS)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("duplicate_row=0.01,bogus_kind=0.1", "bogus_kind"),
        ("jp_as_text=lots", "lots"),
        ("jp_as_text=nan", "nan"),
        ("duplicate_row=1.5", "duplicate_row"),
        ("truncated_file=0.5", "truncated_file"),
        ("duplicate_row", "duplicate_row"),
        ("duplicate_row=0.1,duplicate_row=0.2", "duplicate_row"),
    ],
)
def test_parse_errors_name_the_bad_token(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        DefectRates.parse(text)


def test_rates_are_read_only() -> None:
    rates = DefectRates.parse("duplicate_row=0.1")
    with pytest.raises(TypeError):
        rates.rates["duplicate_row"] = 0.5  # type: ignore[index]
    assert hash(rates) == hash(DefectRates.parse("duplicate_row=0.1"))


@pytest.fixture(scope="module")
def delivered(frames: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real small delivery files: Langsa's UTF-8 CSV (also gzipped), Sorong's cp1252 CSV, Sofifi's workbook."""
    folder = tmp_path_factory.mktemp("delivered") / "2026-11-01"
    people = frames["personnel"]
    files = {
        "utf8": write_extract(people, LANGSA, "personnel", folder / "pegawai.csv").path,
        "cp1252": write_extract(people, SORONG, "personnel", folder / "SIMPEG.csv").path,
        "xlsx": write_extract(people, SOFIFI, "personnel", folder / "pegawai.xlsx").path,
    }
    files["gz"] = folder / "pegawai.csv.gz"
    files["gz"].write_bytes(gzip.compress(files["utf8"].read_bytes(), mtime=0))
    return files


def _copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    target.write_bytes(source.read_bytes())
    return target


@pytest.mark.parametrize(("file", "encoding", "delimiter"), [("utf8", "utf-8", ","), ("cp1252", "cp1252", ";")])
def test_truncated_csv_ends_inside_a_short_record(
    delivered: dict[str, Path], tmp_path: Path, file: str, encoding: str, delimiter: str
) -> None:
    path = _copy(delivered[file], tmp_path)
    size = path.stat().st_size
    detail = damage_file(path, "truncated_file", np.random.default_rng(2), encoding=encoding)
    data = path.read_bytes()
    assert size * 0.6 < len(data) < size
    assert not data.endswith((b"\n", b"\r"))
    assert f"of {size}" in detail
    rows = list(csv.reader(data.decode(encoding).splitlines(), delimiter=delimiter))
    assert len(rows[-1]) < len(rows[0])  # the cut record lost fields: a strict reader rejects it
    assert f"inside line {len(rows)}" in detail


def test_truncation_is_deterministic(delivered: dict[str, Path], tmp_path: Path) -> None:
    first, second = _copy(delivered["utf8"], tmp_path / "a"), _copy(delivered["utf8"], tmp_path / "b")
    for path in (first, second):
        damage_file(path, "truncated_file", np.random.default_rng(6), encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()


def test_truncated_gzip_does_not_decompress(delivered: dict[str, Path], tmp_path: Path) -> None:
    path = _copy(delivered["gz"], tmp_path)
    size = path.stat().st_size
    damage_file(path, "truncated_file", np.random.default_rng(3), encoding="utf-8")
    assert path.stat().st_size < size
    with pytest.raises((EOFError, gzip.BadGzipFile)):
        gzip.decompress(path.read_bytes())


def test_truncated_workbook_is_cut(delivered: dict[str, Path], tmp_path: Path) -> None:
    path = _copy(delivered["xlsx"], tmp_path)
    size = path.stat().st_size
    damage_file(path, "truncated_file", np.random.default_rng(3), encoding="utf-8")
    assert size * 0.6 < path.stat().st_size < size


@pytest.mark.parametrize("file", ["utf8", "gz", "xlsx"])
def test_empty_file_has_no_bytes(delivered: dict[str, Path], tmp_path: Path, file: str) -> None:
    path = _copy(delivered[file], tmp_path)
    damage_file(path, "empty_file", np.random.default_rng(0), encoding="utf-8")
    assert path.stat().st_size == 0


def test_wrong_encoding_utf8_file_no_longer_decodes(delivered: dict[str, Path], tmp_path: Path) -> None:
    path = _copy(delivered["utf8"], tmp_path)
    detail = damage_file(path, "wrong_encoding", np.random.default_rng(4), encoding="utf-8")
    assert "cp1252" in detail
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    original = delivered["utf8"].read_text(encoding="utf-8")
    rewritten = data.decode("cp1252")
    assert rewritten.count("\n") == original.count("\n")
    assert rewritten.splitlines()[0] == original.splitlines()[0]  # header untouched: the failure is the encoding
    assert sum(a != b for a, b in zip(rewritten, original, strict=True)) == 1  # one 'e' became 'é'


def test_wrong_encoding_gzip_is_recompressed(delivered: dict[str, Path], tmp_path: Path) -> None:
    path = _copy(delivered["gz"], tmp_path)
    damage_file(path, "wrong_encoding", np.random.default_rng(4), encoding="utf-8")
    with pytest.raises(UnicodeDecodeError):
        gzip.decompress(path.read_bytes()).decode("utf-8")


def test_wrong_encoding_cp1252_file_becomes_utf16(delivered: dict[str, Path], tmp_path: Path) -> None:
    path = _copy(delivered["cp1252"], tmp_path)
    damage_file(path, "wrong_encoding", np.random.default_rng(4), encoding="cp1252")
    data = path.read_bytes()
    assert data.startswith(b"\xff\xfe")  # UTF-16 BOM: read as cp1252 the header no longer matches
    assert data.decode("utf-16") == delivered["cp1252"].read_bytes().decode("cp1252")


def test_file_defects_that_do_not_apply_are_refused(delivered: dict[str, Path], tmp_path: Path) -> None:
    path = _copy(delivered["xlsx"], tmp_path)
    with pytest.raises(ValueError, match="not applicable"):
        damage_file(path, "wrong_encoding", np.random.default_rng(0), encoding="utf-8")
    for kind in ("renamed_column", "duplicate_row", "nonsense"):
        with pytest.raises(ValueError, match=kind):
            damage_file(path, kind, np.random.default_rng(0), encoding="utf-8")


@pytest.mark.parametrize("profile", [LANGSA, SORONG, SOFIFI], ids=lambda profile: profile.region)
def test_renamed_column_keeps_fields_and_changes_one_header(profile: RegionProfile) -> None:
    columns = profile.columns["personnel"]
    renamed, detail = header_defect(columns, "renamed_column", np.random.default_rng(1))
    assert list(renamed.values()) == list(columns.values())
    changed = [(old, new) for old, new in zip(columns, renamed, strict=True) if old != new]
    assert len(changed) == 1
    old, new = changed[0]
    assert old.lower().replace(" ", "") != new.lower().replace(" ", "")
    assert repr(old) in detail
    assert repr(new) in detail
    assert header_defect(columns, "renamed_column", np.random.default_rng(1)) == (renamed, detail)


def test_extra_column_maps_a_new_header_to_the_extra_field() -> None:
    columns = SORONG.columns["training"]
    extended, detail = header_defect(columns, "extra_column", np.random.default_rng(2))
    assert len(extended) == len(columns) + 1
    (extra,) = set(extended) - set(columns)
    assert extended[extra] == EXTRA_FIELD
    assert {h: f for h, f in extended.items() if h != extra} == dict(columns)
    assert repr(extra) in detail
    with pytest.raises(ValueError, match="header defect"):
        header_defect(columns, "truncated_file", np.random.default_rng(2))
