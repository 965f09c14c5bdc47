"""The workforce report: static pages with charts, overall and one per region, from the published warehouse.

`build_reports(settings)` reads `settings.analytics_path` (the published, pseudonymous marts, opened read-only: never
the build database) and writes `reports_dir/workforce/index.html` (every region, grouped by region) and
`reports_dir/workforce/<region>.html` (that region, grouped by unit). Each chart is a Vega-Lite spec with its data
inline, drawn by the vendored vega-embed, so the pages read offline from a file share. The thresholds the charts are
judged against (IKM bands, 20 JP, the IKM target, the merit rules, golongan order) are read from the dbt seeds, the
same reference data the marts are built from; docs/reports.md says how each figure is computed. Every text is in the
settings' report language (`reports.language`, Bahasa Indonesia by default) and the page is the Jinja2 template
templates/workforce.html.
"""

from __future__ import annotations

import csv
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from asn_platform.core.settings import DBT_PROJECT_DIR, Settings
from asn_platform.core.warehouse import connect, quote_identifier
from asn_platform.reports import charts
from asn_platform.reports.assets import asset_url, ensure_assets, relative_url
from asn_platform.reports.folders import building
from asn_platform.reports.index import INDEX_NAME, ReportEntry
from asn_platform.reports.language import Language
from asn_platform.reports.pages import render_template
from asn_platform.reports.summary import HEADLINES, headline_cells, headline_columns

WORKFORCE_DIR = "workforce"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# A region's page is <region>.html beside the overall index.html: the code must make a plain file name.
_REGION_CODE = re.compile(r"[a-z0-9][a-z0-9_-]*")


class ReportsError(RuntimeError):
    """The reports cannot be built: nothing published yet, or a region code that cannot name a page."""


def workforce_index(settings: Settings) -> Path:
    """Where the overall workforce page lives (the report index links to it)."""
    return settings.reports_dir / WORKFORCE_DIR / INDEX_NAME


def workforce_entry(settings: Settings, regions: int | None = None) -> ReportEntry:
    t = Language.of(settings)
    scope = t.count("workforce.scope_regions", regions) if regions else t("workforce.scope_any")
    return ReportEntry(
        t("workforce.entry_title"), workforce_index(settings), t("workforce.entry_description", scope=scope)
    )


# --- reference data: the dbt seeds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    element: str
    order: int
    name: str
    weight: Decimal
    training_focus: str


