"""The workforce report and the dbt docs, built from a real Langsa warehouse, checked figure by figure against the
published marts and opened in a real headless Chromium (DevTools protocol over a pipe): no console error, no
request that leaves the machine, and every chart drawn."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from asn_platform.core.settings import Settings
from asn_platform.core.warehouse import connect
from asn_platform.reports import workforce
from asn_platform.reports.dbt_docs import DbtDocsError, build_dbt_docs, make_offline
from asn_platform.reports.site import write_index
from asn_platform.reports.summary import HEADLINES
from asn_platform.reports.workforce import ReportsError, build_reports, read_reference

# Builds every report and the dbt docs, and opens them in a browser (left out of make test-fast).
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHART_KEYS = ["ikm", "elements", "training", "ict", "placement", "merit", "link"]
LOCAL_SCHEMES = {"file", "data", "blob", "about"}


@dataclasses.dataclass(frozen=True)
class Built:
    settings: Settings
    overall: Path
    region: Path
    dbt_docs: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, gated_langsa_template: Path) -> Iterator[Built]:
    """Langsa's sample ingested, built by dbt and gated (a copy of the session's build), published; then the
    reports, the dbt docs, the Data Docs and the report index, as the warehouse DAG's reports task makes them. Built
    once for the module."""
    from conftest import gated_langsa_build

    from asn_platform.reports.data_docs import build_data_docs
    from asn_platform.serving.publish import publish

    with gated_langsa_build(tmp_path_factory.mktemp("reports"), gated_langsa_template) as settings:
        publish(settings)
        entries = build_reports(settings)
        dbt_docs = build_dbt_docs(settings)
        build_data_docs(settings)
        write_index(settings)
        (entry,) = entries
        yield Built(settings, entry.page, entry.page.parent / "langsa.html", dbt_docs)


def _specs(page: Path) -> dict[str, dict[str, Any]]:
    (text,) = re.findall(
        r'<script id="chart-specs" type="application/json">(.*?)</script>', page.read_text(encoding="utf-8"), re.S
    )
    return json.loads(text)


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The spec's inline data (a layered chart's first layer holds the chart's own rows)."""
    data = spec.get("data") or spec["layer"][0]["data"]
    return data["values"]


