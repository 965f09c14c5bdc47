"""Vega-Lite specifications of the workforce report's charts, data inline.

Each builder takes rows already computed from the published marts (plain dicts of JSON-ready values) and the
reference values they are judged against (read from the dbt seeds by the caller), and returns a spec that
vega-embed draws without fetching anything: no `$schema` URL, no data URL, no remote font.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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

    @property
    def label(self) -> str:
        return f"{self.mutu} {self.kinerja} ({self.ikm_min:.2f}-{self.ikm_max:.2f})"

    @property
    def nrr_label(self) -> str:
        """The band as an element's NRR (1-4) falls in it."""
        return f"{self.mutu} {self.kinerja} (NRR {self.nrr_min:.4f}-{self.nrr_max:.4f})"


def _band_scale(bands: Sequence[Band], field: str = "band", *, nrr: bool = False) -> dict[str, Any]:
    best_first = sorted(bands, key=lambda band: band.ikm_min, reverse=True)
    return {
        "field": field,
        "type": "nominal",
        "title": "mutu of the NRR" if nrr else "mutu (IKM band)",
        "scale": {
            "domain": [band.nrr_label if nrr else band.label for band in best_first],
            "range": list(BAND_COLOURS[: len(best_first)]),
        },
        "legend": {"orient": "bottom", "columns": 2, "labelLimit": 260},
    }


def _row_height(count: int, per_row: int = 22, minimum: int = 80) -> int:
    return max(minimum, per_row * max(count, 1))


def ikm_heatmap(rows: Sequence[Row], bands: Sequence[Band], group_title: str) -> Spec:
    """IKM of each group (unit or region) per quarter, coloured by its mutu band, the value written in the cell."""
    groups = sorted({row["group"] for row in rows})
    tooltip = [
        {"field": "group", "title": group_title},
        {"field": "quarter", "title": "quarter"},
        {"field": "ikm", "title": "IKM", "format": ".2f"},
        {"field": "band", "title": "mutu"},
        {"field": "respondents", "title": "respondents", "format": ","},
        {"field": "services", "title": "services"},
        {"field": "services_below_minimum", "title": "services below the minimum sample"},
    ]
    encoding = {
        "x": {"field": "quarter", "type": "ordinal", "title": "quarter", "axis": {"labelAngle": -45}},
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
                "encoding": {"color": _band_scale(bands), "tooltip": tooltip},
            },
            {
                "mark": {"type": "text", "fontSize": 10},
                "encoding": {"text": {"field": "ikm", "type": "quantitative", "format": ".1f"}, "tooltip": tooltip},
            },
        ],
    }


def weakest_elements(rows: Sequence[Row], bands: Sequence[Band]) -> Spec:
    """The nine elements' NRR (1-4), weakest first, against the NRR lower bounds of the bands."""
    thresholds = [
        {"nrr": band.nrr_min, "label": f"{band.mutu} from {band.nrr_min:.4f}"}
        for band in sorted(bands, key=lambda band: band.nrr_min)
        if band.nrr_min > 1
    ]
    order = [row["element_name"] for row in sorted(rows, key=lambda row: (row["nrr"], row["element_order"]))]
    tooltip = [
        {"field": "element_name", "title": "element (unsur)"},
        {"field": "nrr", "title": "NRR", "format": ".4f"},
        {"field": "band", "title": "mutu of this NRR"},
        {"field": "respondents", "title": "respondents", "format": ","},
        {"field": "weakest_in", "title": "units where it is the weakest"},
        {"field": "training_focus", "title": "training that targets it"},
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
                    "x": {"field": "nrr", "type": "quantitative", "title": "NRR (1-4)",
                          "scale": {"domain": [1, 4], "clamp": True}, "axis": {"tickCount": 7}},
                    "color": _band_scale(bands, nrr=True),
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
    rows: Sequence[Row], value: str, value_title: str, group_title: str, extra_tooltip: Sequence[Mapping[str, str]]
) -> Spec:
    """A 0-100 % share per group (unit or region) and year, one bar per year side by side."""
    groups = sorted({row["group"] for row in rows})
    years = sorted({row["year_label"] for row in rows})
    tooltip = [
        {"field": "group", "title": group_title},
        {"field": "year_label", "title": "year"},
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
            "color": {"field": "year_label", "type": "nominal", "title": "year", "sort": years,
                      "legend": {"orient": "bottom"}},
            "tooltip": tooltip,
        },
    }  # fmt: skip


