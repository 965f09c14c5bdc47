"""dbt-duckdb plugin: hands the pseudonymisation key to DuckDB as a session variable.

The key is read from the environment when dbt connects: dbt runs in a subprocess whose environment
asn_platform.core.settings prepared, so this is the one other place that reads it. It never appears in compiled SQL, run
results or logs; models read it with `getvariable('asn_pseudonym_key')` through the `pseudonymise` macro.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

KEY_VARIABLE = "asn_pseudonym_key"


class Plugin(BasePlugin):
    def _set_key(self, connection: Any) -> None:
        key = os.environ.get("ASN_PSEUDONYM_KEY", "")
        if not key:
            raise RuntimeError("ASN_PSEUDONYM_KEY is not set; run dbt through `python -m asn_platform dbt ...`")
        connection.execute(f"SET VARIABLE {KEY_VARIABLE} = ?", [key])

    def configure_connection(self, conn: Any) -> None:
        self._set_key(conn)

    def configure_cursor(self, cursor: Any) -> None:
        self._set_key(cursor)