@dataclass(frozen=True)
class Reference:
    """What the charts measure against, as the seeds say (an agency corrects them there, not here)."""

    bands: tuple[charts.Band, ...]
    elements: tuple[Element, ...]
    parameters: dict[str, float]
    golongan_order: dict[str, int]

    def parameter(self, name: str) -> float:
        try:
            return self.parameters[name]
        except KeyError:
            raise ReportsError(f"{SEEDS_DIR / 'platform_parameters.csv'} has no parameter {name!r}") from None

    def band_of(self, ikm: Decimal | float) -> charts.Band:
        """The band whose lower bound the IKM (rounded to 2 decimals) reaches, as the marts band it."""
        value = Decimal(str(ikm)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        reached = [band for band in self.bands if value >= Decimal(str(band.ikm_min))]
        return max(reached, key=lambda band: band.ikm_min) if reached else min(self.bands, key=lambda b: b.ikm_min)

    def nrr_band_of(self, nrr: Decimal | float) -> charts.Band:
        reached = [band for band in self.bands if float(nrr) >= band.nrr_min]
        return max(reached, key=lambda band: band.nrr_min) if reached else min(self.bands, key=lambda b: b.nrr_min)

    def band(self, mutu: str) -> charts.Band:
        (band,) = [band for band in self.bands if band.mutu == mutu]
        return band


def _seed(name: str) -> list[dict[str, str]]:
    path = SEEDS_DIR / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def read_reference() -> Reference:
    bands = tuple(
        charts.Band(
            row["mutu"], row["kinerja"], *(float(row[name]) for name in ("ikm_min", "ikm_max", "nrr_min", "nrr_max"))
        )
        for row in _seed("ikm_bands")
    )
    elements = tuple(
        sorted(
            (
                Element(row["element"], int(row["element_order"]), row["name"], Decimal(row["weight"]),
                        row["training_focus"])
                for row in _seed("ikm_elements")
            ),
            key=lambda element: element.order,
        )
    )  # fmt: skip
    parameters = {row["parameter"]: float(row["value"]) for row in _seed("platform_parameters")}
    golongan = {row["golongan"]: int(row["golongan_order"]) for row in _seed("golongan")}
    return Reference(bands, elements, parameters, golongan)


# --- figures from the published marts --------------------------------------------------------------------------

# Labels people read: a unit's name (its code too where two units of a region share a name), a region's name.
LABELS = """
unit_labels AS (
    SELECT region, unit_code,
           CASE WHEN count(*) OVER (PARTITION BY region, unit_name) > 1 THEN unit_name || ' (' || unit_code || ')'
                ELSE coalesce(unit_name, unit_code) END AS label
    FROM core.dim_unit),
region_labels AS (SELECT region, coalesce(region_name, region) AS label FROM core.dim_region),
-- Each region's latest complete year, as the headline figures (asn_platform.reports.summary) take it: its snapshot year
-- is still running.
years AS (SELECT region, max(calendar_year) - 1 AS calendar_year FROM competency.unit_year GROUP BY region)
"""


@dataclass(frozen=True)
class Scope:
    """What a page covers: every region (grouped by region) or one region (grouped by unit)."""

    region: str | None

    @property
    def group(self) -> str:
        """What a group is on the page: "region" or "unit" (a key of the catalogue's group.* and count.* texts)."""
        return "region" if self.region is None else "unit"

    def grouping(self, alias: str = "x") -> tuple[str, str, str]:
        """The join to the group's label, the label expression, and the filter, for a mart aliased `alias`."""
        if self.region is None:
            return (
                f"LEFT JOIN region_labels g ON g.region = {alias}.region",
                f"coalesce(g.label, {alias}.region)",
                "TRUE",
            )
        return (
            f"LEFT JOIN unit_labels g ON g.region = {alias}.region AND g.unit_code = {alias}.unit_code",
            f"coalesce(g.label, {alias}.unit_code)",
            f"{alias}.region = $region",
        )

    @property
    def parameters(self) -> dict[str, str]:
        return {} if self.region is None else {"region": self.region}


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, scope: Scope) -> list[dict[str, Any]]:
    cursor = connection.execute(f"WITH {LABELS} {sql}", scope.parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _number(value: Any) -> Any:
    """JSON-ready: Decimal as float (the specs carry numbers, not strings)."""
    return float(value) if isinstance(value, Decimal) else value


def _json_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: _number(value) for key, value in row.items()} for row in rows]


def _rounded(numerator: Decimal | int, denominator: Decimal | int, places: str = "0.01") -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places), ROUND_HALF_UP)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    caption: str  # plain text, escaped when written
    spec: dict[str, Any]


def ikm_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference, t: Language) -> Chart:
    join, label, where = scope.grouping()
    rows = _rows(
        connection,
        f"""SELECT {label} AS "group", x.year_quarter AS quarter, sum(x.ikm * x.respondents) AS weighted,
                   sum(x.respondents) AS respondents, count(*) AS services,
                   count_if(x.is_sample_adequate = false) AS services_below_minimum
            FROM service_quality.ikm_unit_period x {join}
            WHERE x.respondents > 0 AND {where}
            GROUP BY ALL ORDER BY 1, 2""",
        scope,
    )
    for row in rows:
        # A group's IKM pools its services' responses: their IKMs weighted by respondents (IKM is linear in NRR).
        row["ikm"] = _rounded(row.pop("weighted"), row["respondents"])
        row["band"] = reference.band_of(row["ikm"]).label(t)
    target = reference.parameter("ikm_target")
    b_band = reference.band_of(target)
    lower_bounds = ", ".join(
        t("band.from", mutu=band.mutu, value=t.number(band.ikm_min, 2))
        for band in sorted(reference.bands, key=lambda b: -b.ikm_min)
    )
    weights = {element.weight for element in reference.elements}
    weight = t("ikm.weight_one", weight=t.number(weights.pop())) if len(weights) == 1 else t("ikm.weight_each")
    finding = ""
    if rows:
        latest = max(row["quarter"] for row in rows)
        in_latest = [row for row in rows if row["quarter"] == latest]
        below = sum(row["ikm"] < Decimal(str(target)) for row in in_latest)
        finding = t(
            "ikm.finding",
            quarter=latest,
            below=t.number(below),
            groups=t.count(f"count.{scope.group}", len(in_latest)),
            target=t.number(target, 2),
        )
    caption = t(
        "ikm.caption",
        group=t(f"group.{scope.group}"),
        weight=weight,
        scale=t.number(reference.parameter("ikm_scale_factor")),
        bounds=lower_bounds,
        target=t.number(target, 2),
        mutu=b_band.mutu,
        kinerja=b_band.kinerja,
        finding=finding,
        small=t.number(sum(row["services_below_minimum"] for row in rows)),
        service_quarters=t.number(sum(row["services"] for row in rows)),
    )
    spec = charts.ikm_heatmap(_json_rows(rows), reference.bands, t(f"group.{scope.group}"), t)
    return Chart("ikm", t("ikm.title"), caption, spec)


