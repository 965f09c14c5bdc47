import gzip
import hashlib
import io
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from asn_platform.core.contract import REGIONAL_DATASETS
from asn_platform.generator.national import (
    LARGEST_REGION,
    NATIONAL_HEADCOUNT,
    NATIONAL_REGIONS,
    SMALLEST_REGION,
    NationalSummary,
    generate_national,
    plan_regions,
)
from asn_platform.generator.profiles import BANJARBARU, LANGSA, MEDAN, SAMPLE_PROFILES, SOFIFI, SORONG, RegionProfile
from asn_platform.generator.writers import open_extract, write_extract

# National-scale generation, at small scale but through the worker pool (left out of make test-fast).
pytestmark = pytest.mark.slow

SCALE = 0.002  # five regions, 11,200 ASN, about 80,000 rows


def test_national_plan_has_500_regions_of_5_6_million_asn_in_every_profile_style() -> None:
    regions = plan_regions(seed=1, scale=1.0)
    sizes = [region.profile.headcount for region in regions]
    assert len(regions) == NATIONAL_REGIONS
    assert sum(sizes) == NATIONAL_HEADCOUNT
    assert min(sizes) >= SMALLEST_REGION
    assert max(sizes) <= LARGEST_REGION
    assert 8_000 < float(np.median(sizes)) < 12_000  # most regional governments are small
    assert [region.base for region in regions[:5]] == [profile.region for profile in SAMPLE_PROFILES]
    counts = Counter(region.base for region in regions)
    assert counts["sofifi"] == min(counts.values())  # workbooks are the rarest
    assert len({region.region for region in regions}) == len({region.profile.prefix for region in regions}) == 500
    assert regions[16].region == f"{regions[16].base}_017"
    assert plan_regions(seed=1, scale=1.0) == regions
    assert plan_regions(seed=2, scale=1.0) != regions


def test_a_small_scale_keeps_one_region_per_profile() -> None:
    regions = plan_regions(seed=1, scale=SCALE)
    assert sorted(region.base for region in regions) == sorted(profile.region for profile in SAMPLE_PROFILES)
    assert sum(region.profile.headcount for region in regions) == round(NATIONAL_HEADCOUNT * SCALE)
    assert len(plan_regions(seed=1, scale=0.1)) == 50
    with pytest.raises(ValueError, match="scale"):
        plan_regions(seed=1, scale=0)


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, NationalSummary, Path, NationalSummary]:
    """The same seed generated twice, by two workers and by one."""
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    messages: list[str] = []
    one = generate_national(
        first / "landing", 5, scale=SCALE, api_dir=first / "api", progress=messages.append, workers=2
    )
    two = generate_national(second / "landing", 5, scale=SCALE, api_dir=second / "api", workers=1)
    assert len(messages) == one.regions
    return first, one, second, two


def _files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_the_same_bytes_whatever_the_workers(national: tuple) -> None:
    first, one, second, two = national
    assert _files(first) == _files(second)
    assert (one.rows, one.files, one.bytes_written) == (two.rows, two.files, two.bytes_written)
    assert (one.workers, two.workers) == (2, 1)


def test_summary_matches_the_files(national: tuple) -> None:
    root, summary, _, _ = national
    files = [path for path in root.rglob("*") if path.is_file()]
    assert summary.regions == 5
    assert summary.regions_per_profile == dict.fromkeys(sorted(p.region for p in SAMPLE_PROFILES), 1)
    assert summary.headcount == 11_200
    assert summary.files == len(files)
    assert summary.bytes_written == sum(path.stat().st_size for path in files)
    assert list(summary.rows) == list(REGIONAL_DATASETS)
    assert summary.rows["personnel"] >= summary.headcount  # Medan's deltas repeat the people who changed
    assert 4.5 < summary.rows["training"] / summary.headcount < 5.5  # one year, about 5 trainings per ASN
    assert 0.5 < summary.rows["survey_responses"] / (5_000_000 * SCALE) < 2
    assert summary.total_rows == sum(summary.rows.values())
    assert summary.rows_per_second > 0
    assert 0 < summary.worker_peak_rss_mb < 4_000


def _records(path: Path, profile: RegionProfile) -> int:
    """Records in a delivered file, read the way its format is read."""
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if json.loads(line))
    if path.suffix == ".xlsx":
        import fastexcel

        sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=3, dtypes="string")
        return sheet.height - 1  # the JUMLAH totals row
    style = profile.style
    text = (gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()).decode(style.encoding)
    return len(pd.read_csv(io.StringIO(text, newline=""), sep=style.delimiter, dtype=str, keep_default_na=False))