def placement_fit(rows: Sequence[Row], group_title: str) -> Spec:
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
            "x": {"field": "staff", "type": "quantitative", "stack": "normalize", "title": "share of active staff",
                  "axis": {"format": "%"}},
            "color": {"field": "fit", "type": "nominal", "title": "education vs the unit's sector",
                      "scale": {"domain": fits, "range": list(FIT_COLOURS.values())}, "legend": {"orient": "bottom"}},
            "order": {"field": "fit_order", "type": "quantitative"},
            "tooltip": [
                {"field": "group", "title": group_title},
                {"field": "fit", "title": "fit"},
                {"field": "staff", "title": "staff", "format": ","},
                {"field": "fit_rate_pct", "title": "fit rate of the assessed, %", "format": ".2f"},
                {"field": "critical_mismatches", "title": "critical mismatches"},
            ],
        },
    }  # fmt: skip


def merit_pipeline(rows: Sequence[Row], steps: Sequence[str]) -> Spec:
    """Promotion-eligible civil servants per golongan step (now -> next), by their placement fit."""
    fits = list(FIT_COLOURS)
    return {
        "width": WIDTH,
        "height": 260,
        "data": {"values": list(rows)},
        "transform": [{"calculate": f"indexof({fits!r}, datum.fit)", "as": "fit_order"}],
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "step", "type": "ordinal", "sort": list(steps), "title": "golongan now → next",
                  "axis": {"labelAngle": -45}},
            "y": {"field": "candidates", "type": "quantitative", "title": "merit candidates"},
            "color": {"field": "fit", "type": "nominal", "title": "placement fit",
                      "scale": {"domain": fits, "range": list(FIT_COLOURS.values())}, "legend": {"orient": "bottom"}},
            "order": {"field": "fit_order", "type": "quantitative"},
            "tooltip": [
                {"field": "step", "title": "golongan"},
                {"field": "fit", "title": "placement fit"},
                {"field": "candidates", "title": "candidates", "format": ","},
            ],
        },
    }  # fmt: skip


def competency_service_link(rows: Sequence[Row], bands: Sequence[Band], target: float, group_title: str) -> Spec:
    """Each unit-year: its share of staff meeting 20 JP against its IKM, with the IKM target as a rule."""
    years = sorted({row["year_label"] for row in rows})
    low = min([target, *(row["ikm"] for row in rows)]) - 2
    high = max([target, *(row["ikm"] for row in rows)]) + 2
    band_edges = [
        {"ikm": band.ikm_min, "label": f"{band.mutu} from {band.ikm_min:.2f}"}
        for band in bands
        if low < band.ikm_min < high
    ]
    return {
        "width": WIDTH,
        "height": 320,
        "layer": [
            {
                "data": {"values": list(rows)},
                "mark": {"type": "point", "filled": True, "opacity": 0.75},
                "encoding": {
                    "x": {"field": "meeting_20_jp_pct", "type": "quantitative", "title": "staff meeting 20 JP, %",
                          "scale": {"zero": False}},
                    "y": {"field": "ikm", "type": "quantitative", "title": "IKM", "scale": {"domain": [low, high]}},
                    "size": {"field": "respondents", "type": "quantitative", "title": "respondents",
                             "legend": {"orient": "bottom"}},
                    "color": {"field": "year_label", "type": "nominal", "title": "year", "sort": years,
                              "legend": {"orient": "bottom"}},
                    "tooltip": [
                        {"field": "group", "title": group_title},
                        {"field": "year_label", "title": "year"},
                        {"field": "ikm", "title": "IKM", "format": ".2f"},
                        {"field": "mutu", "title": "mutu"},
                        {"field": "meeting_20_jp_pct", "title": "staff meeting 20 JP, %", "format": ".2f"},
                        {"field": "ict_jp_pct", "title": "ICT share of JP, %", "format": ".2f"},
                        {"field": "placement_fit_pct", "title": "placement fit, %", "format": ".2f"},
                        {"field": "weakest_element", "title": "weakest element"},
                        {"field": "recommended_training_focus", "title": "training it calls for"},
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
