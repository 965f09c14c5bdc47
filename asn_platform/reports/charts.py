"""Vega-Lite specifications of the workforce report's charts, data inline.

Each builder takes rows already computed from the published marts (plain dicts of JSON-ready values) and the
reference values they are judged against (read from the dbt seeds by the caller), and returns a spec that
vega-embed draws without fetching anything: no `$schema` URL, no data URL, no remote font.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asn_platform.reports.language import Language

Spec = dict[str, Any]
Row = Mapping[str, Any]

# Band colours from best to worst (a diverging green-to-red scale); which band gets which colour follows the seed's
# order of lower bounds, so a renamed or added band keeps a sensible colour without touching this file.
BAND_COLOURS = ("#1a9850", "#91cf60", "#fdae61", "#d73027", "#7f0000")
FIT_COLOURS = {"match": "#1a9850", "related": "#91cf60", "mismatch": "#d73027", "not_assessed": "#bdbdbd"}
WIDTH = "container"  # as wide as the page's card; vega-embed resizes on window resize


@dataclass(frozen=True)
class Band:
    """One IKM band of the ikm_bands seed."""

    mutu: str
    kinerja: str
    ikm_min: float
    ikm_max: float
    nrr_min: float
    nrr_max: float

    def label(self, t: Language) -> str:
        """B Baik (76,61-88,30): the band with its IKM range, in the report's number format."""
        return f"{self.mutu} {self.kinerja} ({t.number(self.ikm_min, 2)}-{t.number(self.ikm_max, 2)})"

    def nrr_label(self, t: Language) -> str:
        """The band as an element's NRR (1-4) falls in it."""
        return f"{self.mutu} {self.kinerja} (NRR {t.number(self.nrr_min, 4)}-{t.number(self.nrr_max, 4)})"


def fit_label(t: Language, fit: str) -> str:
    return t.label("fit", fit)


def _band_scale(bands: Sequence[Band], t: Language, field: str = "band", *, nrr: bool = False) -> dict[str, Any]:
    best_first = sorted(bands, key=lambda band: band.ikm_min, reverse=True)
    return {
        "field": field,
        "type": "nominal",
        "title": t("chart.mutu_of_nrr") if nrr else t("chart.mutu_band"),
        "scale": {
            "domain": [band.nrr_label(t) if nrr else band.label(t) for band in best_first],
            "range": list(BAND_COLOURS[: len(best_first)]),
        },
        "legend": {"orient": "bottom", "columns": 2, "labelLimit": 260},
    }


def _row_height(count: int, per_row: int = 22, minimum: int = 80) -> int:
    return max(minimum, per_row * max(count, 1))


def ikm_heatmap(rows: Sequence[Row], bands: Sequence[Band], group_title: str, t: Language) -> Spec:
    """IKM of each group (unit or region) per quarter, coloured by its mutu band, the value written in the cell."""
    groups = sorted({row["group"] for row in rows})
    tooltip = [
        {"field": "group", "title": group_title},
        {"field": "quarter", "title": t("chart.quarter")},
        {"field": "ikm", "title": "IKM", "format": ".2f"},
        {"field": "band", "title": "mutu"},
        {"field": "respondents", "title": t("chart.respondents"), "format": ","},
        {"field": "services", "title": t("chart.services")},
        {"field": "services_below_minimum", "title": t("chart.services_below_minimum")},
    ]
    encoding = {
        "x": {"field": "quarter", "type": "ordinal", "title": t("chart.quarter"), "axis": {"labelAngle": -45}},
        "y": {"field": "group", "type": "nominal", "title": None, "sort": groups, "axis": {"labelLimit": 260}},
    }
    return {
        "width": WIDTH,
        "height": _row_height(len(groups)),
        "data": {"values": list(rows)},
        "encoding": encoding,
        "layer": [
            {
                "mark": {"type": "rect", "stroke": "white"},
                "encoding": {"color": _band_scale(bands, t), "tooltip": tooltip},
            },
            {
                "mark": {"type": "text", "fontSize": 10},
                "encoding": {"text": {"field": "ikm", "type": "quantitative", "format": ".1f"}, "tooltip": tooltip},
            },
        ],
    }