def weakest_elements_chart(
    connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference, t: Language
) -> Chart:
    _, _, where = scope.grouping()
    sums = ", ".join(
        f"sum(x.{quote_identifier('nrr_' + element.element)} * x.respondents) AS {quote_identifier(element.element)}"
        for element in reference.elements
    )
    (totals,) = _rows(
        connection,
        f"""SELECT sum(x.respondents) AS respondents, list(DISTINCT y.calendar_year) AS years, {sums}
            FROM service_quality.ikm_unit_period x
            JOIN years y ON y.region = x.region AND y.calendar_year = extract(year FROM x.quarter_start)
            WHERE x.respondents > 0 AND {where}""",
        scope,
    )
    weakest = {
        row["weakest_element"]: row["units"]
        for row in _rows(
            connection,
            f"""SELECT x.weakest_element, count(*) AS units
                FROM service_quality.service_competency_link x JOIN years y USING (region, calendar_year)
                WHERE x.weakest_element IS NOT NULL AND {where} GROUP BY 1""",
            scope,
        )
    }
    rows = []
    respondents = totals["respondents"] or 0
    for element in reference.elements:
        if not respondents or totals[element.element] is None:
            continue
        nrr = _rounded(totals[element.element], respondents, "0.0001")
        rows.append(
            {
                "element": element.element,
                "element_order": element.order,
                "element_name": element.name,
                "nrr": nrr,
                "band": reference.nrr_band_of(nrr).nrr_label(t),
                "respondents": respondents,
                "weakest_in": weakest.get(element.element, 0),
                "training_focus": element.training_focus,
                "training_focus_label": t.label("focus", element.training_focus),
            }
        )
    years = ", ".join(str(year) for year in sorted(totals["years"] or []))
    nrr_bounds = ", ".join(
        t("band.from", mutu=band.mutu, value=t.number(band.nrr_min, 4))
        for band in sorted(reference.bands, key=lambda b: -b.nrr_min)
    )
    finding = ""
    if rows:
        first = min(rows, key=lambda row: (row["nrr"], row["element_order"]))
        finding = t(
            "elements.finding",
            element=first["element_name"],
            nrr=t.number(first["nrr"], 4),
            focus=first["training_focus_label"],
        )
    caption = t(
        "elements.caption",
        respondents=t.number(respondents),
        years=years or t("elements.no_years"),
        bounds=nrr_bounds,
        finding=finding,
    )
    spec = charts.weakest_elements(_json_rows(rows), reference.bands, t)
    return Chart("elements", t("elements.title"), caption, spec)


def _training_rows(connection: duckdb.DuckDBPyConnection, scope: Scope) -> list[dict[str, Any]]:
    join, label, where = scope.grouping()
    rows = _rows(
        connection,
        f"""SELECT {label} AS "group", x.calendar_year,
                   round(100.0 * sum(x.meeting_20_jp) / sum(x.active_headcount), 2) AS meeting_20_jp_pct,
                   sum(x.meeting_20_jp) AS meeting_20_jp, sum(x.active_headcount) AS active_headcount,
                   round(1.0 * sum(x.jp_total) / sum(x.active_headcount), 2) AS mean_jp,
                   sum(x.jp_short_of_20) AS jp_short_of_20,
                   -- ICT share of the JP, weighted by JP (as the headline figure is)
                   round(100.0 * sum(x.jp_total * x.ict_jp_pct / 100) / nullif(sum(x.jp_total), 0), 2) AS ict_jp_pct,
                   round(100.0 * sum(x.active_headcount * x.trained_in_ict_pct / 100) / sum(x.active_headcount), 2)
                       AS trained_in_ict_pct
            FROM competency.unit_year x {join}
            WHERE x.active_headcount > 0 AND {where}
            GROUP BY ALL ORDER BY 1, 2""",
        scope,
    )
    for row in rows:
        row["year_label"] = str(row["calendar_year"])
    return rows


