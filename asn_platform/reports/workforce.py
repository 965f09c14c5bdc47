"""The workforce report: static pages with charts, overall and one per region, from the published warehouse.

`build_reports(settings)` reads `settings.analytics_path` (the published, pseudonymous marts, opened read-only: never
the build database) and writes `reports_dir/workforce/index.html` (every region, grouped by region) and
`reports_dir/workforce/<region>.html` (that region, grouped by unit). Each chart is a Vega-Lite spec with its data
inline, drawn by the vendored vega-embed, so the pages read offline from a file share. The thresholds the charts are
judged against (IKM bands, 20 JP, the IKM target, the merit rules, golongan order) are read from the dbt seeds, the
same reference data the marts are built from; docs/reports.md says how each figure is computed.
"""

from __future__ import annotations

import csv
import html
import json
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
from asn_platform.reports.summary import HEADLINES

WORKFORCE_DIR = "workforce"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
TITLE = "Workforce report: training, placement, merit and service quality"
# A region's page is <region>.html beside the overall index.html: the code must make a plain file name.
_REGION_CODE = re.compile(r"[a-z0-9][a-z0-9_-]*")
HEADLINE_COLUMNS = ("region", "year", "met 20 JP", "mean JP", "ICT JP", "placement fit", "critical misfits",
                    "merit candidates", "IKM")  # fmt: skip


class ReportsError(RuntimeError):
    """The reports cannot be built: nothing published yet, or a region code that cannot name a page."""


def workforce_index(settings: Settings) -> Path:
    """Where the overall workforce page lives (the report index links to it)."""
    return settings.reports_dir / WORKFORCE_DIR / INDEX_NAME


def workforce_entry(settings: Settings, regions: int | None = None) -> ReportEntry:
    scope = f"overall and for each of {_count(regions, 'region')}" if regions else "overall and per region"
    return ReportEntry(
        "Workforce report",
        workforce_index(settings),
        f"Charts {scope}: IKM against the mutu bands, the weakest IKM elements, training against 20 JP, ICT "
        "training, placement fit, the merit pipeline and how competency relates to service quality.",
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
    title: str

    @property
    def group_title(self) -> str:
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


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    caption: str  # plain text, escaped when written
    spec: dict[str, Any]


def ikm_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference) -> Chart:
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
        row["band"] = reference.band_of(row["ikm"]).label
    target = reference.parameter("ikm_target")
    b_band = reference.band_of(target)
    lower_bounds = ", ".join(
        f"{band.mutu} from {band.ikm_min:.2f}" for band in sorted(reference.bands, key=lambda b: -b.ikm_min)
    )
    weights = {element.weight for element in reference.elements}
    weight = f"x {weights.pop()}" if len(weights) == 1 else "x its element's weight"
    finding = ""
    if rows:
        latest = max(row["quarter"] for row in rows)
        in_latest = [row for row in rows if row["quarter"] == latest]
        below = sum(row["ikm"] < Decimal(str(target)) for row in in_latest)
        finding = f" In {latest}, {below} of {_count(len(in_latest), scope.group_title)} are below {target:.2f}."
    service_quarters = sum(row["services"] for row in rows)
    small = sum(row["services_below_minimum"] for row in rows)
    caption = (
        f"Each cell is a {scope.group_title}'s IKM (Indeks Kepuasan Masyarakat, PermenPANRB 14/2017) in a quarter: "
        f"the NRR of each of the nine elements {weight}, summed, x {reference.parameter('ikm_scale_factor'):g}; a "
        f"{scope.group_title} pools its services' responses (their IKMs weighted by respondents). The colour is the "
        f"mutu band the IKM, rounded to 2 decimals, reaches ({lower_bounds}; ikm_bands seed). IKM "
        f"{target:.2f} is the lower bound of mutu {b_band.mutu} ({b_band.kinerja}), the platform's target."
        f"{finding} {small} of {service_quarters} service-quarters had fewer respondents than the Krejcie & Morgan "
        "minimum sample: they are shown, not hidden (see the tooltip)."
    )
    spec = charts.ikm_heatmap(_json_rows(rows), reference.bands, scope.group_title)
    return Chart("ikm", "IKM by quarter against the mutu bands", caption, spec)


