"""Data Docs and the report index, built from what the real runner recorded in a small warehouse, read offline."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.quality import load_suite, validate_table
from asn_platform.reports.assets import vendor_dir
from asn_platform.reports.data_docs import build, build_data_docs
from asn_platform.reports.dq_results import RUNS_KEPT, DataDocsError
from asn_platform.reports.site import write_index

CHROMIUM = Path("/usr/bin/chromium")

FAILING = """
suite: marts.people
table: main.people
key_columns: [id]
expectations:
  - type: expect_table_row_count_to_be_between
    kwargs: {min_value: 1}
  - type: expect_table_columns_to_match_set
    kwargs: {column_set: [id, nip, gender, unit]}
  - type: expect_column_values_to_be_in_set
    kwargs: {column: gender, value_set: [M, F]}
  - type: expect_column_values_to_match_regex
    kwargs: {column: nip, regex: "^[0-9]{18}$"}
  - type: expect_compound_columns_to_be_unique
    kwargs: {column_list: [nip, unit]}
  - type: expect_column_values_to_not_be_null
    kwargs: {column: unit, mostly: 0.99}
    severity: warning
"""
PASSING = """
suite: marts.units
table: main.units
key_columns: [unit]
expectations:
  - type: expect_column_values_to_be_unique
    kwargs: {column: unit}
  - type: expect_column_values_to_not_be_null
    kwargs: {column: unit}
"""
DELIVERY = """
suite: delivery.personnel
key_columns: [nip]
expectations:
  - type: expect_column_values_to_be_in_set
    kwargs: {column: gender, value_set: [M, F]}
"""
SOURCE_FILE = "langsa/personnel/2026-11-01/pegawai_20261101.csv"


@pytest.fixture
def docs_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The isolated settings, the reports folder under them too (conftest leaves ASN_REPORTS_DIR as it finds it)."""
    from conftest import isolated_settings

    monkeypatch.delenv("ASN_REPORTS_DIR", raising=False)
    return isolated_settings(tmp_path / "root", monkeypatch)


def _suite(tmp_path: Path, name: str, text: str):
    path = tmp_path / "suites" / f"{name}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return load_suite(path)


@pytest.fixture
def recorded(docs_settings: Settings, tmp_path: Path) -> Settings:
    """A warehouse where the runner recorded a failing mart run (a bad gender, bad NIPs, a duplicate, missing
    units), a passing one, and a delivery run whose load audit names its source file."""
    with connect(settings=docs_settings) as connection:
        connection.execute(
            """CREATE TABLE people AS
               SELECT i AS id,
                      CASE WHEN i = 10 THEN '12x' WHEN i = 11 THEN '34y' WHEN i IN (31, 32) THEN lpad('30', 18, '0')
                           ELSE lpad(i::VARCHAR, 18, '0') END AS nip,
                      CASE WHEN i = 20 THEN 'Q' WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS gender,
                      CASE WHEN i % 10 = 0 THEN NULL ELSE 'U1' END AS unit
               FROM range(1, 201) AS t(i)"""
        )
        connection.execute("CREATE TABLE units AS SELECT 'U' || i AS unit FROM range(1, 6) AS t(i)")
        connection.execute("CREATE SCHEMA ingest_work")
        connection.execute("CREATE TABLE ingest_work.langsa_personnel AS SELECT nip, gender FROM people")
        connection.execute("CREATE SCHEMA raw")
        connection.execute(
            """CREATE TABLE raw.load_audit (load_id VARCHAR PRIMARY KEY, region VARCHAR, dataset VARCHAR,
                                            delivery_date DATE, source_file VARCHAR)"""
        )
        connection.execute(
            "INSERT INTO raw.load_audit VALUES ('load-1', 'langsa', 'personnel', DATE '2026-11-01', ?)", [SOURCE_FILE]
        )
        failing = validate_table(
            connection, "main.people", _suite(tmp_path, "people", FAILING), settings=docs_settings, stage="marts"
        )
        assert not failing.success
        assert validate_table(
            connection, "main.units", _suite(tmp_path, "units", PASSING), settings=docs_settings, stage="marts"
        ).success
        validate_table(
            connection,
            "ingest_work.langsa_personnel",
            _suite(tmp_path, "personnel", DELIVERY),
            settings=docs_settings,
            stage="delivery",
            run_id="load-1",
        )
    return docs_settings


_REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']|url\(\s*["']?([^"')]*)["']?\s*\)""", re.IGNORECASE)


def _references(page: Path) -> list[str]:
    return [a if a is not None else b for a, b in _REFERENCE.findall(page.read_text(encoding="utf-8"))]


def _validation_pages(settings: Settings) -> list[Path]:
    return sorted((settings.data_docs_dir / "validations").rglob("*.html"))


def _page_of(settings: Settings, suite_folder: str) -> Path:
    (page,) = [page for page in _validation_pages(settings) if f"/{suite_folder}/" in page.as_posix()]
    return page


def test_data_docs_show_every_run_with_its_failing_values_and_load_nothing_remote(recorded: Settings) -> None:
    built = build(recorded)
    assert built.index == recorded.data_docs_dir / "index.html"
    assert built.index.is_file()
    # One validation page per recorded run: two mart runs and one delivery.
    assert len(_validation_pages(recorded)) == built.validation_pages == 3

    people = _page_of(recorded, "marts/people").read_text(encoding="utf-8")
    assert "expect_column_values_to_be_in_set" in people
    assert "expect_column_values_to_match_regex" in people
    assert ">Q<" in people  # a failing value
    # NIPs are direct identifiers: a failing one, and the NIP naming a row with another failing value, are masked
    # (people who may not see personal data read these pages).
    for nip in ("12x", "34y", "000000000000000030", "000000000000000020"):
        assert nip not in people
    assert ">(masked)<" in people
    assert "missing: none; unexpected: none" in people  # the column set matched
    # the Severity column
    assert ">warning<" in people
    assert ">error<" in people

    # A delivery is shown by its source file, not by the scratch table it was validated in.
    delivery = _page_of(recorded, "delivery/personnel")
    assert SOURCE_FILE in delivery.read_text(encoding="utf-8")
    assert delivery.name == SOURCE_FILE.replace("/", "__") + ".html"

    pages = sorted(recorded.data_docs_dir.rglob("*.html"))
    assert len(pages) >= 6  # the index, two suite pages (marts, delivery) ... and the validation pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "newsletter" not in text.lower()
        assert "dataContextId" not in text
        assert not re.search(r"\b(?:integrity|crossorigin)=", text)
        for reference in _references(page):
            parts = urlsplit(reference)
            assert not parts.scheme.startswith("http"), f"{page} loads {reference}"
            if not reference or reference.startswith(("#", "data:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.exists(), f"{page.relative_to(recorded.reports_dir)}: {reference} does not resolve"
    # Font-awesome's stylesheet finds its fonts beside it.
    vendor = vendor_dir(recorded)
    assert (vendor / "fontawesome-free" / "webfonts" / "fa-solid-900.woff2").is_file()
    assert (vendor / "fontawesome-free" / "LICENSE.txt").is_file()
    assert "BSD-3-Clause" in (vendor / "vega" / "LICENSE.txt").read_text()


def test_rebuilding_keeps_the_latest_runs_of_each_suite(recorded: Settings, tmp_path: Path) -> None:
    suite = _suite(tmp_path, "units", PASSING)
    with connect(settings=recorded) as connection:
        for number in range(RUNS_KEPT + 2):
            validate_table(
                connection, "main.units", suite, settings=recorded, stage="marts", run_id=f"again-{number:02}"
            )
    first = build_data_docs(recorded)
    units = [page for page in _validation_pages(recorded) if "/marts/units/" in page.as_posix()]
    assert len(units) == RUNS_KEPT
    # the newest ten: the first of the twelve reruns and the original run are left out
    assert {page.parent.parent.name for page in units} == {f"again-{n:02}" for n in range(2, RUNS_KEPT + 2)}
    assert build_data_docs(recorded) == first
    assert len([p for p in _validation_pages(recorded) if "/marts/units/" in p.as_posix()]) == RUNS_KEPT
    # Nothing of the builds is left beside the site.
    assert sorted(path.name for path in recorded.reports_dir.iterdir()) == ["assets", "data-docs"]


def test_the_report_index_sums_up_each_stage_and_links_the_data_docs(recorded: Settings) -> None:
    build_data_docs(recorded)
    index = write_index(recorded)
    assert index == recorded.reports_dir / "index.html"
    text = index.read_text(encoding="utf-8")
    assert 'href="data-docs/index.html"' in text
    assert not re.search(r"https?://", text)
    for reference in _references(index):
        assert (index.parent / unquote(reference)).is_file(), reference
    rows = {
        # counts written the Indonesian way: 1.234
        stage: [int(cell.replace(".", "")) for cell in re.findall(r'<td class="text-right">([\d.]+)</td>', row)]
        for stage, row in re.findall(r"<tr[^>]*><td><strong>(\w+)</strong>(.*?)</tr>", text)
    }
    # suites, runs, checks run, failed errors, failed warnings
    assert rows == {"delivery": [1, 1, 1, 1, 0], "marts": [2, 2, 8, 3, 1]}


def test_missing_database_or_results_are_named(docs_settings: Settings) -> None:
    with pytest.raises(DataDocsError, match=r"no build database at .*warehouse\.duckdb: run the pipeline first"):
        build_data_docs(docs_settings)
    with connect(settings=docs_settings) as connection:
        connection.execute("CREATE TABLE t AS SELECT 1 AS x")
    with pytest.raises(DataDocsError, match=r"has no dq\.expectation_results yet"):
        build_data_docs(docs_settings)
    # The index still says why there is nothing to show (in Bahasa Indonesia, the default report language).
    text = write_index(docs_settings).read_text(encoding="utf-8")
    assert "Belum ada hasil pemeriksaan kualitas data: " in text
    assert "has no dq.expectation_results yet" in text


def _dom(page: Path, profile: Path) -> str:
    completed = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return completed.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser installs it)")
def test_pages_run_their_vendored_scripts_in_a_browser_without_network(recorded: Settings, tmp_path: Path) -> None:
    build_data_docs(recorded)
    index = write_index(recorded)
    profile = tmp_path / "chromium"
    # bootstrap-table (after jquery) wraps each data-toggle="table" in a div of its own classes; its filter-control
    # extension adds the filter row of the Data Docs index.
    data_docs = _dom(recorded.data_docs_dir / "index.html", profile)
    assert 'class="bootstrap-table bootstrap4"' in data_docs
    assert "filter-control" in data_docs
    validation = _dom(_page_of(recorded, "marts/people"), profile)
    assert 'class="bootstrap-table bootstrap4"' in validation
    assert "expect_column_values_to_be_in_set" in validation
    assert 'class="bootstrap-table bootstrap4"' in _dom(index, profile)


def test_assets_need_node_modules(docs_settings: Settings, tmp_path: Path) -> None:
    from asn_platform.reports.assets import AssetsMissing, install_assets

    with pytest.raises(AssetsMissing, match=r"run `make env`"):
        install_assets(docs_settings, node_modules=tmp_path / "nowhere")
    # A failed install leaves what was there (nothing) and no half-built folder.
    assert not vendor_dir(docs_settings).exists()
    assert not list((docs_settings.reports_dir / "assets").iterdir())


def test_a_remote_file_that_is_not_vendored_fails_the_build(docs_settings: Settings, tmp_path: Path) -> None:
    from asn_platform.reports.data_docs import make_offline

    site, page = tmp_path / "site", tmp_path / "site" / "index.html"
    html = (
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css" '
        'integrity="sha384-x" crossorigin="anonymous"/><p>data <a href="https://example.org/">integrity</a></p>'
    )
    offline = make_offline(html, page, site, docs_settings.data_docs_dir, docs_settings)
    assert offline == (
        '<link rel="stylesheet" href="../assets/vendor/bootstrap/dist/css/bootstrap.min.css"/><p>data integrity</p>'
    )
    with pytest.raises(DataDocsError, match=r"index\.html would load https://cdn\.example/new\.js, which is not"):
        make_offline('<script src="https://cdn.example/new.js"></script>', page, site, site, docs_settings)