def test_every_profile_style_is_written_and_reads_back(national: tuple) -> None:
    root, summary, _, _ = national
    by_region = {region.region: region for region in plan_regions(seed=5, scale=SCALE)}
    rows: Counter[str] = Counter()
    suffixes: Counter[str] = Counter()
    for path in sorted(root.rglob("*.*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).parts
        region = by_region[relative[1]]
        dataset = relative[2] if relative[0] == "landing" else path.stem
        profile = region.profile
        if dataset in ("units", "services"):
            profile = LANGSA  # the platform's template: UTF-8 CSV
        rows[dataset] += _records(path, profile)
        suffixes[path.name.split(".", 1)[1]] += 1
    assert dict(rows) == summary.rows
    assert set(suffixes) == {"csv", "csv.gz", "jsonl", "xlsx"}
    # Banjarbaru-style regions serve survey responses and complaints from the API's store.
    assert sorted(path.name for path in (root / "api").rglob("*.jsonl")) == [
        "complaints.jsonl",
        "survey_responses.jsonl",
    ]
    # Medan-style regions: a full extract, then three daily deltas.
    medan = next(name for name, region in by_region.items() if region.base == "medan")
    assert len(list((root / "landing" / medan / "personnel").iterdir())) == 1 + MEDAN.delta_days


def test_workbook_cells_are_typed(national: tuple) -> None:
    import duckdb
    import fastexcel

    root, _, _, _ = national
    (path,) = (root / "landing").glob("sofifi_*/personnel/*/*.xlsx")
    with duckdb.connect() as connection:
        connection.register("sheet", fastexcel.read_excel(str(path)).load_sheet(0, header_row=3, n_rows=5))
        frame = connection.sql("SELECT * FROM sheet").df()
    assert list(frame.columns[:3]) == ["NIP", "Nama", "Tanggal Lahir"]
    assert pd.api.types.is_datetime64_any_dtype(frame["Tanggal Lahir"])


def test_without_an_api_store_api_datasets_land_where_a_fetch_puts_them(tmp_path: Path) -> None:
    summary = generate_national(tmp_path, 3, scale=SCALE, workers=1)
    (banjarbaru,) = tmp_path.glob("banjarbaru_*")
    as_of = "2026-11-01"
    for dataset in ("survey_responses", "complaints"):
        assert (banjarbaru / dataset / as_of / f"{dataset}_20261101.jsonl").is_file()
    assert summary.files == sum(1 for path in tmp_path.rglob("*") if path.is_file())


# The writers, at the edges national volume reaches.

_AWKWARD = ["plain", 'say "hi"', "a,b", "a;b", "a|b", "two\nlines", "cr\rhere", "", " padded ", None, "Ünïcødé & <x>"]


def _awkward_frame(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    text = np.array(_AWKWARD, dtype=object)[rng.integers(0, len(_AWKWARD), rows)]
    mixed = np.array([24, "24 JP", None, 8.5, True], dtype=object)[rng.integers(0, 5, rows)]
    day = np.datetime64("2025-01-01") + rng.integers(0, 700, rows).astype("timedelta64[D]")
    moment = day.astype("datetime64[s]") + rng.integers(0, 86_400, rows).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "suggestion": text,
            "jp": rng.integers(1, 300, rows),
            "score_waktu": np.where(rng.random(rows) < 0.2, np.nan, rng.integers(1, 5, rows).astype(float)),
            "course_title": mixed,
            "oap_status": pd.array(np.where(rng.random(rows) < 0.2, None, rng.random(rows) < 0.5), dtype="boolean"),
            "provider": rng.random(rows) < 0.5,
            "start_date": pd.Series(day).mask(rng.random(rows) < 0.2),
            "received_at": pd.Series(moment).mask(rng.random(rows) < 0.2),
        }
    )


@pytest.mark.parametrize("profile", [LANGSA, SORONG, MEDAN], ids=lambda profile: profile.region)
def test_csv_writer_writes_what_pandas_to_csv_writes(tmp_path: Path, profile: RegionProfile) -> None:
    frame = _awkward_frame()
    columns = {f"kolom {field}": field for field in frame.columns if field not in profile.values}
    path = tmp_path / ("extract.csv.gz" if profile.style.gzip else "extract.csv")
    with open_extract(path, profile, "training", columns) as writer:
        writer.write(frame.iloc[:15])
        writer.write(frame.iloc[15:15])  # an empty chunk adds nothing, not even a second header
        writer.write(frame.iloc[15:])
    style = profile.style
    expected = frame[list(columns.values())].set_axis(list(columns), axis=1)
    expected["kolom start_date"] = expected["kolom start_date"].dt.strftime(style.date_format)
    expected["kolom received_at"] = expected["kolom received_at"].dt.strftime(style.datetime_format)
    text = expected.to_csv(index=False, sep=style.delimiter, lineterminator=style.line_end)
    written = gzip.decompress(path.read_bytes()) if style.gzip else path.read_bytes()
    assert written == text.encode(style.encoding)


def _shown(value: object) -> object:
    """How a mixed cell reads back as text: a number by its value, anything else as written."""
    if value is None or isinstance(value, (bool, str)):
        return None if value is None else str(value)
    return f"{value:g}"


def _texts(values: pd.Series) -> list[object]:
    return [None if pd.isna(value) else value for value in values]


def test_workbook_writer_reads_back_with_the_values_and_types_written(tmp_path: Path) -> None:
    import duckdb
    import fastexcel

    frame = _awkward_frame()
    frame["suggestion"] = frame["suggestion"].str.replace("\r", " ")  # XML reads a carriage return as a line feed
    columns = {f"Kolom {field}": field for field in frame.columns}
    path = tmp_path / "2026-11-01" / "extract.xlsx"
    with open_extract(path, SOFIFI, "training", columns) as writer:
        writer.write(frame.iloc[:25])
        writer.write(frame.iloc[25:])
    workbook = fastexcel.read_excel(str(path))
    assert workbook.sheet_names == [SOFIFI.style.sheets["training"]]
    with duckdb.connect() as connection:
        connection.register("raw", workbook.load_sheet(0, header_row=None, dtypes="string"))
        raw = connection.sql("SELECT * FROM raw").df()
        connection.register("typed", workbook.load_sheet(0, header_row=3, n_rows=len(frame)))
        typed = connection.sql("SELECT * FROM typed").df()
    assert raw.iloc[0, 0] == SOFIFI.style.title
    assert raw.iloc[1, 0] == "TRAINING — keadaan per 2026-11-01"
    assert list(raw.iloc[3]) == list(columns)
    assert list(raw.iloc[-1, :2]) == ["JUMLAH", str(len(frame))]
    assert len(raw) == 4 + len(frame) + 1
    body = raw.iloc[4:-1].reset_index(drop=True)
    assert _texts(body.iloc[:, 0]) == _texts(frame["suggestion"])  # escapes, edge spaces, line breaks
    assert _texts(body.iloc[:, 3]) == [_shown(v) for v in frame["course_title"]]  # "24 JP" among numbers
    assert body.iloc[:, 5].tolist() == [str(v) for v in frame["provider"]]  # booleans as text, as before
    assert typed["Kolom jp"].tolist() == frame["jp"].astype(float).tolist()  # number cells
    for field in ("start_date", "received_at"):  # Excel dates: typed, and the same moments
        assert pd.api.types.is_datetime64_any_dtype(typed[f"Kolom {field}"])
        read = typed[f"Kolom {field}"].dt.round("s").astype("datetime64[s]")
        pd.testing.assert_series_equal(read, frame[field].astype("datetime64[s]"), check_names=False)


def test_workbook_bytes_depend_only_on_the_data(tmp_path: Path) -> None:
    frame = _awkward_frame()
    first = write_extract(frame, SOFIFI, "training", tmp_path / "a" / "2026-11-01" / "x.xlsx", {"A": "jp"}).path
    second = write_extract(frame, SOFIFI, "training", tmp_path / "b" / "2026-11-01" / "x.xlsx", {"A": "jp"}).path
    assert first.read_bytes() == second.read_bytes()


def test_date_serials_are_excels(tmp_path: Path) -> None:
    import duckdb
    import fastexcel

    days = pd.DataFrame({"start_date": pd.to_datetime(["1900-03-01", "1999-12-31", "2026-11-01"])})
    path = write_extract(days, SOFIFI, "training", tmp_path / "2026-11-01" / "d.xlsx", {"Tanggal": "start_date"}).path
    sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=3, n_rows=3, dtypes="string")
    with duckdb.connect() as connection:
        connection.register("sheet", sheet)
        read = [row[0][:10] for row in connection.sql("SELECT * FROM sheet").fetchall()]
    assert read == ["1900-03-01", "1999-12-31", "2026-11-01"]


def test_json_lines_keep_numbers_and_text_of_a_mixed_column(tmp_path: Path) -> None:
    # Mostly numbers, the odd "24 JP" deep inside: typing the column from a sample of rows would fail or quote all.
    jp = np.array([8] * 3_000 + ["24 JP", None, 16.0, 2.5], dtype=object)
    frame = pd.DataFrame({"jp": jp, "course_code": [f"K{i}" for i in range(len(jp))]})
    columns = {"jp": "jp", "kode": "course_code"}
    path = write_extract(frame, BANJARBARU, "training", tmp_path / "diklat.jsonl", columns).path
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [record["jp"] for record in records[-5:]] == [8, "24 JP", None, 16, 2.5]
    assert records[0] == {"jp": 8, "kode": "K0"}