def weakest_elements_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference) -> Chart:
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
                "band": reference.nrr_band_of(nrr).nrr_label,
                "respondents": respondents,
                "weakest_in": weakest.get(element.element, 0),
                "training_focus": element.training_focus,
            }
        )
    years = ", ".join(str(year) for year in sorted(totals["years"] or []))
    nrr_bounds = ", ".join(
        f"{band.mutu} from {band.nrr_min:.4f}" for band in sorted(reference.bands, key=lambda b: -b.nrr_min)
    )
    finding = ""
    if rows:
        first = min(rows, key=lambda row: (row["nrr"], row["element_order"]))
        finding = (
            f" The weakest is {first['element_name']} (NRR {first['nrr']:.4f}); the training that targets it is "
            f"{first['training_focus']} (ikm_elements seed)."
        )
    caption = (
        f"The average score (NRR, 1-4) of each of the nine IKM elements (unsur) over {respondents:,} survey responses "
        f"in the latest complete year ({years or 'none yet'}), weakest first; the dashed lines are the bands' NRR "
        f"lower bounds ({nrr_bounds}; ikm_bands seed). The tooltip says in how many units it is the weakest "
        f"element.{finding}"
    )
    spec = charts.weakest_elements(_json_rows(rows), reference.bands)
    return Chart("elements", "The weakest IKM elements (unsur)", caption, spec)


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


def _snapshot(connection: duckdb.DuckDBPyConnection, scope: Scope) -> str:
    (snapshot,) = connection.execute(
        f"SELECT max(snapshot_date)::VARCHAR FROM core.dim_region x WHERE {scope.grouping()[2]}", scope.parameters
    ).fetchone()
    return snapshot or "not loaded yet"


def training_chart(rows: list[dict[str, Any]], scope: Scope, reference: Reference, snapshot: str) -> Chart:
    minimum = reference.parameter("min_training_jp_per_year")
    years = sorted({row["calendar_year"] for row in rows})
    finding = ""
    if len(years) >= 2:
        year = years[-2]
        in_year = [row for row in rows if row["calendar_year"] == year]
        met = sum(row["meeting_20_jp"] for row in in_year)
        staff = sum(row["active_headcount"] for row in in_year)
        finding = f" In {year}, {met:,} of {staff:,} active staff ({_pct(100 * met / staff)}) had {minimum:g} JP."
    caption = (
        f"The share of each {scope.group_title}'s active staff who passed at least {minimum:g} JP (jam pelajaran) of "
        f"competency development in the year: every PNS is entitled to at least {minimum:g} JP a year (PP 11/2017 "
        f"art. 203(4), amended by PP 17/2020; min_training_jp_per_year seed), so the aim is 100 %. Only passed "
        f"courses count. The last year is the snapshot year, counted up to the personnel snapshot ({snapshot})."
        f"{finding}"
    )
    spec = charts.share_by_year(
        _json_rows(rows),
        "meeting_20_jp_pct",
        f"staff with at least {minimum:g} JP, %",
        scope.group_title,
        [
            {"field": "meeting_20_jp", "title": f"staff with {minimum:g} JP", "format": ","},
            {"field": "active_headcount", "title": "active staff", "format": ","},
            {"field": "mean_jp", "title": "JP per person", "format": ".2f"},
            {"field": "jp_short_of_20", "title": f"JP still short of {minimum:g}", "format": ","},
        ],
    )
    return Chart("training", f"Training coverage against {minimum:g} JP", caption, spec)