def _snapshot(connection: duckdb.DuckDBPyConnection, scope: Scope, t: Language) -> str:
    (snapshot,) = connection.execute(
        f"SELECT max(snapshot_date) FROM core.dim_region x WHERE {scope.grouping()[2]}", scope.parameters
    ).fetchone()
    return t.date(snapshot) if snapshot else t("workforce.no_snapshot")


def training_chart(rows: list[dict[str, Any]], scope: Scope, reference: Reference, snapshot: str, t: Language) -> Chart:
    minimum = t.number(reference.parameter("min_training_jp_per_year"))
    years = sorted({row["calendar_year"] for row in rows})
    finding = ""
    if len(years) >= 2:
        year = years[-2]
        in_year = [row for row in rows if row["calendar_year"] == year]
        met = sum(row["meeting_20_jp"] for row in in_year)
        staff = sum(row["active_headcount"] for row in in_year)
        finding = t(
            "training.finding",
            year=year,
            met=t.number(met),
            staff=t.number(staff),
            share=t.percent(100 * met / staff),
            minimum=minimum,
        )
    caption = t("training.caption", group=t(f"group.{scope.group}"), minimum=minimum, snapshot=snapshot,
                finding=finding)  # fmt: skip
    spec = charts.share_by_year(
        _json_rows(rows),
        "meeting_20_jp_pct",
        t("training.axis", minimum=minimum),
        t(f"group.{scope.group}"),
        [
            {"field": "meeting_20_jp", "title": t("training.tooltip_met", minimum=minimum), "format": ","},
            {"field": "active_headcount", "title": t("chart.active_staff"), "format": ","},
            {"field": "mean_jp", "title": t("training.tooltip_mean"), "format": ".2f"},
            {"field": "jp_short_of_20", "title": t("training.tooltip_short", minimum=minimum), "format": ","},
        ],
        t=t,
    )
    return Chart("training", t("training.title", minimum=minimum), caption, spec)


def ict_chart(rows: list[dict[str, Any]], scope: Scope, reference: Reference, t: Language) -> Chart:
    ict_elements = [element.name for element in reference.elements if element.training_focus == "digital_ict"]
    years = sorted({row["calendar_year"] for row in rows})
    finding = ""
    if len(years) >= 2:
        in_year = [row for row in rows if row["calendar_year"] == years[-2] and row["ict_jp_pct"] is not None]
        if in_year:
            low = min(in_year, key=lambda row: (row["ict_jp_pct"], row["group"]))
            finding = t("ict.finding", year=years[-2], group=low["group"], share=t.percent(low["ict_jp_pct"]))
    caption = t("ict.caption", group=t(f"group.{scope.group}"), elements=", ".join(ict_elements), finding=finding)
    spec = charts.share_by_year(
        _json_rows(rows),
        "ict_jp_pct",
        t("chart.ict_share"),
        t(f"group.{scope.group}"),
        [
            {"field": "trained_in_ict_pct", "title": t("ict.tooltip_trained"), "format": ".2f"},
            {"field": "active_headcount", "title": t("chart.active_staff"), "format": ","},
        ],
        t=t,
    )
    return Chart("ict", t("ict.title"), caption, spec)


def placement_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, t: Language) -> Chart:
    join, label, where = scope.grouping()
    groups = _rows(
        connection,
        f"""SELECT {label} AS "group", sum(x.matches) AS "match", sum(x.related) AS related,
                   sum(x.mismatches) AS mismatch, sum(x.not_assessed) AS not_assessed,
                   sum(x.critical_mismatches) AS critical_mismatches, sum(x.assessed) AS assessed,
                   round(100.0 * sum(x.matches) / nullif(sum(x.assessed), 0), 2) AS fit_rate_pct
            FROM placement.unit_fit x {join} WHERE {where} GROUP BY ALL ORDER BY 1""",
        scope,
    )
    rows = [
        {"group": group["group"], "fit": fit, "fit_label": charts.fit_label(t, fit), "staff": group[fit],
         "fit_rate_pct": group["fit_rate_pct"], "critical_mismatches": group["critical_mismatches"]}
        for group in groups
        for fit in charts.FIT_COLOURS
    ]  # fmt: skip
    matches, assessed = sum(g["match"] for g in groups), sum(g["assessed"] for g in groups)
    critical = sum(g["critical_mismatches"] for g in groups)
    overall = (
        t("placement.overall", share=t.percent(100 * matches / assessed), assessed=t.number(assessed))
        if assessed
        else t("placement.overall_none")
    )
    caption = t("placement.caption", group=t(f"group.{scope.group}"), overall=overall, critical=t.number(critical))
    spec = charts.placement_fit(_json_rows(rows), t(f"group.{scope.group}"), t)
    return Chart("placement", t("placement.title"), caption, spec)


