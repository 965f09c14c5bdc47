"""The report pages' Jinja2 templates: names and values are text, never markup, and the chart specs survive intact."""

from __future__ import annotations

import json
import re

import jinja2
import pytest

from asn_platform.reports.language import language
from asn_platform.reports.pages import render_template

HOSTILE = '<script>alert("x")</script> & Dinas'


def _workforce_page(without: str | None = None) -> str:
    t = language("id")
    context = {
        "title": HOSTILE,
        "lead": "lead",
        "headline_columns": ["daerah"],
        "headlines": [[HOSTILE]],
        "charts": [],
        "specs": {"ikm": {"data": {"values": [{"group": HOSTILE}]}}, "elements": {"mark": "bar"}},
        "chart_locale": {"number": t.d3_format_locale(), "time": t.d3_time_format_locale()},
        "links": [(HOSTILE, "langsa.html", "note")],
        "index_url": "../index.html",
        "overall_url": "index.html",
        "published": None,
        "written": "7 Desember 2026 pukul 16.52 UTC",
        "assets": {"bootstrap.css": "b.css", "vega.js": "v.js"},
        "stylesheets": ["bootstrap.css"],
        "chart_scripts": ["vega.js"],
    }
    context.pop(without, None)
    return render_template("workforce.html", t, **context)


def test_names_are_escaped_and_specs_round_trip_in_order() -> None:
    page = _workforce_page()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Dinas" in page
    (specs,) = re.findall(r'<script id="chart-specs" type="application/json">(.*?)</script>', page, re.S)
    assert "</" not in specs  # tojson escapes "<": no value can end the script element
    assert list(json.loads(specs)) == ["ikm", "elements"]  # the order the page draws them in
    assert json.loads(specs)["ikm"]["data"]["values"][0]["group"] == HOSTILE
    assert '<html lang="id">' in page
    assert ">Laporan</a>" in page  # the breadcrumb, from the Indonesian catalogue


def test_a_missing_variable_fails_instead_of_leaving_a_blank() -> None:
    with pytest.raises(jinja2.UndefinedError, match="'written' is undefined"):
        _workforce_page(without="written")