def ict_chart(rows: list[dict[str, Any]], scope: Scope, reference: Reference) -> Chart:
    ict_elements = [element.name for element in reference.elements if element.training_focus == "digital_ict"]
    years = sorted({row["calendar_year"] for row in rows})
    finding = ""
    if len(years) >= 2:
        in_year = [row for row in rows if row["calendar_year"] == years[-2] and row["ict_jp_pct"] is not None]
        if in_year:
            low = min(in_year, key=lambda row: (row["ict_jp_pct"], row["group"]))
            finding = f" Lowest in {years[-2]}: {low['group']}, {_pct(float(low['ict_jp_pct']))}."
    caption = (
        f"The share of the JP each {scope.group_title}'s staff passed that were in digital/ICT courses (topic "
        "digital_ict), weighted by JP; the tooltip adds the share of staff with any ICT training. No regulation sets a "
        "target: the regions' own policy papers ask for ICT training first, for online services, and ICT training is "
        f"what the ikm_elements seed prescribes for the elements {', '.join(ict_elements)}.{finding}"
    )
    spec = charts.share_by_year(
        _json_rows(rows),
        "ict_jp_pct",
        "ICT share of the JP, %",
        scope.group_title,
        [
            {"field": "trained_in_ict_pct", "title": "staff with ICT training, %", "format": ".2f"},
            {"field": "active_headcount", "title": "active staff", "format": ","},
        ],
    )
    return Chart("ict", "ICT training share", caption, spec)


def placement_chart(connection: duckdb.DuckDBPyConnection, scope: Scope) -> Chart:
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
        {"group": group["group"], "fit": fit, "staff": group[fit], "fit_rate_pct": group["fit_rate_pct"],
         "critical_mismatches": group["critical_mismatches"]}
        for group in groups
        for fit in charts.FIT_COLOURS
    ]  # fmt: skip
    matches, assessed = sum(g["match"] for g in groups), sum(g["assessed"] for g in groups)
    critical = sum(g["critical_mismatches"] for g in groups)
    overall = f"{_pct(100 * matches / assessed)} of the {assessed:,} assessable staff fit" if assessed else "none"
    caption = (
        f"Active staff of each {scope.group_title} by how the sector their education prepares for (education_fields "
        "seed) compares with their unit's sector: match, related (sector_relations seed), mismatch, or not assessed "
        "(general schooling or an unmapped field). A health graduate belongs in a health agency or Puskesmas. "
        f"Sorted by fit rate (matches of the assessable staff). Overall {overall}; {critical:,} hold a critical role "
        "(critical_roles seed) without the education it needs."
    )
    return Chart("placement", "Placement fit: education against position", caption,
                 charts.placement_fit(_json_rows(rows), scope.group_title))  # fmt: skip


def merit_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference) -> Chart:
    _, _, where = scope.grouping()
    rows = _rows(
        connection,
        f"""SELECT x.golongan, x.next_golongan, coalesce(x.fit, 'not_assessed') AS fit, count(*) AS candidates
            FROM placement.merit_candidates x WHERE {where} GROUP BY ALL""",
        scope,
    )
    (pns,) = connection.execute(
        f"SELECT count(*) FROM core.dim_employee x WHERE x.status = 'active' AND x.employment_type = 'PNS' AND {where}",
        scope.parameters,
    ).fetchone()
    order = reference.golongan_order
    for row in rows:
        row["step"] = f"{row['golongan']} → {row['next_golongan']}"
    steps = sorted({row["step"]: row["golongan"] for row in rows}.items(), key=lambda item: order.get(item[1], 99))
    total = sum(row["candidates"] for row in rows)
    share = f" ({_pct(100 * total / pns)} of the {pns:,} active PNS)" if pns else ""
    ratings = {row["rating_rank"]: row["predikat"] for row in _seed("skp_ratings")}
    bar = ratings.get(str(int(reference.parameter("merit_max_skp_rank"))), "the bar")
    caption = (
        f"{total:,} civil servants{share} meet every merit rule for promotion to the next golongan, by the step and "
        f"their placement fit: SKP predikat {bar} or better for {reference.parameter('merit_skp_years'):g} years "
        f"running (PermenPANRB 6/2022), at least {reference.parameter('merit_min_years_in_golongan'):g} years in the "
        f"golongan (PP 99/2000), {reference.parameter('min_training_jp_per_year'):g} JP last year, and no discipline "
        f"sanction in {reference.parameter('merit_sanction_free_years'):g} years (platform_parameters seed). "
        "A candidate placed against their education is worth a look before promotion."
    )
    return Chart("merit", "The merit pipeline", caption,
                 charts.merit_pipeline(_json_rows(rows), [step for step, _ in steps]))  # fmt: skip


