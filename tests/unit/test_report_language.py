"""The report texts: both catalogues say the same things, and numbers and dates come out the language's way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from asn_platform.reports.language import MissingText, language, placeholders
from asn_platform.reports.messages import CATALOGUES


def test_both_catalogues_hold_the_same_texts_with_the_same_fields() -> None:
    indonesian, english = CATALOGUES["id"], CATALOGUES["en"]
    assert sorted(indonesian) == sorted(english)
    assert {key: placeholders(text) for key, text in indonesian.items()} == {
        key: placeholders(text) for key, text in english.items()
    }


def test_numbers_dates_and_counts_in_indonesian_and_english() -> None:
    indonesian, english = language("id"), language("en")
    assert indonesian.number(Decimal("1234.5"), 1) == "1.234,5"
    assert english.number(Decimal("1234.5"), 1) == "1,234.5"
    assert indonesian.number(1234567) == "1.234.567"
    assert indonesian.percent(Decimal("85.25")) == "85,3%"  # half up, as the marts round
    assert english.percent(None) == "-"
    assert indonesian.date(date(2026, 12, 7)) == "7 Desember 2026"
    assert english.date(date(2026, 12, 7)) == "December 7, 2026"
    assert indonesian.timestamp(datetime(2026, 12, 7, 16, 52, tzinfo=UTC)) == "7 Desember 2026 pukul 16.52 UTC"
    assert indonesian.count("count.region", 1) == "1 daerah"
    assert english.count("count.region", 1) == "1 region"
    assert english.count("count.region", 1200) == "1,200 regions"


def test_the_charts_get_d3_locales_from_the_same_data() -> None:
    number = language("id").d3_format_locale()
    assert (number["decimal"], number["thousands"], number["grouping"]) == (",", ".", [3])
    time = language("id").d3_time_format_locale()
    assert time["days"][0] == "Minggu"  # d3 starts the week on Sunday
    assert time["months"][11] == "Desember"
    assert len(time["shortMonths"]) == 12


def test_a_missing_text_is_named() -> None:
    with pytest.raises(MissingText, match=r"no text 'no.such' in the 'id' catalogue"):
        language("id")("no.such")
    assert language("en").label("fit", "a_new_code") == "a_new_code"
    assert language("id").label("fit", "not_assessed") == "tidak dinilai"