def merit_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference, t: Language) -> Chart:
    _, _, where = scope.grouping()
    rows = _rows(
        connection,
        f"""SELECT x.golongan, x.next_golongan, coalesce(x.fit, 'not_assessed') AS fit, sum(x.candidates) AS candidates
            FROM placement.merit_pipeline x WHERE {where} GROUP BY ALL""",
        scope,
    )
    # From unit_fit, not dim_employee: k-anonymity suppresses the employment type of a few people there.
    (pns,) = connection.execute(
        f"SELECT coalesce(sum(x.active_pns), 0) FROM placement.unit_fit x WHERE {where}", scope.parameters
    ).fetchone()
    order = reference.golongan_order
    for row in rows:
        row["step"] = f"{row['golongan']} → {row['next_golongan']}"
        row["fit_label"] = charts.fit_label(t, row["fit"])
    steps = sorted({row["step"]: row["golongan"] for row in rows}.items(), key=lambda item: order.get(item[1], 99))
    total = sum(row["candidates"] for row in rows)
    share = t("merit.share", share=t.percent(100 * total / pns), pns=t.number(pns)) if pns else ""
    ratings = {row["rating_rank"]: row["predikat"] for row in _seed("skp_ratings")}
    bar = ratings.get(str(int(reference.parameter("merit_max_skp_rank"))), t("merit.the_bar"))
    caption = t(
        "merit.caption",
        total=t.number(total),
        share=share,
        predikat=bar,
        skp_years=t.number(reference.parameter("merit_skp_years")),
        golongan_years=t.number(reference.parameter("merit_min_years_in_golongan")),
        minimum=t.number(reference.parameter("min_training_jp_per_year")),
        sanction_years=t.number(reference.parameter("merit_sanction_free_years")),
    )
    spec = charts.merit_pipeline(_json_rows(rows), [step for step, _ in steps], t)
    return Chart("merit", t("merit.title"), caption, spec)


def _strength(r: float | None, t: Language) -> str:
    if r is None:
        return t("link.too_few")
    strength = "strong" if abs(r) >= 0.5 else "moderate" if abs(r) >= 0.3 else "weak"
    direction = t("link.direction_up") if r > 0 else t("link.direction_down")
    return t(f"link.correlation_{strength}", r=t.number(r, 2), direction=direction)


def link_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference, t: Language) -> Chart:
    _, _, where = scope.grouping()
    unit = "coalesce(u.label, x.unit_code)"
    label = unit if scope.region else f"{unit} || ', ' || coalesce(r.label, x.region)"
    rows = _rows(
        connection,
        f"""SELECT {label} AS "group", x.calendar_year, x.ikm, x.mutu, x.respondents, x.meeting_20_jp_pct,
                   x.ict_jp_pct, x.placement_fit_pct, x.weakest_element, x.recommended_training_focus
            FROM service_quality.service_competency_link x
            LEFT JOIN unit_labels u ON u.region = x.region AND u.unit_code = x.unit_code
            LEFT JOIN region_labels r ON r.region = x.region
            WHERE x.ikm IS NOT NULL AND x.meeting_20_jp_pct IS NOT NULL AND {where}
            ORDER BY 1, 2""",
        scope,
    )
    for row in rows:
        row["year_label"] = str(row["calendar_year"])
        focus = row["recommended_training_focus"]
        row["recommended_training_focus_label"] = focus and t.label("focus", focus)
    target = reference.parameter("ikm_target")
    pairs = [(float(row["meeting_20_jp_pct"]), float(row["ikm"])) for row in rows]
    try:
        r = statistics.correlation(*zip(*pairs, strict=True)) if len(pairs) >= 3 else None
    except statistics.StatisticsError:  # every point has the same coverage or the same IKM
        r = None
    correlation = _strength(r, t) if r is None else t("link.across", points=t.number(len(pairs)), link=_strength(r, t))
    caption = t(
        "link.caption",
        minimum=t.number(reference.parameter("min_training_jp_per_year")),
        target=t.number(target, 2),
        mutu=reference.band_of(target).mutu,
        correlation=correlation,
    )
    spec = charts.competency_service_link(_json_rows(rows), reference.bands, target, t("group.unit"), t)
    return Chart("link", t("link.title"), caption, spec)