def link_chart(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference) -> Chart:
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
    target = reference.parameter("ikm_target")
    pairs = [(float(row["meeting_20_jp_pct"]), float(row["ikm"])) for row in rows]
    try:
        r = statistics.correlation(*zip(*pairs, strict=True)) if len(pairs) >= 3 else None
    except statistics.StatisticsError:  # every point has the same coverage or the same IKM
        r = None
    strength = "no" if r is None else "a strong" if abs(r) >= 0.5 else "a moderate" if abs(r) >= 0.3 else "a weak"
    correlation = (
        f" Across these {len(pairs)} unit-years the correlation is r = {r:.2f}: {strength} link"
        f"{'' if r is None else ' (higher coverage, higher IKM)' if r > 0 else ' (higher coverage, lower IKM)'}; "
        "a correlation is not a cause."
        if r is not None
        else " Too few unit-years to measure a link."
    )
    caption = (
        f"Each point is a unit in a year (service_quality.service_competency_link): the share of its staff meeting "
        f"{reference.parameter('min_training_jp_per_year'):g} JP against its IKM for the year (all its services' "
        f"responses pooled), sized by respondents. The dashed lines are the mutu bands' lower bounds; IKM "
        f"{target:.2f}, the lower bound of mutu {reference.band_of(target).mutu}, is the target units below it are "
        f"trained toward first (training_needs).{correlation} The tooltip gives the unit's weakest element and the "
        "training it calls for."
    )
    spec = charts.competency_service_link(_json_rows(rows), reference.bands, target, "unit")
    return Chart("link", "Competency and service quality", caption, spec)


def page_charts(connection: duckdb.DuckDBPyConnection, scope: Scope, reference: Reference) -> list[Chart]:
    training = _training_rows(connection, scope)
    return [
        ikm_chart(connection, scope, reference),
        weakest_elements_chart(connection, scope, reference),
        training_chart(training, scope, reference, _snapshot(connection, scope)),
        ict_chart(training, scope, reference),
        placement_chart(connection, scope),
        merit_chart(connection, scope, reference),
        link_chart(connection, scope, reference),
    ]


# --- pages -----------------------------------------------------------------------------------------------------


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '</' can close it early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


