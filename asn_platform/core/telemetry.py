"""The telemetry opt-outs: a government server must not call home.

`asn_platform` applies them on import (every entry point imports it: the CLI, the DAG files, the tests), so they are
in place before dbt, Airflow, cosmos or Great Expectations read them; the Makefile and the image take them from
`telemetry.env` beside this file. An operator's explicit value wins.
"""

from __future__ import annotations

import os
from pathlib import Path

OPT_OUTS_FILE = Path(__file__).with_name("telemetry.env")


def _read_opt_outs() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in OPT_OUTS_FILE.read_text().splitlines() if line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


TELEMETRY_OPT_OUTS = _read_opt_outs()


def apply_opt_outs() -> None:
    for name, value in TELEMETRY_OPT_OUTS.items():
        os.environ.setdefault(name, value)