def weakest_elements(rows: Sequence[Row], bands: Sequence[Band], t: Language) -> Spec:
    """The nine elements' NRR (1-4), weakest first, against the NRR lower bounds of the bands."""
    thresholds = [
        {"nrr": band.nrr_min, "label": t("band.from", mutu=band.mutu, value=t.number(band.nrr_min, 4))}
        for band in sorted(bands, key=lambda band: band.nrr_min)
        if band.nrr_min > 1
    ]
    order = [row["element_name"] for row in sorted(rows, key=lambda row: (row["nrr"], row["element_order"]))]
    tooltip = [
        {"field": "element_name", "title": t("chart.element")},
        {"field": "nrr", "title": "NRR", "format": ".4f"},
        {"field": "band", "title": t("chart.mutu_of_nrr")},
        {"field": "respondents", "title": t("chart.respondents"), "format": ","},
        {"field": "weakest_in", "title": t("chart.weakest_in")},
        {"field": "training_focus_label", "title": t("chart.training_for_element")},
    ]
    return {
        "width": WIDTH,
        "height": _row_height(len(rows), 26),
        "layer": [
            {
                "data": {"values": list(rows)},
                "mark": {"type": "bar"},
                "encoding": {
                    "y": {"field": "element_name", "type": "nominal", "sort": order, "title": None,
                          "axis": {"labelLimit": 300}},
                    "x": {"field": "nrr", "type": "quantitative", "title": t("chart.nrr_axis"),
                          "scale": {"domain": [1, 4], "clamp": True}, "axis": {"tickCount": 7}},
                    "color": _band_scale(bands, t, nrr=True),
                    "tooltip": tooltip,
                },
            },
            {
                "data": {"values": thresholds},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#444"},
                "encoding": {"x": {"field": "nrr", "type": "quantitative"}},
            },
            {
                "data": {"values": thresholds},
                "mark": {"type": "text", "align": "left", "dx": 3, "dy": -4, "fontSize": 10, "color": "#444"},
                "encoding": {"x": {"field": "nrr", "type": "quantitative"}, "y": {"value": 0},
                             "text": {"field": "label"}},
            },
        ],
    }  # fmt: skip


def share_by_year(
    rows: Sequence[Row],
    value: str,
    value_title: str,
    group_title: str,
    extra_tooltip: Sequence[Mapping[str, str]],
    *,
    t: Language,
) -> Spec:
    """A 0-100 % share per group (unit or region) and year, one bar per year side by side."""
    groups = sorted({row["group"] for row in rows})
    years = sorted({row["year_label"] for row in rows})
    tooltip = [
        {"field": "group", "title": group_title},
        {"field": "year_label", "title": t("chart.year")},
        {"field": value, "title": value_title, "format": ".2f"},
        *extra_tooltip,
    ]
    return {
        "width": WIDTH,
        "height": _row_height(len(groups), 12 * max(len(years), 1) + 6),
        "data": {"values": list(rows)},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "group", "type": "nominal", "sort": groups, "title": None, "axis": {"labelLimit": 260}},
            "yOffset": {"field": "year_label", "type": "nominal", "sort": years},
            "x": {"field": value, "type": "quantitative", "title": value_title, "scale": {"domain": [0, 100]}},
            "color": {"field": "year_label", "type": "nominal", "title": t("chart.year"), "sort": years,
                      "legend": {"orient": "bottom"}},
            "tooltip": tooltip,
        },
    }  # fmt: skip


def _fit_colour(t: Language) -> dict[str, Any]:
    """The placement-fit colour, keyed by the fit's label in the report's language, in FIT_COLOURS order."""
    return {
        "field": "fit_label",
        "type": "nominal",
        "scale": {"domain": [fit_label(t, fit) for fit in FIT_COLOURS], "range": list(FIT_COLOURS.values())},
        "legend": {"orient": "bottom"},
    }


def placement_fit(rows: Sequence[Row], group_title: str, t: Language) -> Spec:
    """Active staff per group by how their education fits the unit's sector, as shares of the group's staff."""
    order = [
        row["group"]
        for row in sorted(
            (row for row in rows if row["fit"] == "match"), key=lambda row: (-(row["fit_rate_pct"] or 0), row["group"])
        )
    ]
    fits = list(FIT_COLOURS)
    return {
        "width": WIDTH,
        "height": _row_height(len(order)),
        "data": {"values": list(rows)},
        "transform": [{"calculate": f"indexof({fits!r}, datum.fit)", "as": "fit_order"}],
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "group", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 260}},
            "x": {"field": "staff", "type": "quantitative", "stack": "normalize", "title": t("chart.share_of_staff"),
                  "axis": {"format": "%"}},
            "color": {**_fit_colour(t), "title": t("chart.education_vs_sector")},
            "order": {"field": "fit_order", "type": "quantitative"},
            "tooltip": [
                {"field": "group", "title": group_title},
                {"field": "fit_label", "title": t("chart.fit")},
                {"field": "staff", "title": t("chart.staff"), "format": ","},
                {"field": "fit_rate_pct", "title": t("chart.fit_rate"), "format": ".2f"},
                {"field": "critical_mismatches", "title": t("chart.critical_mismatches")},
            ],
        },
    }  # fmt: skip


