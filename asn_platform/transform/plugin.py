"""dbt-duckdb plugin: hands the pseudonymisation key to DuckDB as a session variable.

The key is read from the environment when dbt connects: dbt runs in a subprocess whose environment
asn_platform.core.settings prepared, so this is the one other place that reads it. Plain `dbt` in `dbt_project/`
(no such environment) uses the key a local installation keeps beside the build database the profile opened, if there
is one; it never makes a new key there, which would give everyone new pseudonyms. The key never appears in compiled
SQL, run results or logs; models read it with `getvariable('asn_pseudonym_key')` through the `pseudonymise` macro.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from asn_platform.core.settings import stored_pseudonym_key

KEY_VARIABLE = "asn_pseudonym_key"


class Plugin(BasePlugin):
    def _set_key(self, connection: Any) -> None:
        key = os.environ.get("ASN_PSEUDONYM_KEY", "").strip()
        if not key and self.creds is not None and self.creds.path != ":memory:":
            key = stored_pseudonym_key(Path(self.creds.path).resolve().parent) or ""
        if not key:
            raise RuntimeError(
                "ASN_PSEUDONYM_KEY is not set and no key is kept beside the build database; run dbt through "
                "`python -m asn_platform dbt ...` (or `make dbt`), which sets it"
            )
        connection.execute(f"SET VARIABLE {KEY_VARIABLE} = ?", [key])

    def configure_connection(self, conn: Any) -> None:
        self._set_key(conn)

    def configure_cursor(self, cursor: Any) -> None:
        self._set_key(cursor)