# Draws every spec into its element; a chart that fails says so on the page and in the console, and the body's
# data-charts attribute says when all are done (the browser test waits for it).
EMBED_SCRIPT = """
(function () {
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var drawn = Object.keys(specs).map(function (key) {
    var element = document.getElementById("chart-" + key);
    return vegaEmbed(element, specs[key], {mode: "vega-lite", renderer: "svg", actions: false})
      .catch(function (error) {
        element.textContent = "This chart could not be drawn: " + error;
        throw error;
      });
  });
  Promise.all(drawn).then(
    function () { document.body.setAttribute("data-charts", "rendered"); },
    function (error) { document.body.setAttribute("data-charts", "failed"); console.error(error); }
  );
})();
"""


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
    """A report page at `page` (where it finally lives): the headline table, then each chart with its caption."""

    def asset(key: str) -> str:
        return html.escape(asset_url(settings, key, page))

    head = "".join(f"<th>{html.escape(column)}</th>" for column in HEADLINE_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell if cell is not None else '-'))}</td>" for cell in row) + "</tr>"
        for row in headlines
    )
    headline_table = (
        f'<div class="table-responsive"><table class="table table-sm table-striped bg-white" id="headlines">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        '<p class="small text-muted">Latest complete year of each region (its snapshot year is still running); '
        "placement fit: staff whose education field matches their unit's sector, of those assessable; IKM on 25-100, "
        "respondent-weighted.</p>"
    )
    sections = "".join(
        f'<section class="card mb-4" id="section-{chart.key}"><div class="card-body">'
        f'<h2 class="h5 card-title">{html.escape(chart.title)}</h2>'
        f'<p class="small text-muted">{html.escape(chart.caption)}</p>'
        f'<div class="chart w-100" id="chart-{chart.key}" data-chart="{chart.key}"></div>'
        "</div></section>"
        for chart in chart_list
    )
    link_items = "".join(
        f'<a class="list-group-item list-group-item-action" href="{html.escape(relative_url(target, page))}">'
        f"<strong>{html.escape(text)}</strong>"
        f'<span class="small text-muted ml-2">{html.escape(note)}</span></a>'
        for text, target, note in links
    )
    regions = ""
    if links:
        regions = f'<h2 class="h5">Regions</h2><div class="list-group mb-4" id="regions">{link_items}</div>'
    index = html.escape(relative_url(settings.reports_dir / INDEX_NAME, page))
    overall = html.escape(relative_url(workforce_index(settings), page))
    stamp = f"published {published_at:%Y-%m-%d %H:%M} UTC; " if published_at else ""
    specs = _script_json({chart.key: chart.spec for chart in chart_list})
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)}</title>
  <link rel="stylesheet" href="{asset("bootstrap.css")}">
  <style>.chart {{ min-height: 80px; }} .vega-embed {{ width: 100%; }}</style>
</head>
<body class="bg-light">
  <main class="container py-4">
    <nav class="small mb-2"><a href="{index}">Reports</a> &rsaquo; <a href="{overall}">Workforce</a></nav>
    <h1 class="h3">{html.escape(title)}</h1>
    <p class="text-muted small">{html.escape(lead)} Data: {stamp}written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC
      from the published warehouse (pseudonymous marts).</p>
    {headline_table}
    {regions}
    {sections}
  </main>
  <script id="chart-specs" type="application/json">{specs}</script>
  <script src="{asset("vega.js")}"></script>
  <script src="{asset("vega-lite.js")}"></script>
  <script src="{asset("vega-embed.js")}"></script>
  <script>{EMBED_SCRIPT}</script>
</body>
</html>
"""


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)


def build_reports(settings: Settings) -> list[ReportEntry]:
    """Write the workforce pages (overall, and one per region) from the published warehouse, replacing the folder
    whole; returns the report index's entry for them (the overall page, which links every region's)."""
    published = settings.analytics_path
    if not published.is_file():
        raise ReportsError(
            f"no published warehouse at {published}: the reports read it; run the pipeline first (`make run`), "
            "which publishes it"
        )
    reference = read_reference()
    ensure_assets(settings)
    final = settings.reports_dir / WORKFORCE_DIR
    with connect(published, read_only=True, settings=settings) as connection:
        regions = connection.execute(
            "SELECT region, coalesce(region_name, region), province, active_headcount, snapshot_date::VARCHAR "
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
                scope = Scope(region, f"{name} ({province})")
                text = render_page(
                    settings,
                    page,
                    title=f"{name}: workforce report",
                    lead=f"{name}, {province}: {headcount or 0:,} active civil servants at the personnel snapshot "
                    f"{snapshot or '(none yet)'}, unit by unit.",
                    headlines=[row for row in headlines if row[0] == region],
                    chart_list=page_charts(connection, scope, reference),
                    published_at=published_at,
                )
                _write(staged / page.name, text)
                links.append((name, page, f"{province}; {headcount or 0:,} active staff; snapshot {snapshot or '-'}"))
            overall = render_page(
                settings,
                workforce_index(settings),
                title=TITLE,
                lead=f"Every region ({_count(len(regions), 'region')}), region by region; each region's page shows "
                "its units.",
                headlines=headlines,
                chart_list=page_charts(connection, Scope(None, "All regions"), reference),
                links=links,
                published_at=published_at,
            )
            _write(staged / INDEX_NAME, overall)
    return [workforce_entry(settings, len(regions))]