def merit_pipeline(rows: Sequence[Row], steps: Sequence[str], t: Language) -> Spec:
    """Promotion-eligible civil servants per golongan step (now -> next), by their placement fit."""
    fits = list(FIT_COLOURS)
    return {
        "width": WIDTH,
        "height": 260,
        "data": {"values": list(rows)},
        "transform": [{"calculate": f"indexof({fits!r}, datum.fit)", "as": "fit_order"}],
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "step", "type": "ordinal", "sort": list(steps), "title": t("chart.golongan_step"),
                  "axis": {"labelAngle": -45}},
            "y": {"field": "candidates", "type": "quantitative", "title": t("chart.merit_candidates")},
            "color": {**_fit_colour(t), "title": t("chart.placement_fit")},
            "order": {"field": "fit_order", "type": "quantitative"},
            "tooltip": [
                {"field": "step", "title": "golongan"},
                {"field": "fit_label", "title": t("chart.placement_fit")},
                {"field": "candidates", "title": t("chart.candidates"), "format": ","},
            ],
        },
    }  # fmt: skip


def competency_service_link(
    rows: Sequence[Row], bands: Sequence[Band], target: float, group_title: str, t: Language
) -> Spec:
    """Each unit-year: its share of staff meeting 20 JP against its IKM, with the IKM target as a rule."""
    years = sorted({row["year_label"] for row in rows})
    low = min([target, *(row["ikm"] for row in rows)]) - 2
    high = max([target, *(row["ikm"] for row in rows)]) + 2
    band_edges = [
        {"ikm": band.ikm_min, "label": t("band.from", mutu=band.mutu, value=t.number(band.ikm_min, 2))}
        for band in bands
        if low < band.ikm_min < high
    ]
    met = t("chart.meeting_jp")
    return {
        "width": WIDTH,
        "height": 320,
        "layer": [
            {
                "data": {"values": list(rows)},
                "mark": {"type": "point", "filled": True, "opacity": 0.75},
                "encoding": {
                    "x": {"field": "meeting_20_jp_pct", "type": "quantitative", "title": met,
                          "scale": {"zero": False}},
                    "y": {"field": "ikm", "type": "quantitative", "title": "IKM", "scale": {"domain": [low, high]}},
                    "size": {"field": "respondents", "type": "quantitative", "title": t("chart.respondents"),
                             "legend": {"orient": "bottom"}},
                    "color": {"field": "year_label", "type": "nominal", "title": t("chart.year"), "sort": years,
                              "legend": {"orient": "bottom"}},
                    "tooltip": [
                        {"field": "group", "title": group_title},
                        {"field": "year_label", "title": t("chart.year")},
                        {"field": "ikm", "title": "IKM", "format": ".2f"},
                        {"field": "mutu", "title": "mutu"},
                        {"field": "meeting_20_jp_pct", "title": met, "format": ".2f"},
                        {"field": "ict_jp_pct", "title": t("chart.ict_share"), "format": ".2f"},
                        {"field": "placement_fit_pct", "title": t("chart.placement_fit_pct"), "format": ".2f"},
                        {"field": "weakest_element", "title": t("chart.weakest_element")},
                        {"field": "recommended_training_focus_label", "title": t("chart.training_it_calls_for")},
                    ],
                },
            },
            {
                "data": {"values": band_edges},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#444"},
                "encoding": {"y": {"field": "ikm", "type": "quantitative"}},
            },
            {
                "data": {"values": band_edges},
                "mark": {"type": "text", "align": "left", "x": 4, "dy": -6, "fontSize": 10, "color": "#444"},
                "encoding": {"y": {"field": "ikm", "type": "quantitative"}, "text": {"field": "label"}},
            },
        ],
    }  # fmt: skip