def page_charts(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference, t: Language) -> list[Chart]:
    training = _training_rows(connection, scope)
    return [
        ikm_chart(connection, scope, reference, t),
        weakest_elements_chart(connection, scope, reference, t),
        training_chart(training, scope, reference, _snapshot(connection, scope, t), t),
        ict_chart(training, scope, reference, t),
        placement_chart(connection, scope, t),
        merit_chart(connection, scope, reference, t),
        link_chart(connection, scope, reference, t),
    ]


# --- pages -----------------------------------------------------------------------------------------------------


def render_page(
    settings: Settings,
    page: Path,
    *,
    title: str,
    lead: str,
    headlines: Sequence[Sequence[Any]],
    chart_list: Sequence[Chart],
    links: Sequence[tuple[str, Path, str]] = (),
    published_at: datetime | None = None,
) -> str:
    """A report page at `page` (where it finally lives): the headline table, then each chart with its caption, in
    the settings' report language (templates/workforce.html)."""
    t = Language.of(settings)
    return render_template(
        "workforce.html",
        t,
        title=title,
        lead=lead,
        headline_columns=headline_columns(t),
        headlines=[headline_cells(row, t) for row in headlines],
        charts=chart_list,
        specs={chart.key: chart.spec for chart in chart_list},
        chart_locale={"number": t.d3_format_locale(), "time": t.d3_time_format_locale()},
        links=[(text, relative_url(target, page), note) for text, target, note in links],
        index_url=relative_url(settings.reports_dir / INDEX_NAME, page),
        overall_url=relative_url(workforce_index(settings), page),
        published=t.timestamp(published_at) if published_at else None,
        written=t.timestamp(datetime.now(UTC)),
        assets={key: asset_url(settings, key, page) for key in ("bootstrap.css", *CHART_SCRIPTS)},
        stylesheets=("bootstrap.css",),
        chart_scripts=CHART_SCRIPTS,
    )


# vega-embed and what it draws with, in load order.
CHART_SCRIPTS = ("vega.js", "vega-lite.js", "vega-embed.js")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)


def build_reports(settings: Settings) -> list[ReportEntry]:
    """Write the workforce pages (overall, and one per region) from the published warehouse, in the settings' report
    language, replacing the folder whole; returns the report index's entry for them (the overall page, which links
    every region's)."""
    published = settings.analytics_path
    if not published.is_file():
        raise ReportsError(
            f"no published warehouse at {published}: the reports read it; run the pipeline first (`make run`), "
            "which publishes it"
        )
    t = Language.of(settings)
    reference = read_reference()
    ensure_assets(settings)
    final = settings.reports_dir / WORKFORCE_DIR
    with connect(published, read_only=True, settings=settings) as connection:
        regions = connection.execute(
            "SELECT region, coalesce(region_name, region), province, active_headcount, snapshot_date "
            "FROM core.dim_region ORDER BY region"
        ).fetchall()
        bad = [region for region, *_ in regions if not _REGION_CODE.fullmatch(region) or region == "index"]
        if bad:
            raise ReportsError(f"region codes {bad} cannot name a report page (lower-case letters, digits, - and _)")
        headlines = connection.execute(HEADLINES).fetchall()
        (published_at,) = connection.execute("SELECT published_at FROM main.publication").fetchone()
        published_at = published_at.astimezone(UTC)
        with building(final) as staged:
            links = []
            for region, name, province, headcount, snapshot in regions:
                page = final / f"{region}.html"
                snapshot_text = t.date(snapshot) if snapshot else t("workforce.no_snapshot")
                text = render_page(
                    settings,
                    page,
                    title=t("workforce.region_title", region=name),
                    lead=t("workforce.region_lead", region=name, province=province,
                           headcount=t.number(headcount or 0), snapshot=snapshot_text),
                    headlines=[row for row in headlines if row[0] == region],
                    chart_list=page_charts(connection, Scope(region), reference, t),
                    published_at=published_at,
                )  # fmt: skip
                _write(staged / page.name, text)
                note = t("workforce.region_note", province=province, headcount=t.number(headcount or 0),
                         snapshot=snapshot_text)  # fmt: skip
                links.append((name, page, note))
            overall = render_page(
                settings,
                workforce_index(settings),
                title=t("workforce.title"),
                lead=t("workforce.overall_lead", regions=t.count("count.region", len(regions))),
                headlines=headlines,
                chart_list=page_charts(connection, Scope(None), reference, t),
                links=links,
                published_at=published_at,
            )
            _write(staged / INDEX_NAME, overall)
    return [workforce_entry(settings, len(regions))]
