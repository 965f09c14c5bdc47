"""The texts of the report pages and the `make run` summary, one catalogue per language (`Settings.report_language`):
`bahasa_indonesia` (the default) and `english`. Both hold the same keys with the same {fields}
(tests/unit/test_report_language.py checks it). Regulation terms are written as the regulations write them
(docs/reports.md lists them); numbers and dates arrive formatted (`asn_platform.reports.language`).

A message is a string, or for a count a (singular, plural) pair with the number as {n}.
"""

from __future__ import annotations

from collections.abc import Mapping

from asn_platform.reports.messages import bahasa_indonesia, english

Message = str | tuple[str, str]

CATALOGUES: Mapping[str, Mapping[str, Message]] = {"id": bahasa_indonesia.MESSAGES, "en": english.MESSAGES}