def _query(settings: Settings, sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connect(settings.analytics_path, read_only=True, settings=settings) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def _unit_names(settings: Settings) -> dict[str, str]:
    names = dict(_query(settings, "SELECT unit_code, unit_name FROM core.dim_unit WHERE region = 'langsa'"))
    assert len(set(names.values())) == len(names)  # Langsa's names are unique: the chart labels units by name
    return names


def _half_up(value: Decimal, places: str = "0.01") -> float:
    return float(value.quantize(Decimal(places), ROUND_HALF_UP))


def test_region_ikm_chart_is_the_marts_ikm_per_unit_and_quarter(built: Built) -> None:
    settings, names = built.settings, _unit_names(built.settings)
    rows = _query(
        settings,
        """SELECT unit_code, year_quarter, ikm, respondents, mutu FROM service_quality.ikm_unit_period
           WHERE region = 'langsa' AND respondents > 0""",
    )
    pooled: dict[tuple[str, str], list[tuple[Decimal, int, str]]] = defaultdict(list)
    for unit, quarter, ikm, respondents, mutu in rows:
        pooled[(names[unit], quarter)].append((ikm, respondents, mutu))
    expected = {
        key: _half_up(sum(ikm * n for ikm, n, _ in services) / sum(n for _, n, _ in services))
        for key, services in pooled.items()
    }
    chart = {(row["group"], row["quarter"]): row for row in _values(_specs(built.region)["ikm"])}
    assert {key: row["ikm"] for key, row in chart.items()} == expected
    assert len(chart) > 100  # 16 units, 9 quarters, a few without responses
    # A unit with one service shows that service's own IKM and the mart's mutu for it.
    single = [(key, services[0]) for key, services in pooled.items() if len(services) == 1]
    assert single
    for key, (ikm, _, mutu) in single:
        assert chart[key]["ikm"] == float(ikm)
        assert chart[key]["band"].startswith(f"{mutu} ")


def test_training_and_ict_charts_are_unit_year(built: Built) -> None:
    settings, names = built.settings, _unit_names(built.settings)
    rows = _query(
        settings,
        """SELECT unit_code, calendar_year, meeting_20_jp_pct, ict_jp_pct, meeting_20_jp, active_headcount
           FROM competency.unit_year WHERE region = 'langsa' AND active_headcount > 0""",
    )
    specs = _specs(built.region)
    training = {(row["group"], row["calendar_year"]): row for row in _values(specs["training"])}
    ict = {(row["group"], row["calendar_year"]): row["ict_jp_pct"] for row in _values(specs["ict"])}
    assert {key: row["meeting_20_jp_pct"] for key, row in training.items()} == {
        (names[unit], year): float(pct) for unit, year, pct, *_ in rows
    }
    assert {(names[u], y): (None if p is None else float(p)) for u, y, _, p, *_ in rows} == ict
    assert len(training) == 48  # 16 units x 2024-2026

    # Overall, a region's coverage is its staff meeting 20 JP over its staff, as the headline figure takes it.
    latest = max(year for _, year, *_ in rows) - 1  # the latest complete year: the snapshot year is running
    met = sum(m for _, year, _, _, m, _ in rows if year == latest)
    staff = sum(h for _, year, _, _, _, h in rows if year == latest)
    overall = {(row["group"], row["calendar_year"]): row for row in _values(_specs(built.overall)["training"])}
    assert overall[("Kota Langsa", latest)]["meeting_20_jp_pct"] == _half_up(Decimal(100 * met) / staff)
    (headline,) = _query(settings, HEADLINES)
    assert headline[1] == str(latest)
    assert float(headline[2]) == _half_up(Decimal(100 * met) / staff, "0.1")
    # The headline table on both pages is the summary's, written the Indonesian way (85,3%).
    for page in (built.overall, built.region):
        assert f"<td>{f'{headline[2]:.1f}'.replace('.', ',')}%</td>" in page.read_text(encoding="utf-8")


def test_placement_merit_elements_and_link_charts_add_up_to_the_marts(built: Built) -> None:
    settings, names = built.settings, _unit_names(built.settings)
    specs = _specs(built.region)

    staff: dict[str, int] = defaultdict(int)
    for row in _values(specs["placement"]):
        staff[row["group"]] += row["staff"]
    headcounts = _query(settings, "SELECT unit_code, active_headcount FROM placement.unit_fit WHERE region = 'langsa'")
    assert staff == {names[unit]: headcount for unit, headcount in headcounts}

    ((candidates, eligible),) = _query(
        settings,
        "SELECT (SELECT sum(candidates) FROM placement.merit_pipeline), "
        "(SELECT sum(merit_eligible) FROM placement.unit_fit)",
    )
    assert sum(row["candidates"] for row in _values(specs["merit"])) == candidates == eligible
    steps = [step.split(" → ")[0] for step in specs["merit"]["encoding"]["x"]["sort"]]
    order = read_reference().golongan_order
    assert steps == sorted(steps, key=order.__getitem__)  # golongan order from the golongan seed

    elements = _values(specs["elements"])
    assert [row["element_name"] for row in sorted(elements, key=lambda r: r["element_order"])] == [
        element.name for element in read_reference().elements
    ]
    assert all(1 <= row["nrr"] <= 4 for row in elements)

    link = _query(
        settings,
        """SELECT unit_code, calendar_year, ikm FROM service_quality.service_competency_link
           WHERE region = 'langsa' AND ikm IS NOT NULL AND meeting_20_jp_pct IS NOT NULL""",
    )
    assert {(row["group"], row["calendar_year"]): row["ikm"] for row in _values(specs["link"])} == {
        (names[unit], year): float(ikm) for unit, year, ikm in link
    }


def test_captions_state_the_rules_from_the_seeds(built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = built.region.read_text(encoding="utf-8")
    assert "IKM 76,61 adalah batas bawah mutu B (Baik)" in text
    assert "paling sedikit 20 JP dalam 1 tahun" in text
    assert "PP 11/2017 Pasal 203 ayat (4)" in text
    assert 'href="langsa.html"' in built.overall.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text)

    # The bands are read from the seed, not written into the code: moved in a copy of the seeds, the pages move too.
    seeds = tmp_path / "seeds"
    shutil.copytree(workforce.SEEDS_DIR, seeds)
    bands = (seeds / "ikm_bands.csv").read_text().replace("B,Baik,76.61", "B,Baik,77.00")
    (seeds / "ikm_bands.csv").write_text(bands.replace("C,Kurang Baik,65.00,76.60", "C,Kurang Baik,65.00,76.99"))
    parameters = (seeds / "platform_parameters.csv").read_text().replace("ikm_target,76.61", "ikm_target,77.00")
    (seeds / "platform_parameters.csv").write_text(parameters)
    monkeypatch.setattr(workforce, "SEEDS_DIR", seeds)
    read_reference.cache_clear()
    try:
        moved = built.settings.model_copy(update={"reports_dir": tmp_path / "reports"})
        (entry,) = build_reports(moved)
    finally:
        read_reference.cache_clear()
    text = (entry.page.parent / "langsa.html").read_text(encoding="utf-8")
    assert "IKM 77,00 adalah batas bawah mutu B (Baik)" in text
    assert "B Baik (77,00-88,30)" in json.dumps(_specs(entry.page.parent / "langsa.html")["ikm"], ensure_ascii=False)


def test_the_report_index_links_every_report(built: Built) -> None:
    index = built.settings.reports_dir / "index.html"
    text = index.read_text(encoding="utf-8")
    for href in ("data-docs/index.html", "workforce/index.html", "dbt-docs/index.html"):
        assert f'href="{href}"' in text
        assert (index.parent / href).is_file()
    assert "(not built yet)" not in text


def test_dbt_docs_page_is_self_contained(built: Built) -> None:
    page = built.dbt_docs.read_text(encoding="utf-8")
    # the manifest and the catalog inlined
    assert "ikm_unit_period" in page
    assert "service_competency_link" in page
    assert "cloudfront.net" not in page  # the tracker loader points nowhere
    assert "test-pseudonym-key" not in page
    with pytest.raises(DbtDocsError, match=r"would load https://fonts\.example/a\.css"):
        make_offline('<link rel="stylesheet" href="https://fonts.example/a.css">')


def test_reports_need_the_published_warehouse(settings: Settings) -> None:
    with pytest.raises(ReportsError, match=r"no published warehouse at .*analytics\.duckdb: .*run the pipeline first"):
        build_reports(settings)
    assert not (settings.reports_dir / "workforce").exists()


# --- the browser -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Visit:
    result: Any
    errors: list[str]
    requests: list[str]


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fd 3 commands, fd 4 answers, NUL-separated
    JSON): it reports every exception, console error, failed load and request of a page."""

    def __init__(self, profile: Path) -> None:
        commands, self._commands = os.pipe()
        self._answers, answers = os.pipe()

        def onto_3_and_4() -> None:
            # via fds above 10, so neither dup2 overwrites the other's source
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands, answers)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
                 "--remote-debugging-pipe"]  # fmt: skip
        self.process = subprocess.Popen(
            [str(CHROMIUM), *flags, "about:blank"],
            # it calls only fcntl and dup2 in the child (the protocol pipe must sit on fds 3 and 4)
            preexec_fn=onto_3_and_4,  # noqa: PLW1509
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands)
        os.close(answers)
        self._buffer = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if not select.select([self._answers], [], [], max(deadline - time.monotonic(), 0))[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            answer = self._message(deadline)
            if answer.get("id") != self._id:
                self._events.append(answer)
                continue
            if "error" in answer:
                raise RuntimeError(f"{method}: {answer['error']}")
            return answer.get("result", {})

    def _evaluate(self, expression: str, session: str) -> Any:
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session
        )
        return result["result"].get("value")

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._events.append(self._message(deadline))
        except TimeoutError:
            pass

    def visit(self, url: str, ready: str, probe: str, timeout: float = 60) -> Visit:
        """Open `url`, wait until the JavaScript `ready` is true, return what `probe` gives and what went wrong."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session=session)
        self._events.clear()
        self.send("Page.navigate", {"url": url}, session)
        deadline = time.monotonic() + timeout
        while not self._evaluate(ready, session):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: `{ready}` never became true")
            self._wait(0.2)
        self._wait(0.5)  # anything failing just after
        result = self._evaluate(probe, session)
        errors, requests = [], []
        for event in (e for e in self._events if e.get("sessionId") == session):
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif method == "Runtime.consoleAPICalled" and params["type"] in {"error", "assert"}:
                errors.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"]))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(f"{params['entry'].get('text')} ({params['entry'].get('url', '')})")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                errors.append(f"load failed: {params.get('errorText')}")
            elif method == "Network.requestWillBeSent":
                requests.append(params["request"]["url"])
        self.send("Target.closeTarget", {"targetId": target})
        return Visit(result, errors, requests)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._answers)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    chromium = Browser(tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.close()


CHARTS_DONE = "document.body !== null && document.body.hasAttribute('data-charts')"
CHARTS_DRAWN = """JSON.stringify({
  state: document.body.getAttribute("data-charts"),
  specs: Object.keys(JSON.parse(document.getElementById("chart-specs").textContent)),
  charts: Array.from(document.querySelectorAll("[data-chart]")).map(function (element) {
    return {key: element.dataset.chart, drawings: element.querySelectorAll("svg, canvas").length,
            marks: element.querySelectorAll("g[class*='mark-'] > path, g[class*='mark-'] > text").length};
  })
})"""


def _remote(requests: list[str]) -> list[str]:
    return [url for url in requests if urlsplit(url).scheme not in LOCAL_SCHEMES]


def test_every_report_page_draws_its_charts_in_a_browser_without_errors(built: Built, browser: Browser) -> None:
    pages = sorted(built.overall.parent.glob("*.html"))
    assert [page.name for page in pages] == ["index.html", "langsa.html"]
    for page in pages:
        visit = browser.visit(page.as_uri(), CHARTS_DONE, CHARTS_DRAWN)
        drawn = json.loads(visit.result)
        assert visit.errors == [], page.name
        assert _remote(visit.requests) == [], page.name
        assert drawn["state"] == "rendered", page.name
        assert drawn["specs"] == CHART_KEYS
        assert [chart["key"] for chart in drawn["charts"]] == CHART_KEYS
        for chart in drawn["charts"]:
            assert chart["drawings"] == 1, (page.name, chart)  # vega-embed drew one <svg> per spec
            assert chart["marks"] > 5, (page.name, chart)  # with its bars, cells, points and labels in it


def test_dbt_docs_data_docs_and_index_load_in_a_browser_without_errors(built: Built, browser: Browser) -> None:
    model = f"{built.dbt_docs.as_uri()}#!/model/model.asn.ikm_unit_period"
    visit = browser.visit(
        model,
        "document.body !== null && document.body.innerText.includes('service_quality.ikm_unit_period')",
        "JSON.stringify({canvas: document.querySelectorAll('canvas').length, "
        "text: document.body.innerText.includes('Indeks Kepuasan Masyarakat')})",
    )
    assert visit.errors == []
    assert _remote(visit.requests) == []
    assert json.loads(visit.result) == {"canvas": 3, "text": True}  # the lineage graph drawn; the model described

    for page in (built.settings.reports_dir / "index.html", built.settings.data_docs_dir / "index.html"):
        visit = browser.visit(page.as_uri(), "document.readyState === 'complete'", "document.title")
        assert visit.errors == [], page
        assert _remote(visit.requests) == [], page


def test_the_browser_check_fails_on_a_broken_chart_or_a_remote_file(built: Built, browser: Browser) -> None:
    """The checks above can fail: a spec vega-lite rejects, and a script from a CDN, are both caught."""
    text = built.region.read_text(encoding="utf-8")
    broken = built.region.with_name("broken.html")
    specs = _specs(built.region)
    specs["merit"] = {"data": {"values": []}, "mark": {"type": "no-such-mark"}}
    broken.write_text(
        re.sub(
            r'(<script id="chart-specs" type="application/json">).*?(</script>)',
            lambda match: match.group(1) + json.dumps(specs) + match.group(2),
            text,
            flags=re.S,
        ).replace("</head>", '<script src="https://cdn.example/x.js"></script></head>'),
        encoding="utf-8",
    )
    try:
        visit = browser.visit(broken.as_uri(), CHARTS_DONE, CHARTS_DRAWN)
    finally:
        broken.unlink()
    drawn = json.loads(visit.result)
    assert drawn["state"] == "failed"
    # vega-lite's own exception, in the console; the remote script's failed load too
    assert any("vega-lite" in error for error in visit.errors)
    assert any("cdn.example/x.js" in error for error in visit.errors)
    assert _remote(visit.requests) == ["https://cdn.example/x.js"]
    assert {chart["key"]: chart["drawings"] for chart in drawn["charts"]}["merit"] == 0


# --- both languages --------------------------------------------------------------------------------------------

INDONESIAN_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
                     "November", "Desember")  # fmt: skip
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December")  # fmt: skip

