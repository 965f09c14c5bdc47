"""The report pages' HTML, from the Jinja2 templates packaged beside this module (`templates/`).

Autoescape is on for every template, so a unit or region name is text, never markup; chart specs go into the page
with `tojson`, which also escapes `<`, `>` and `&` so no value can close the script element early. Every text a
template shows comes from the language's catalogue, through `t`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from asn_platform.reports.language import Language


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("asn_platform.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt variable fails the build instead of leaving a blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Chart specs keep their key order (the page draws them in it) and their Indonesian letters as they are.
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False, "separators": (",", ":")}
    return env


def render_template(name: str, t: Language, **context: Any) -> str:
    """The page `name` (a file in templates/) in the language `t`, which templates call for every text."""
    return environment().get_template(name).render(t=t, lang=t.code, **context)
