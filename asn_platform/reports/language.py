"""The language of what people read: the report pages and the `make run` summary, in Bahasa Indonesia by default or
in English (`Settings.report_language`, from ASN_REPORT_LANGUAGE).

Every sentence comes from one catalogue per language (`asn_platform/reports/messages/`); numbers and dates are
formatted by Babel from the locale's CLDR data (1.234,5 and 7 Desember 2026 in Indonesian), and the charts get the
same symbols and names as d3 locales for vega-embed, built here from Babel's data so nothing is fetched.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

from asn_platform.core.settings import Settings
from asn_platform.reports.messages import CATALOGUES, Message

Number = int | float | Decimal


class MissingText(KeyError):
    """A text the code asks for is not in the language's catalogue."""


def placeholders(message: Message) -> set[str]:
    """The named fields a message is formatted with (both forms of a plural)."""
    forms = message if isinstance(message, tuple) else (message,)
    return {field for form in forms for _, field, _, _ in string.Formatter().parse(form) if field}


@dataclass(frozen=True)
class Language:
    """A catalogue of texts and the locale its numbers and dates are written in."""

    code: str
    messages: Mapping[str, Message]

    @classmethod
    def of(cls, settings: Settings) -> Language:
        return language(settings.report_language)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    def __call__(self, key: str, /, **values: Any) -> str:
        """The text `key`, its {fields} filled in (numbers already formatted by the caller)."""
        message = self._message(key)
        if isinstance(message, tuple):
            raise MissingText(f"{key!r} has a singular and a plural: use count()")
        return message.format(**values)

    def _message(self, key: str) -> Message:
        try:
            return self.messages[key]
        except KeyError:
            raise MissingText(f"no text {key!r} in the {self.code!r} catalogue") from None

    def label(self, kind: str, code: str, default: str | None = None) -> str:
        """A reference code's name (a fit, a training focus, a stage): `<kind>.<code>` in the catalogue, or else
        `default` or the code itself (one a seed added since)."""
        message = self.messages.get(f"{kind}.{code}")
        return message if isinstance(message, str) else default or code

    def count(self, key: str, number: int, /, **values: Any) -> str:
        """A count with its noun: "1 region", "5 regions"; a language without plurals gives one form."""
        message = self._message(key)
        if isinstance(message, tuple):
            message = message[0] if number == 1 else message[1]
        return message.format(n=self.number(number), **values)

    def number(self, value: Number, places: int | None = None) -> str:
        """1.234,5 (id) or 1,234.5 (en); `places` fixes the decimals, None keeps an int whole."""
        if places is None:
            return format_decimal(value, format="#,##0", locale=self.code) if isinstance(value, int) else (
                format_decimal(value, locale=self.code)
            )  # fmt: skip
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(_half_up(value, places), format=pattern, locale=self.code)

    def percent(self, value: Number | None, places: int = 1) -> str:
        """A share given on 0-100: 85,3% (id) or 85.3% (en); '-' for none."""
        if value is None:
            return "-"
        pattern = ("#,##0." + "0" * places if places else "#,##0") + "%"
        return format_percent(_half_up(value, places) / 100, format=pattern, locale=self.code)

    def date(self, value: date) -> str:
        """7 Desember 2026 (id) or December 7, 2026 (en)."""
        return format_date(value, format="long", locale=self.code)

    def short_date(self, value: date) -> str:
        """For table cells: 7 Des 2026 (id) or Dec 7, 2026 (en)."""
        return format_date(value, format="medium", locale=self.code)

    def timestamp(self, value: datetime) -> str:
        """A moment in UTC: 7 Desember 2026 16.52 UTC (id) or December 7, 2026 16:52 UTC (en)."""
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return self("format.timestamp", date=self.date(value), time=value.strftime(self("format.clock")))

    def d3_format_locale(self) -> dict[str, Any]:
        """vega-embed's `formatLocale` (a d3-format locale) with the locale's CLDR symbols."""
        grouping = self.locale.decimal_formats[None].grouping[0]
        return {
            "decimal": get_decimal_symbol(self.code),
            "thousands": get_group_symbol(self.code),
            "grouping": [grouping],
            "currency": [self("format.currency_prefix"), ""],
            "minus": get_minus_sign_symbol(self.code),
        }

    def d3_time_format_locale(self) -> dict[str, Any]:
        """vega-embed's `timeFormatLocale` (a d3-time-format locale): day and month names from CLDR (d3 counts
        days from Sunday, CLDR from Monday), the composite patterns from the catalogue."""
        days, months = self.locale.days["format"], self.locale.months["format"]
        sunday_first = [6, 0, 1, 2, 3, 4, 5]
        periods = self.locale.day_periods["format"]["abbreviated"]
        return {
            "dateTime": self("format.d3_datetime"),
            "date": self("format.d3_date"),
            "time": self("format.d3_time"),
            "periods": [periods["am"], periods["pm"]],
            "days": [days["wide"][day] for day in sunday_first],
            "shortDays": [days["abbreviated"][day] for day in sunday_first],
            "months": [months["wide"][month] for month in range(1, 13)],
            "shortMonths": [months["abbreviated"][month] for month in range(1, 13)],
        }


def _half_up(value: Number, places: int) -> Decimal:
    """Rounded half up, as the marts round (DuckDB's round); Babel alone would round half to even."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


@cache
def language(code: str) -> Language:
    try:
        return Language(code, CATALOGUES[code])
    except KeyError:
        raise MissingText(f"no catalogue for language {code!r}; there are {', '.join(CATALOGUES)}") from None