# What a reader sees once the charts are drawn: the page's language, its heading and lead, the headline table, the
# IKM chart's caption, the numbers drawn in its cells and its legend's title, and the index's heading.
PAGE_TEXTS = """JSON.stringify({
  lang: document.documentElement.lang,
  title: document.querySelector("h1").innerText,
  lead: document.querySelector("h1 + p").innerText,
  headers: Array.from(document.querySelectorAll("#headlines th")).map(function (cell) { return cell.innerText; }),
  headline: Array.from(document.querySelectorAll("#headlines tbody td")).map(function (cell) {
    return cell.innerText;
  }),
  caption: document.querySelector("#section-ikm p").innerText,
  cells: Array.from(document.querySelectorAll("#chart-ikm g.mark-text.role-mark text")).map(function (text) {
    return text.textContent;
  }),
  legend: Array.from(document.querySelectorAll("#chart-ikm g.mark-group.role-legend text")).map(function (text) {
    return text.textContent;
  })
})"""


@pytest.fixture(scope="module")
def english(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The same warehouse's workforce pages and index with ASN_REPORT_LANGUAGE=en, in a folder of their own."""
    settings = built.settings.model_copy(
        update={"report_language": "en", "reports_dir": tmp_path_factory.mktemp("english") / "reports"}
    )
    build_reports(settings)
    build_dbt_docs(settings)
    write_index(settings)
    return settings


def _grouped(number: int, separator: str) -> str:
    return f"{number:,}".replace(",", separator)


def _one_decimal(value: float, decimal_mark: str) -> str:
    """As d3's ".1f" writes a number (JavaScript's toFixed: the exact binary value, ties away from zero)."""
    return str(Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", decimal_mark)


def test_both_languages_render_in_a_browser_with_their_own_number_formats(
    built: Built, english: Settings, browser: Browser
) -> None:
    ((headcount, snapshot),) = _query(
        built.settings, "SELECT active_headcount, snapshot_date FROM core.dim_region WHERE region = 'langsa'"
    )
    (headline,) = _query(built.settings, HEADLINES)
    ikm = [row["ikm"] for row in _values(_specs(built.region)["ikm"])]
    assert headcount >= 1000  # so the lead's count shows the thousands separator
    seen = {}
    for language, region in (("id", built.region), ("en", english.reports_dir / "workforce" / "langsa.html")):
        visit = browser.visit(region.as_uri(), CHARTS_DONE, PAGE_TEXTS)
        assert visit.errors == [], language
        assert _remote(visit.requests) == [], language
        seen[language] = json.loads(visit.result)

    indonesian, english_page = seen["id"], seen["en"]
    assert indonesian["lang"] == "id"
    assert indonesian["title"] == "Kota Langsa: laporan kepegawaian ASN"
    day = f"{snapshot.day} {INDONESIAN_MONTHS[snapshot.month - 1]} {snapshot.year}"
    assert indonesian["lead"].startswith(f"Kota Langsa, Aceh: {_grouped(headcount, '.')} ASN aktif pada snapshot data "
                                         f"kepegawaian {day}, per unit kerja.")  # fmt: skip
    assert indonesian["headers"][2:4] == ["capai 20 JP", "rata-rata JP"]
    assert indonesian["headline"][2] == f"{headline[2]:.1f}".replace(".", ",") + "%"
    assert indonesian["headline"][8] == f"{headline[8]:.2f}".replace(".", ",")
    assert "Indeks Kepuasan Masyarakat (IKM, PermenPANRB 14/2017)" in indonesian["caption"]
    assert "sampel minimum Krejcie dan Morgan" in indonesian["caption"]
    # vega-embed drew each cell's IKM with the Indonesian decimal comma (format ".1f" in the id-ID locale).
    assert sorted(indonesian["cells"]) == sorted(_one_decimal(value, ",") for value in ikm)
    assert "mutu pelayanan (rentang IKM)" in indonesian["legend"]
    assert "B Baik (76,61-88,30)" in indonesian["legend"]

    assert english_page["lang"] == "en"
    assert english_page["title"] == "Kota Langsa: workforce report"
    day = f"{ENGLISH_MONTHS[snapshot.month - 1]} {snapshot.day}, {snapshot.year}"
    assert english_page["lead"].startswith(f"Kota Langsa, Aceh: {_grouped(headcount, ',')} active civil servants at "
                                           f"the personnel snapshot of {day}, unit by unit.")  # fmt: skip
    assert english_page["headers"][2:4] == ["met 20 JP", "mean JP"]
    assert english_page["headline"][2] == f"{headline[2]:.1f}%"
    assert english_page["headline"][8] == f"{headline[8]:.2f}"
    assert "IKM (Indeks Kepuasan Masyarakat, PermenPANRB 14/2017)" in english_page["caption"]
    assert sorted(english_page["cells"]) == sorted(_one_decimal(value, ".") for value in ikm)
    assert "B Baik (76.61-88.30)" in english_page["legend"]

    titles = {}
    for language, index in (("id", built.settings.reports_dir), ("en", english.reports_dir)):
        visit = browser.visit((index / "index.html").as_uri(), "document.readyState === 'complete'",
                              "document.querySelector('h1').innerText")  # fmt: skip
        assert visit.errors == [], language
        titles[language] = visit.result
    assert titles == {"id": "Platform data ASN: laporan", "en": "ASN workforce data platform: reports"}


def test_the_summary_speaks_the_report_language(built: Built, english: Settings) -> None:
    from asn_platform.reports.summary import render

    (headline,) = _query(built.settings, HEADLINES)
    ((active,),) = _query(built.settings, "SELECT count(*) FROM core.dim_employee WHERE status = 'active'")
    indonesian, english_text = render(built.settings), render(english)
    assert "Angka utama, tahun lengkap terakhir" in indonesian
    assert "ASN aktif per daerah (mart terbitan core.dim_employee):" in indonesian
    assert f"{headline[2]:.1f}".replace(".", ",") + "%" in indonesian
    assert f" {_grouped(active, '.')} " in indonesian  # the active headcount, grouped the Indonesian way
    assert "Headline figures" not in indonesian
    assert "Headline figures, latest complete year" in english_text
    assert "Active civil servants by region (published mart core.dim_employee):" in english_text
    assert f"{headline[2]:.1f}%" in english_text
    assert f" {_grouped(active, ',')} " in english_text


OVERVIEW = "document.body !== null && document.body.innerText.includes('dim_employee')"


def test_the_dbt_docs_open_on_the_warehouse_overview_in_each_language(
    built: Built, english: Settings, browser: Browser
) -> None:
    """Not dbt's generic "Welcome!" page: the project's overview (dbt_project/models/overview.md), in Indonesian
    by default and in English with report_language "en"."""
    pages = {"id": built.dbt_docs, "en": english.reports_dir / "dbt-docs" / "index.html"}
    texts = {}
    for language, page in pages.items():
        visit = browser.visit(f"{page.as_uri()}#!/overview", OVERVIEW, "document.body.innerText")
        assert visit.errors == [], language
        assert _remote(visit.requests) == [], language
        texts[language] = visit.result
    assert "Gudang data ASN pemerintah daerah" in texts["id"]
    assert "Tingkat akses data (UU 27/2022 tentang Pelindungan Data Pribadi)" in texts["id"]
    assert "paling sedikit 20 Jam Pelajaran (JP) dalam 1 tahun" in texts["id"]
    assert "The ASN warehouse of the regional governments" in texts["en"]
    assert "Access tiers (UU 27/2022 on Pelindungan Data Pribadi)" in texts["en"]
    for text in texts.values():
        assert "Welcome!" not in text
        assert "hr_restricted.duckdb" in text
    assert "Gudang data ASN" not in texts["en"]
